"""Output formats: name → module, each imported only when asked for (hot path)."""

from __future__ import annotations

import importlib

FORMATS: dict[str, str] = {
    "json": "tokseg.render.jsonout",
    "plain": "tokseg.render.plain",
}


def render(view: dict, fmt: str, template: str | None = None, max_width: int | None = None) -> str:
    """The text `fmt` prints for `view`; `template` overrides the snapshot's default."""
    module = importlib.import_module(FORMATS[fmt])
    return module.render(view, template, max_width)


def state(view: dict) -> str:
    """The whole segment's state: missing, error, stale or ok (worst account wins)."""
    if view["missing"]:
        return "missing"
    statuses = {item["status"] for item in view["accounts"]}
    if view.get("config_error") or "error" in statuses:
        return "error"
    if "stale" in statuses:
        return "stale"
    return "ok"


def clip(text: str, max_width: int | None) -> str:
    """Cut to `max_width` characters, ending in an ellipsis when cut."""
    if max_width is None or len(text) <= max_width:
        return text
    return text[: max(0, max_width - 1)] + "…"
