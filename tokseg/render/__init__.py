"""Output formats: name → module, each imported only when asked for (hot path)."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

FORMATS: dict[str, str] = {
    "bash": "tokseg.render.bash",
    "fish": "tokseg.render.fish",
    "i3bar": "tokseg.render.i3bar",
    "i3blocks": "tokseg.render.i3blocks",
    "json": "tokseg.render.jsonout",
    "plain": "tokseg.render.plain",
    "polybar": "tokseg.render.polybar",
    "starship": "tokseg.render.starship",
    "tmux": "tokseg.render.tmux",
    "waybar": "tokseg.render.waybar",
    "zsh": "tokseg.render.zsh",
}


def render(view: View, fmt: str, template: str | None = None, max_width: int | None = None) -> str:
    """The text `fmt` prints for `view`; `template` overrides the snapshot's default."""
    module = importlib.import_module(FORMATS[fmt])
    return module.render(view, template, max_width)


def exit_status(view: View, fmt: str) -> int:
    """0, or what the host reads from the exit code (i3blocks: 33 means urgent)."""
    module = importlib.import_module(FORMATS[fmt])
    return module.exit_status(view) if hasattr(module, "exit_status") else 0


def state(view: View) -> str:
    """The whole segment's state: missing, error, crit, warn, stale, pending or ok (worst account wins)."""
    from tokseg.render.view import worst

    if view["missing"]:
        return "missing"
    if view.get("config_error"):
        return "error"
    return worst([item["state"] for item in view["accounts"]])


def clip(text: str, max_width: int | None) -> str:
    """Cut to `max_width` characters, ending in an ellipsis when cut."""
    if max_width is None or len(text) <= max_width:
        return text
    return text[: max(0, max_width - 1)] + "…"
