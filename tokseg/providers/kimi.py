"""Kimi Code plan: the 5-hour window and the plan's overall quota, used / limit and reset.

Options:
    base_url: API root (default "https://api.kimi.com")
    credentials: the Kimi CLI's credentials file, read when the account has no key; empty means
        $KIMI_CODE_HOME/credentials/kimi-code.json, else ~/.kimi-code/credentials/kimi-code.json (default "")
Reports:
    windows `5h` (the rolling 5-hour window, with its length, so a pace; another short window the
    answer lists is named by its length) and `overall` (the plan's quota across windows, weekly on
    the plans seen; its length is not in the answer, so no pace), each with used % and reset time;
    a note per window with the requests used of the limit. Headline: the fullest window.
Needs:
    a Kimi Code API key (https://www.kimi.com/code/console), or else the Kimi CLI's login (run `kimi`
    and sign in once): its token is read, never refreshed or written.
Errors:
    401/403: auth (with a key: use a Kimi Code key, not a Moonshot platform key; with the CLI's login:
    run `kimi` to sign in again); an expired or missing CLI login: auth before any request; 429:
    rate_limited; 5xx: server; an answer without `usage` or `limits`: bad_response
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import auth_hint, bearer, no_leak
from tokseg.providers._subscription import (
    as_dict,
    as_list,
    epoch_seconds,
    fingerprint,
    iso_time,
    number,
    read_json,
    unique,
    user_home,
    window_label,
)
from tokseg.reading import Headline, Reading, Window

NAME, TITLE = "kimi", "Kimi Code (plan windows)"
CONSOLE = "https://www.kimi.com/code/console"
SECRET = SecretSpec(env="KIMI_CODE_API_KEY", hint=f"create a Kimi Code API key at {CONSOLE}",
                    fallback="the Kimi CLI's login (~/.kimi-code/credentials/kimi-code.json)")
HOME_ENV = "KIMI_CODE_HOME"  # the Kimi CLI's own variable for its folder
SIGN_IN = "run `kimi` to sign in again"

# Reverse-engineered (UNCONFIRMED): neither the path nor any field below is documented by Kimi.
PATH = "/coding/v1/usages"
UNIT_S = {"SECOND": 1.0, "MINUTE": 60.0, "HOUR": 3600.0, "DAY": 86400.0, "WEEK": 7 * 86400.0}
RESET_FIELDS = ("resetTime", "resetAt", "reset_time", "reset_at")
MAX_AHEAD = 366 * 86400  # a reset or a length beyond this is not believed
WHERE = "kimi coding/v1/usages"
KEY_HINT = f"Kimi refused the key: it needs a Kimi Code API key from {CONSOLE} (Moonshot keys are another kind)"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.kimi.com"
    credentials: str = ""


@dataclass(frozen=True)
class Login:
    """The part of the Kimi CLI's login tokseg uses; `where` names the file for messages."""

    token: str
    where: str
    expires_at: float | None


def fetch(ctx: Ctx[Options]) -> Reading:
    now = ctx.now()
    login = None if ctx.secret else cli_login(ctx)
    if login is not None and login.expires_at is not None and login.expires_at <= now:
        raise AuthError(f"the Kimi CLI's login expired: {SIGN_IN} (tokseg never refreshes it; {login.where})")
    token = ctx.secret or (login.token if login else "")
    if not token:
        raise AuthError(f"no Kimi Code API key and no Kimi CLI login in {credentials_path(ctx.options, ctx.env)}: "
                        f"`tokseg add kimi` with a key from {CONSOLE}, or run `kimi` and sign in")
    with no_leak(token):
        try:
            body = ctx.http.get_json(PATH, headers={**bearer(token), "Accept": "application/json"})
        except AuthError as exc:
            hint = KEY_HINT if login is None else f"Kimi refused the Kimi CLI's login: {SIGN_IN} ({login.where})"
            raise auth_hint(exc, hint) from exc
        return parse(body, now)


def parse(body: Any, now: float) -> Reading:
    """The windows of a usages answer: each `limits[]` entry, then the overall `usage`."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    if "usage" not in body and "limits" not in body:
        raise BadResponse(f"{WHERE}: the answer has neither usage nor limits")
    found: list[tuple[Window, str]] = []
    taken: set[str] = set()
    for item in as_list(body.get("limits")):
        entry = as_dict(item)
        length = window_length(as_dict(entry.get("window")))
        name = unique(window_label(length) if length else "window", taken)
        counted = counted_window(name, as_dict(entry.get("detail")), length, now)
        if counted:
            found.append(counted)
    overall = counted_window(unique("overall", taken), as_dict(body.get("usage")), None, now)
    if overall:
        found.append(overall)
    if not found:
        return Reading(notes=("the answer reports no window with a usable limit",))
    windows = tuple(window for window, _ in found)
    fullest = max(windows, key=lambda w: w.used_pct)
    return Reading(headline=Headline("window", fullest.name), windows=windows, notes=tuple(n for _, n in found))


def window_length(window: dict) -> float | None:
    """Seconds from `duration` and `timeUnit` ("MINUTE" or "TIME_UNIT_MINUTE"…); None when odd or unknown."""
    unit, duration = window.get("timeUnit"), number(window.get("duration"))
    scale = UNIT_S.get(unit.upper().removeprefix("TIME_UNIT_")) if isinstance(unit, str) else None
    if scale is None or duration is None or duration <= 0 or duration * scale > MAX_AHEAD:
        return None
    return duration * scale


def counted_window(name: str, detail: dict, length: float | None, now: float) -> tuple[Window, str] | None:
    """The window and its "used of limit" note from `limit` with `used` (else limit - `remaining`); None if odd.

    UNCONFIRMED: counts may be JSON numbers or numeric strings; `used` and `remaining` are requests.
    """
    limit, used, left = (number(detail.get(key)) for key in ("limit", "used", "remaining"))
    if used is None and limit is not None and left is not None:
        used = limit - left
    if limit is None or used is None or limit <= 0 or not 0 <= used <= limit:
        return None
    window = Window(name, used / limit * 100.0, reset_time(detail, now), length)
    return window, f"{name}: {used:g} of {limit:g} requests used"


def reset_time(detail: dict, now: float) -> float | None:
    """The first reset field there is: ISO-8601 (nanoseconds allowed) or epoch seconds/ms (UNCONFIRMED)."""
    value = next((detail[key] for key in RESET_FIELDS if detail.get(key) is not None), None)
    at = iso_time(value) if isinstance(value, str) and not value.strip().isdigit() else epoch_seconds(value)
    return at if at is not None and 0 < at - now <= MAX_AHEAD else None


# --- the Kimi CLI's login (read-only) ----------------------------------------------------------


def credentials_path(options: Options, env: Mapping[str, str]) -> str:
    """The option, else $KIMI_CODE_HOME/credentials/kimi-code.json, else ~/.kimi-code/credentials/kimi-code.json."""
    if options.credentials:
        return os.path.expanduser(options.credentials)
    home = env.get(HOME_ENV, "").strip() or os.path.join(user_home(env), ".kimi-code")
    return os.path.join(home, "credentials", "kimi-code.json")


def cli_login(ctx: Ctx[Options]) -> Login | None:
    """The CLI's `access_token` and `expires_at` (epoch seconds); None when the file is missing or holds no token."""
    path = credentials_path(ctx.options, ctx.env)
    data = as_dict(read_json(path))
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip():
        return None
    return Login(token.strip(), path, epoch_seconds(data.get("expires_at")))


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when the Kimi CLI signs in again, so a parked auth error is retried then."""
    login = cli_login(ctx)
    return fingerprint(login.token) if login else ""


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The Kimi CLI's credentials file, when it holds a token (only its presence is looked at)."""
    path = credentials_path(Options(), env)
    if not isinstance(as_dict(read_json(path)).get("access_token"), str):
        return []
    options = {"credentials": path} if env.get(HOME_ENV, "").strip() else {}
    return [Source("Kimi CLI login (5h and overall windows)", path, NAME, NAME, options, places=("credentials",))]
