"""What the subscription-window providers (claude, codex, copilot) share.

These providers read another tool's login from its own files, so the
helpers here only ever *read*: a file is opened read-only and never
written back, whatever it holds. Values from undocumented endpoints are
parsed tolerantly: a wrong type becomes "not reported", never a crash.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from tokseg.errors import AuthError, FetchError

MS_THRESHOLD = 1e11  # epoch seconds stay below this until the year 5138; epoch ms are above it
HOUR_S, DAY_S = 3600.0, 86400.0
# Claude's windows by the names tokseg gives them (usage endpoint and status line alike), and their lengths.
CLAUDE_WINDOW_S = {"5h": 5 * HOUR_S, "7d": 7 * DAY_S, "7d-sonnet": 7 * DAY_S, "7d-opus": 7 * DAY_S}


def user_home(env: Mapping[str, str]) -> str:
    """The user's home folder as the environment says (tests point HOME at a tmp folder)."""
    return env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")


def env_dirs(env: Mapping[str, str], name: str) -> list[str]:
    """Folders named by an env var that tools allow to be a comma-separated list (CLAUDE_CONFIG_DIR, CODEX_HOME)."""
    return [part.strip() for part in env.get(name, "").split(",") if part.strip()]


def read_json(path: str) -> Any:
    """A JSON file's content, or None when it is missing or unreadable; opened read-only."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError):
        return None


def fingerprint(secret: str) -> str:
    """A short, non-reversible name for a token (gates and park keys key on it)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def number(value: Any) -> float | None:
    """A finite float from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def finite(value: float | None) -> float | None:
    """`value` unless arithmetic on extreme inputs made it inf or NaN."""
    return value if value is not None and math.isfinite(value) else None


def as_dict(value: Any) -> dict:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """A JSON array, or [] for anything else (null, an object, a stray scalar)."""
    return value if isinstance(value, list) else []


def epoch_seconds(value: Any) -> float | None:
    """Epoch seconds from a number that may be in seconds or milliseconds."""
    result = number(value)
    if result is None or result <= 0:
        return None
    return result / 1000.0 if result > MS_THRESHOLD else result


def iso_time(value: Any) -> float | None:
    """Epoch seconds from ISO-8601 with or without fractions/offset ("Z" and naive mean UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:  # Python < 3.11 accepts only 3 or 6 fraction digits: normalise to 6
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{(tail[:digits] + '000000')[:6]}{tail[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`… when another window of the reading already has it (added to `taken`)."""
    found, n = name, 2
    while found in taken:
        found, n = f"{name}-{n}", n + 1
    taken.add(found)
    return found


def window_label(seconds: float) -> str:
    """5h, 7d, 30d, 90m: the short name a window gets from its length."""
    seconds = round(seconds)
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{max(1, seconds // 60)}m"


def refine(exc: FetchError, message: str) -> AuthError:
    """An AuthError with a provider-specific fix that keeps the HTTP status of `exc`."""
    refined = AuthError(message)
    refined.status = exc.status
    return refined
