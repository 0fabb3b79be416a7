"""polybar: `%{F#rrggbb}…%{F-}` colours and `%{A1:…:}` click actions.

Used by `custom/script` (`exec = tokseg --format polybar`) and pushed to a
`custom/ipc` module by the refresher. Since polybar 3.6 an invalid `%{`
tag is an error and there is no escape for a literal one, so a `%{` in
the data is broken up with a zero-width space (UNCONFIRMED that no later
release adds an escape; this keeps the text visible either way).
"""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

ZERO_WIDTH_SPACE = "\u200b"
LEFT_CLICK = "tokseg refresh --quiet &"


def escape(text: str) -> str:
    return text.replace("%{", f"%{ZERO_WIDTH_SPACE}{{")


def action(button: int, command: str, body: str) -> str:
    """Wrap `body` in a click action; `:` in the command is written `\\:`."""
    return f"%{{A{button}:{command.replace(':', chr(92) + ':')}:}}{body}%{{A}}"


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    body = plain.painted(view, template_text, max_width, "polybar",
                         lambda text, colour: f"%{{F{palette.to_hex(colour)}}}{text}%{{F-}}", escape)
    return action(1, LEFT_CLICK, body)
