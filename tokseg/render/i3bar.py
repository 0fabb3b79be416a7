"""i3bar protocol block, for i3blocks (`format=json`) and i3bar/swaybar wrappers.

One JSON object on one line: full_text, short_text (used when the bar runs
out of room), color (worst state), urgent (something is critical), name
and instance (which routes clicks). `markup` stays unset (none), so the
text needs no escaping.
"""

from __future__ import annotations

import json

from tokseg import safe_text
from tokseg.render import palette, plain, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

URGENT = ("crit", "error")


def block(view: View, template_text: str | None, max_width: int | None) -> dict:
    overall = state(view)
    settings = view["settings"]
    colour = palette.color(settings, "i3bar", "pending" if overall == "missing" else overall)
    out = {
        "full_text": plain.text(view, template_text, max_width),
        "short_text": plain.short(view, max_width),
        "color": palette.to_hex(colour),
        "urgent": overall in URGENT,
        "name": "tokseg",
        "instance": ",".join(item["name"] for item in view["accounts"]) or "none",
    }
    if colour is None:  # "default": the bar's own statusline colour
        del out["color"]
    return out


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return json.dumps(safe_text.json_safe(block(view, template_text, max_width)), ensure_ascii=False)


def failure(text: str, message: str, now: float) -> str:
    """Still one i3bar block when the segment could not be built."""
    return json.dumps({"full_text": text, "short_text": text, "urgent": True, "name": "tokseg", "instance": "none"})
