"""tmux: `#[fg=…]` styles; every literal `#` doubled.

The same text serves `#(tokseg --format tmux)` and the pushed `@tokseg`
user option: tmux expands both as a format once more, so `##` shows `#`
and data can never start a `#{…}` format or a `#[…]` style.
"""

from __future__ import annotations

from tokseg.render import palette, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View


def escape(text: str) -> str:
    return text.replace("#", "##")


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return plain.painted(view, template_text, max_width, "tmux",
                         lambda text, colour: f"#[fg={palette.tmux_name(colour)}]{text}#[fg=default]", escape)
