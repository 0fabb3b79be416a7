"""xmobar: `<fc=#rrggbb>…</fc>` colours; every `<` in the data sent as `<raw=1:</>`.

Read by `Run Com "tokseg" ["--format", "xmobar"] …` and pushed by the
refresher into the named pipe of a `Run PipeReader`. xmobar parses a
command's output as markup: `<fc=…>`, `<fn=…>`, `<box>`, `<icon=…/>`,
`<hspace=…/>`, `<action=…>` (which runs a command on click) and their
closing tags all start with `<`, and an unclosed one makes xmobar show
"Could not parse string" instead of the whole bar. It has no backslash or
entity escape; its `<raw=N:TEXT/>` shows exactly N characters literally.
So each `<` in the data becomes a one-character raw block: nothing else
can start a tag, and the count is the same whatever the data's encoding
(wrapping a whole span would depend on xmobar counting characters as
Python does). `%` and `}{` are only special in xmobar's template, not in
a command's output.
"""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

LITERAL_LT = "<raw=1:</>"


def escape(text: str) -> str:
    return text.replace("<", LITERAL_LT)


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return plain.painted(view, template_text, max_width, "xmobar",
                         lambda text, colour: f"<fc={palette.to_hex(colour)}>{text}</fc>", escape)
