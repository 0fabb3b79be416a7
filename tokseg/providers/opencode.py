"""OpenCode Go: the subscription's rolling 5-hour, weekly and monthly windows, used % and reset.

Options:
    base_url: API root; the windows are read from `<base_url>/zen/go/v1/usage`
        (default "https://opencode.ai")
Reports:
    the OpenCode Go windows `5h` (rolling), `7d` (weekly) and `month` (monthly), each with used % and
    reset time; a window the answer leaves out is not shown, and a window OpenCode marks as not "ok"
    (e.g. "rate-limited") gets a note. `5h` and `7d` have a known length, so they show a pace. Zen
    pay-as-you-go balance and monthly spend are not shown: OpenCode serves them only to the website's
    session cookie, not to an API key. Headline: the fullest window.
Needs:
    an OpenCode API key of the workspace that holds the Go subscription. Reading the windows costs no
    tokens.
Errors:
    401/403: auth (OpenCode's AuthError "Invalid API key."); 429: rate_limited; 5xx: server; an answer
    with neither `usage` nor the older `rollingUsage` form: bad_response
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import auth_hint, bearer, no_leak, require_secret
from tokseg.providers._subscription import HOUR_S, as_dict, epoch_seconds, iso_time, number
from tokseg.reading import Headline, Reading, Window
from tokseg.safe_text import line as printable

NAME, TITLE = "opencode", "OpenCode Go (subscription windows)"
CONSOLE = "https://opencode.ai/auth"
SECRET = SecretSpec(env="OPENCODE_API_KEY", hint=f"create an API key at {CONSOLE} (the workspace with OpenCode Go)")
OTHER_ENV = "OPENCODE_GO_API_KEY"  # other tools' name for it; OPENCODE_API_KEY wins when both are set

# Reverse-engineered (UNCONFIRMED): OpenCode documents neither this path nor any field below.
PATH = "/zen/go/v1/usage"
WHERE = "opencode zen/go/v1/usage"
KEY_HINT = f"OpenCode refused the key: it needs an API key of the workspace with OpenCode Go, from {CONSOLE}"
# (window name, key under `usage`, key of the older top-level form, length). The lengths come from the
# plan's names (UNCONFIRMED); a month's length depends on the subscription date, so it stays unknown.
WINDOWS = (("5h", "rolling", "rollingUsage", 5 * HOUR_S),
           ("7d", "weekly", "weeklyUsage", 7 * 24 * HOUR_S),
           ("month", "monthly", "monthlyUsage", None))
OK_STATUS = "ok"  # UNCONFIRMED: any other status (seen: "rate-limited") means the window refuses requests
MAX_PCT = 1000.0  # a used % past this is not believed
MAX_AHEAD = 366 * 86400  # nor a reset further ahead than a year
MAX_STATUS = 40


@dataclass(frozen=True)
class Options:
    base_url: str = "https://opencode.ai"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    headers = {**bearer(secret), "Accept": "application/json"}
    with no_leak(secret):
        try:
            body = ctx.http.get_json(PATH, headers=headers)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        return parse(body, ctx.now())


def parse(body: Any, now: float) -> Reading:
    """The windows of a usage answer: `usage.{rolling,weekly,monthly}`, or the older `rollingUsage` form."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    if "usage" not in body and not any(key in body for _, _, key, _ in WINDOWS):
        raise BadResponse(f"{WHERE}: field usage is missing")
    usage = as_dict(body.get("usage"))
    windows: list[Window] = []
    notes: list[str] = []
    for name, key, old_key, length in WINDOWS:
        entry = as_dict(usage.get(key)) or as_dict(body.get(old_key))  # UNCONFIRMED: both forms seen
        window = read_window(entry, name, length, now)
        if window is not None:
            windows.append(window)
        status = entry.get("status")  # UNCONFIRMED
        if isinstance(status, str) and status.strip() and status.strip().lower() != OK_STATUS:
            notes.append(f"{name} window: {printable(status, MAX_STATUS)}")
    if not windows:
        return Reading(notes=(*notes, "OpenCode reported no Go window for this key (no Go subscription?)"))
    fullest = max(windows, key=lambda w: w.used_pct)  # the first of equals: 5h, then 7d, then month
    return Reading(headline=Headline("window", fullest.name), windows=tuple(windows), notes=tuple(notes))


def read_window(entry: dict, name: str, length: float | None, now: float) -> Window | None:
    """One window from `percent`/`resetsAt` (or `usagePercent`/`resetInSec`); None without a believable %.

    UNCONFIRMED: the percent is what is used, 0-100 already (1 means 1 %, not 100 %).
    """
    used = number(entry.get("percent"))
    if used is None:
        used = number(entry.get("usagePercent"))
    if used is None or not 0 <= used <= MAX_PCT:
        return None
    return Window(name, used, reset_time(entry, now), length)


def reset_time(entry: dict, now: float) -> float | None:
    """`resetsAt` (ISO-8601, or epoch s/ms), else now + `resetInSec`; None when neither is believable."""
    raw = entry.get("resetsAt")
    at = iso_time(raw) if isinstance(raw, str) else epoch_seconds(raw)
    if at is None or at <= now:
        after = number(entry.get("resetInSec"))
        at = now + after if after is not None and after > 0 else None
    return at if at is not None and 0 < at - now <= MAX_AHEAD else None


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """A key in $OPENCODE_GO_API_KEY (other tools' name for it), unless $OPENCODE_API_KEY is set."""
    if not env.get(OTHER_ENV, "").strip() or env.get(SECRET.env or "", "").strip():
        return []
    return [Source(f"OpenCode Go API key in ${OTHER_ENV}", f"${OTHER_ENV}", NAME, NAME, key_env=OTHER_ENV)]
