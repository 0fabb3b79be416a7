"""zsh prompts: `%F{…}…%f` colours; every `%` in the data doubled.

zsh applies prompt escapes to the expanded text (with or without
`prompt_subst`), so an unescaped `50%` would eat the next character and a
trailing `%` the closing `%f`.
"""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View


def escape(text: str) -> str:
    return text.replace("%", "%%")


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return plain.painted(view, template_text, max_width, "zsh",
                         lambda text, colour: f"%F{{{palette.zsh_name(colour)}}}{text}%f", escape)
