"""`tokseg statusline`: Claude Code's status line command (hot path, stdlib only).

Claude Code pipes one JSON object to this command's stdin on every status
render (reference A1). We keep the vendor's own figures from it - 5-hour and
7-day window use and resets, the session's cost estimate, the model, how full
the context window is - in a small file in the cache folder, so every other bar
can show them through the `claude_statusline` provider, and print a one-line
segment. The work is the
same whatever the size of the logs: nothing but stdin and one file is read.
Any bad input prints a short marker and exits 0: a non-zero exit or a
traceback would blank or garble Claude Code's status line.
"""

from __future__ import annotations

import json
import os
import sys
import time

from tokseg import atomic, locations, safe_text
from tokseg.render import numbers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STORE_FILE = "claude-statusline.json"
SCHEMA = 1
MARK = "claude ?"
MAX_INPUT = 1 << 20
# Identical figures are not rewritten more often than this: a render is frequent, an fsync is not free.
REWRITE_AFTER_S = 60.0
# Claude Code's window keys (reference A1) → our window names.
WINDOWS = (("five_hour", "5h"), ("seven_day", "7d"), ("seven_day_opus", "7d-opus"), ("seven_day_sonnet", "7d-sonnet"))
# Figures outside these are not reported rather than shown (the same bound as a provider's Reading).
MAX_FIGURE = 1e12
MAX_RESET_AHEAD_S = 31 * 86400.0  # the longest window is 7 days
MAX_NAME = 60
USAGE = "usage: Claude Code settings.json: \"statusLine\": {\"type\": \"command\", \"command\": \"tokseg statusline\"}"


def store_path() -> str:
    return os.path.join(locations.cache_dir(), STORE_FILE)


def main(argv: list[str]) -> int:
    """Read stdin, store the figures, print the segment; always exit 0."""
    if argv and argv[0] in ("-h", "--help"):
        _write(USAGE)
        return 0
    now = time.time()
    try:
        figures = parse(_read_stdin(), now)
    except Exception:
        figures = None
    if figures is None:
        _write(MARK)
        return 0
    try:
        store(figures, store_path(), now)
    except Exception:
        pass  # the segment still shows; other bars keep the previous figures
    try:
        out = segment(figures, now)
    except Exception:
        out = MARK
    _write(out)
    return 0


def _read_stdin() -> bytes:
    """Stdin, bounded; a terminal (someone running it by hand) gives nothing rather than a hang."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return b""
        return sys.stdin.buffer.read(MAX_INPUT)
    except (OSError, ValueError, AttributeError):
        return b""


def parse(raw: bytes, now: float) -> dict | None:
    """Claude Code's statusLine JSON → our stored figures, or None when it is not usable."""
    data = json.loads(raw) if raw.strip() else None
    if not isinstance(data, dict):
        return None
    model = data.get("model")
    if isinstance(model, dict):
        model_id, model_name = _text(model.get("id")), _text(model.get("display_name"))
    else:  # some versions send the model as a plain string
        model_id = model_name = _text(model)
    cost = data.get("cost")
    context = data.get("context_window")
    limits = data.get("rate_limits")
    windows = {}
    if isinstance(limits, dict):
        for key, name in WINDOWS:
            window = _window(limits.get(key), now)
            if window is not None:
                windows[name] = window
    return {
        "schema": SCHEMA,
        "session_id": _text(data.get("session_id")),
        "model_id": model_id,
        "model": model_name or model_id,
        "version": _text(data.get("version")),
        "cost_usd": _number(cost.get("total_cost_usd")) if isinstance(cost, dict) else None,
        "context_pct": _context_pct(context),
        "windows": windows,
    }


def _window(raw: Any, now: float) -> dict | None:
    if not isinstance(raw, dict):
        return None
    used = _number(raw.get("used_percentage"))
    if used is None:
        return None
    resets_at = _number(raw.get("resets_at"))
    if resets_at is not None and resets_at > 1e11:  # documented as epoch seconds; guard against ms
        resets_at /= 1000.0
    if resets_at is not None and resets_at > now + MAX_RESET_AHEAD_S:
        resets_at = None  # no window is that long: a wrong clock or a wrong figure, not a countdown to show
    return {"used_pct": used, "resets_at": resets_at}


def _context_pct(context: Any) -> float | None:
    """`context_window.used_percentage`, Claude Code's own figure, or None. It is not worked out from the
    token counts when absent: which of them fill the window is UNCONFIRMED (reference A1), and a fill past
    100 % is no fill at all."""
    used = _number(context.get("used_percentage")) if isinstance(context, dict) else None
    return used if used is not None and used <= 100 else None


def _number(value: Any) -> float | None:
    """Numbers may come as strings ("42"); anything else, and any figure that cannot be a cost, a
    percentage or a time (negative, not finite, past MAX_FIGURE), is 'not reported'."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if 0 <= number <= MAX_FIGURE else None  # False for nan as well


def _text(value: Any) -> str | None:
    """A name from the agent, on one line and at most MAX_NAME characters (it is printed in a bar)."""
    if not isinstance(value, str):
        return None
    text = safe_text.strip(" ".join(value.split()))  # the cut counts what a bar shows
    return (text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…") or None


def store(figures: dict, path: str, now: float) -> bool:
    """Write the figures atomically (temp file, fsync, rename; 0600); False when unchanged and recent."""
    previous = _load(path)
    if previous is not None:
        previous_at = previous.pop("updated_at", None)
        if previous == figures and isinstance(previous_at, (int, float)) and now - previous_at < REWRITE_AFTER_S:
            return False
    folder = os.path.dirname(path)
    locations.make_private(folder)
    payload = json.dumps({**figures, "updated_at": now}, separators=(",", ":"), sort_keys=True).encode()
    atomic.replace_file(path, payload)
    return True


def _load(path: str) -> dict | None:
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def segment(figures: dict, now: float) -> str:
    """`claude 5h 42% ↻1h12m · 7d 18% · ctx 63% · $1.23 sess`; the model stands in when there are no windows."""
    parts = []
    windows = figures.get("windows") or {}
    for name in ("5h", "7d"):
        window = windows.get(name)
        if window is None:
            continue
        text = f"{name} {numbers.percent(window['used_pct'])}"
        if name == "5h" and window.get("resets_at") and window["resets_at"] > now:
            text += f" ↻{numbers.duration(window['resets_at'] - now)}"
        parts.append(text)
    if not parts and figures.get("model"):
        parts.append(figures["model"])
    if figures.get("context_pct") is not None:
        parts.append(f"ctx {numbers.percent(figures['context_pct'])}")
    if figures.get("cost_usd") is not None:
        parts.append(f"{numbers.money(figures['cost_usd'], 'USD')} sess")
    return "claude " + " · ".join(parts) if parts else "claude"


def _write(text: str) -> None:
    """Print one line; the model name comes from the agent's input, so control characters are dropped."""
    try:
        sys.stdout.write(safe_text.strip(text) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
