"""bash prompts: ANSI colours fenced by readline's \\001 … \\002 markers.

The text reaches PS1 through a variable or command output, which bash does
not expand again, so the data needs no escaping; but colour bytes that do
not come from PS1's own `\\[ \\]` must carry the raw markers, or readline
counts them as printed characters and line editing wraps in the wrong place.
"""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

START, END = "\001", "\002"


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return plain.painted(view, template_text, max_width, "bash",
                         lambda text, colour: f"{START}\033[{palette.sgr(colour)}m{END}{text}{START}\033[39m{END}")
