"""fish prompts: raw ANSI colour escapes; fish measures escape sequences itself and shows the data as is."""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return plain.painted(view, template_text, max_width, "fish",
                         lambda text, colour: f"\033[{palette.sgr(colour)}m{text}\033[39m")
