"""i3blocks (`format=json`): the i3bar block, with urgency as exit status 33.

i3blocks 1.4 keeps only string values from a block's JSON (a boolean
`urgent` came out as an empty key), and documents exit code 33 as "urgent";
so this format leaves `urgent` out and the hot path exits 33 instead. It
also routes a click to a block by the name and instance of its config
section, and i3bar sends back what the block printed, so `instance` is
left to i3blocks too (our own value made clicks miss the block).
"""

from __future__ import annotations

import json

from tokseg import safe_text
from tokseg.render import i3bar, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

URGENT_EXIT = 33


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    out = i3bar.block(view, template_text, max_width)
    del out["urgent"], out["instance"]
    return json.dumps(safe_text.json_safe(out), ensure_ascii=False)


def exit_status(view: View) -> int:
    return URGENT_EXIT if state(view) in i3bar.URGENT else 0
