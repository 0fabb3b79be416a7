"""Factory (Droid): the plan's 5-hour, weekly and monthly token windows, or Standard and Premium token use.

Options:
    base_url: API root, asked for the billing limits at `/api/billing/limits`
        (default "https://api.factory.ai")
    app_url: web app root, asked for the subscription usage at `/api/organization/subscription/usage`
        when the billing limits report no token rate limits (default "https://app.factory.ai")
Reports:
    on plans billed by token rate limits: the Standard windows `5h`, `7d` and `month`, and the Core
    ones `core.5h`, `core.7d`, `core.month` when Factory reports any use of them, each with used %
    and reset; otherwise the billing period's `standard` and `premium` token use as windows (used %,
    reset at the period's end) with the token counts as notes. A window whose figures are missing or
    odd is not shown; an answer tokseg cannot read gives a note, never a figure. Headline: the
    fullest window.
Needs:
    a Factory API key `fk-…` (or a Factory web session token). Reading costs no tokens.
Errors:
    401/403 on either endpoint: auth; 429: rate_limited; 5xx: server; billing limits that are not
    JSON or 404 are not an error by themselves: the subscription usage is asked instead
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import auth_hint, bearer, checked_url, no_leak, require_secret
from tokseg.providers._subscription import HOUR_S, as_dict, epoch_seconds, iso_time, number
from tokseg.reading import Headline, Reading, Window

NAME, TITLE = "factory", "Factory / Droid (plan windows)"
KEYS = "https://app.factory.ai/settings/api-keys"
SECRET = SecretSpec(env="FACTORY_API_KEY", hint=f"create an API key at {KEYS}")
WEB = "https://app.factory.ai"  # UNCONFIRMED: both endpoints expect the web app's origin headers

# Reverse-engineered (UNCONFIRMED): Factory documents neither endpoint nor any field below.
LIMITS_PATH = "/api/billing/limits"
USAGE_PATH = "/api/organization/subscription/usage"
KEY_HINT = f"Factory refused the key: it needs a Factory API key fk-… ({KEYS}) or a current web session token"
# (pool key, window name prefix) and (window key, name, length) of the token-rate-limit billing.
POOLS = (("standard", ""), ("core", "core."))
LIMIT_WINDOWS = (("fiveHour", "5h", 5 * HOUR_S), ("weekly", "7d", 7 * 24 * HOUR_S), ("monthly", "month", None))
TOKEN_POOLS = ("standard", "premium")  # the older per-period token allowances
UNLIMITED = 1e12  # an allowance above this means "no limit", not a real allowance
MAX_PCT = 1000.0  # a used % past this is not believed
MAX_AHEAD = 366 * 86400  # nor a reset further ahead than a year
UNREADABLE = "Factory's answer has no figure tokseg can read (its format may have changed)"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.factory.ai"
    app_url: str = "https://app.factory.ai"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    app = checked_url(ctx.options.app_url, "app_url", ctx.account)
    headers = {**bearer(secret), "Accept": "application/json", "Origin": WEB, "Referer": WEB + "/",
               "x-factory-client": "web-app"}
    with no_leak(secret):
        try:
            limits = _billing_limits(ctx, headers)
            if limits is not None:
                return parse_limits(limits, ctx.now())
            usage = ctx.http.get_json(USAGE_PATH, params={"useCache": "true"}, headers=headers, base=app)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        return parse_usage(usage, ctx.now())


def _billing_limits(ctx: Ctx[Options], headers: dict[str, str]) -> dict | None:
    """The `limits` object when the account is billed by token rate limits, else None (ask the usage)."""
    try:
        body = ctx.http.get_json(LIMITS_PATH, headers=headers)
    except BadResponse:
        return None  # UNCONFIRMED: accounts without the new billing may not have this endpoint
    if not isinstance(body, dict) or body.get("usesTokenRateLimitsBilling") is not True:  # UNCONFIRMED
        return None
    limits = body.get("limits")  # UNCONFIRMED
    return limits if isinstance(limits, dict) else None


def parse_limits(limits: dict, now: float) -> Reading:
    """Windows from `limits.{standard,core}.{fiveHour,weekly,monthly}` of the billing limits."""
    windows: list[Window] = []
    notes: list[str] = []
    for pool_key, prefix in POOLS:
        pool = as_dict(limits.get(pool_key))
        if pool_key == "core" and not _pool_in_use(pool):
            continue  # UNCONFIRMED: an unused Core pool is a placeholder of zeros, not a plan limit
        for key, name, length in LIMIT_WINDOWS:
            window, ended = limit_window(as_dict(pool.get(key)), prefix + name, length, now)
            if window is not None:
                windows.append(window)
            elif ended:
                notes.append(f"{prefix + name}: the window Factory last reported has ended; no current figure")
    return _reading(windows, notes)


def _pool_in_use(pool: dict) -> bool:
    """Whether any window of a pool shows use or a reset (an all-zero pool is a placeholder)."""
    for key, _, _ in LIMIT_WINDOWS:
        entry = as_dict(pool.get(key))
        used = number(entry.get("usedPercent"))
        if (used is not None and used > 0) or entry.get("windowEnd") is not None \
                or entry.get("secondsRemaining") is not None:
            return True
    return False


def limit_window(entry: dict, name: str, length: float | None, now: float) -> tuple[Window | None, bool]:
    """One window from `usedPercent`, `windowEnd`, `secondsRemaining`, and whether it has ended.

    UNCONFIRMED: `usedPercent` is the share used in percent (0-100); `windowEnd` is the reset (epoch s
    or ms, or ISO-8601); `secondsRemaining` the time left. A window whose end has passed holds stale
    figures (Factory's web app shows it as reset), so it is left out rather than shown as 0 %.
    """
    used = number(entry.get("usedPercent"))
    if used is None or not 0 <= used <= MAX_PCT:
        return None, False
    end = _when(entry.get("windowEnd"))
    left = number(entry.get("secondsRemaining"))
    if end is not None and end > now:
        resets_at: float | None = end
    elif left is not None and left > 0:
        resets_at = now + left
    elif end is not None:
        return None, True
    else:
        resets_at = None
    return Window(name, used, _believed(resets_at, now), length), False


def parse_usage(body: Any, now: float) -> Reading:
    """`standard` and `premium` token use of the billing period from the subscription usage answer.

    A period whose end has passed holds the last period's figures, so its pools are left out.
    """
    if not isinstance(body, dict):
        raise BadResponse("factory subscription/usage: the answer is not an object")
    usage = as_dict(body.get("usage"))  # UNCONFIRMED
    start, end = _when(usage.get("startDate")), _when(usage.get("endDate"))  # UNCONFIRMED: epoch ms
    length = end - start if start is not None and end is not None and end > start else None
    if end is not None and end <= now:
        return Reading(notes=("the billing period Factory last reported has ended; no current figure",))
    windows: list[Window] = []
    notes: list[str] = []
    for name in TOKEN_POOLS:
        pool = as_dict(usage.get(name))
        used = token_used_pct(pool)
        if used is not None:
            windows.append(Window(name, used, _believed(end, now), length))
        note = token_note(name, pool)
        if note:
            notes.append(note)
    return _reading(windows, notes)


def token_used_pct(pool: dict) -> float | None:
    """Used % of a token pool: `usedRatio` (0-1) when believable, else `userTokens` / `totalAllowance`.

    UNCONFIRMED: `usedRatio` is a fraction of one (the reverse-engineered reading; a percent scale is not ruled
    out, so a ratio above 1 is not used); it is not believed when it says 0 while the counts show use.
    """
    ratio = number(pool.get("usedRatio"))
    used, allowance = number(pool.get("userTokens")), number(pool.get("totalAllowance"))
    counted = used / allowance * 100.0 if used is not None and allowance and 0 < allowance <= UNLIMITED \
        and used >= 0 else None
    if ratio is not None and 0 <= ratio <= 1 and not (ratio == 0 and counted):
        return ratio * 100.0
    return counted if counted is not None and counted <= MAX_PCT else None


def token_note(name: str, pool: dict) -> str | None:
    """`standard tokens: 1,234 used of 20,000,000` (or `used (unlimited)`), when both counts are reported."""
    used, allowance = number(pool.get("userTokens")), number(pool.get("totalAllowance"))
    if used is None or allowance is None or used < 0 or allowance <= 0:
        return None
    cap = "(unlimited)" if allowance > UNLIMITED else f"of {allowance:,.0f}"
    return f"{name} tokens: {used:,.0f} used {cap}"


def _reading(windows: list[Window], notes: list[str]) -> Reading:
    if not windows:
        return Reading(notes=tuple(notes) or (UNREADABLE,))
    fullest = max(windows, key=lambda w: w.used_pct)  # the first of equals
    return Reading(headline=Headline("window", fullest.name), windows=tuple(windows), notes=tuple(notes))


def _when(value: Any) -> float | None:
    """Epoch seconds from epoch s or ms (a number or a numeric string) or ISO-8601."""
    at = epoch_seconds(value)
    return at if at is not None else iso_time(value)


def _believed(at: float | None, now: float) -> float | None:
    return at if at is not None and 0 < at - now <= MAX_AHEAD else None
