"""waybar `custom/<name>` with `"return-type": "json"`: text, tooltip, class, percentage.

waybar reads the first line as one JSON object and treats `text` and
`tooltip` as Pango markup, so `&`, `<` and `>` in the data are escaped (a
raw `&` empties the label). Each account's part of `text` is painted by
its own state (`<span color="#rrggbb">`, from `[settings.colors.waybar]`;
a fine account keeps the CSS colour), so the module shows which account
needs you; `class` carries the worst state for CSS
(`#custom-tokseg.warn`); `percentage` is the fullest window, for
`format-icons`.
"""

from __future__ import annotations

import json

from tokseg.render import numbers, palette, plain, state
from tokseg.render import view as views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _span(text: str, colour: object) -> str:
    """One account's text in its state's colour (the painter leaves the host's own colour unpainted)."""
    return f'<span color="{palette.to_hex(colour)}">{text}</span>'


def tooltip(view: View) -> str:
    """A per-account table in a monospace font: label, headline, state, age."""
    rows = []
    for item in view["accounts"]:
        kind = views.error_kind(item)
        figure = item["headline"] or (f"!{kind}" if kind else "…")
        age = numbers.duration(item["age_s"]) if item["age_s"] is not None else "-"
        rows.append((plain.CONTROL.sub("", item["label"]), plain.CONTROL.sub("", figure), item["state"], age))
    if not rows:
        return escape(plain.text(view))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}" for row in rows]
    # JSON carries the newlines as \n; waybar hands the decoded string to GTK as is.
    return "<tt>" + escape("\n".join(lines)) + "</tt>"


def document(view: View, template_text: str | None, max_width: int | None) -> dict:
    overall = state(view)
    classes = [overall]
    if any(item["stale"] for item in view["accounts"]) and overall != "stale":
        classes.append("stale")
    out: dict = {
        "text": plain.painted(view, template_text, max_width, "waybar", _span, escape),
        "alt": overall,
        "tooltip": tooltip(view),
        "class": classes,
    }
    used = [item["used_pct"] for item in view["accounts"] if item["used_pct"] is not None]
    if used:
        out["percentage"] = round(max(used))
    return out


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return json.dumps(document(view, template_text, max_width), ensure_ascii=False)


def failure(text: str, message: str, now: float) -> str:
    """Still one JSON object when the segment could not be built: waybar shows `text`, the tooltip says why."""
    return json.dumps({"text": escape(text), "alt": "error", "tooltip": escape(message), "class": ["error"]})
