"""starship `[custom.tokseg]`: plain text.

starship escapes a custom module's output for the user's shell itself and
colours it with the module's `style`, so host markup here would be shown
literally (or need `unsafe_no_escape`). A state that needs attention is
marked with its icon instead, which survives any style.
"""

from __future__ import annotations

from tokseg.render import palette, plain, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

MARKED = ("warn", "crit", "error")


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    overall = state(view)
    prefix = f"{palette.ICONS[overall]} " if overall in MARKED else ""
    width = None if max_width is None else max(1, max_width - len(prefix))
    return prefix + plain.text(view, template_text, width)
