"""Plain text: the segment as a terminal or a script sees it."""

from __future__ import annotations

from tokseg.render import clip, template, view as views

PLACEHOLDER = "tok …"
NO_ACCOUNTS = "tok: no accounts"
CONFIG_MARK = "!cfg"


def text(view: dict, template_text: str | None = None) -> str:
    """The segment text before any host markup."""
    if view["missing"]:
        return PLACEHOLDER
    if not view["accounts"]:
        return CONFIG_MARK if view.get("config_error") else NO_ACCOUNTS
    chosen = template_text or (view.get("settings") or {}).get("template") or "{all}"
    body = template.render(chosen, views.fields(view))
    if view.get("config_error"):
        body += f" {CONFIG_MARK}"
    return body


def render(view: dict, template_text: str | None, max_width: int | None) -> str:
    return clip(text(view, template_text), max_width)
