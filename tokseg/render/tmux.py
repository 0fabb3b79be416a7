"""tmux: `#[fg=…]` styles; every literal `#` doubled.

The same text serves `#(tokseg --format tmux)` and the pushed `@tokseg`
user option: tmux expands both as a format once more, so `##` shows `#`
and data can never start a `#{…}` format or a `#[…]` style.
"""

from __future__ import annotations

from tokseg.render import palette, plain

RESET = "#[fg=default]"


def escape(text: str) -> str:
    return text.replace("#", "##")


def render(view: dict, template_text: str | None, max_width: int | None) -> str:
    settings = view.get("settings") or {}
    out = []
    for text, state in plain.spans(view, template_text, max_width):
        if state is None:
            out.append(escape(text))
        else:
            colour = palette.tmux_name(palette.color(settings, "tmux", state))
            out.append(f"#[fg={colour}]{escape(text)}{RESET}")
    return "".join(out)
