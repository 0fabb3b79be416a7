"""fish prompts: raw ANSI colour escapes; fish measures escape sequences itself."""

from __future__ import annotations

from tokseg.render import palette, plain


def render(view: dict, template_text: str | None, max_width: int | None) -> str:
    settings = view.get("settings") or {}
    out = []
    for text, state in plain.spans(view, template_text, max_width):
        if state is None:
            out.append(text)
        else:
            out.append(f"\033[{palette.sgr(palette.color(settings, 'fish', state))}m{text}\033[39m")
    return "".join(out)
