"""The one output boundary for text we did not write: model names, server messages, notes, labels, plugin text.

Any such string can carry terminal controls (ESC]52 writes the clipboard,
CSI recolours or moves the cursor, C1 `\\x9b` is a one-byte CSI), bidi
overrides that reorder what the user reads, or lone surrogates that make
printing fail. "Unsafe" here is every character of Unicode's Cc, Cf, Cs, Zl
and Zp categories (C0, DEL, C1, bidi and zero-width marks, BOM, tags, line
and paragraph separators, surrogates). Strings are made safe where they
leave the process, not when stored, so a snapshot written by an older
version prints safely too:

- `strip`: bars and segments drop unsafe characters (the bar has no room
  for escapes, and its width counts characters);
- `visible`: terminal printers and JSON show each one as its escape
  (`\\x1b`, `\\u202e`), so nothing is hidden and nothing acts;
- `line`: one terminal line, whitespace runs folded to one space, cut;
- `json_safe`: `visible` applied to every string, keys too, of a JSON
  document (JSON's own escaping is not enough: a consumer prints values).

Hot path: stdlib `re` only; the pattern is a literal class, no `unicodedata`.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
MAX_LINE = 300


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def strip(text: str) -> str:
    """`text` without unsafe characters (for bars)."""
    return UNSAFE.sub("", text)


def visible(text: str) -> str:
    """`text` with each unsafe character shown as its escape, e.g. ESC as `\\x1b`, U+202E as `\\u202e`."""
    return UNSAFE.sub(_escape, text)


def line(text: str, limit: int = MAX_LINE) -> str:
    """`text` as one terminal line: whitespace folded to single spaces, unsafe characters escaped, cut with `…`."""
    shown = visible(" ".join(text.split()))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def json_safe(value: object) -> object:
    """A JSON-ready value with `visible` applied to every string in it, dict keys included."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {json_safe(key) if isinstance(key, str) else key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
