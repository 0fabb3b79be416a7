"""Cline: the credit balance, spend today and this month, and the ClinePass plan's 5-hour, weekly and monthly windows.

Options:
    base_url: API root (default "https://api.cline.bot")
    organization_id: an organisation's id (from the Cline dashboard); when set, the account reads
        that organisation's balance and your spend in it instead of your personal ones (default "")
Reports:
    balance (USD, from micro-dollars); spent today and this month (UTC days, USD, summed from the
    usage list's creditsUsed, micro-dollars); with a ClinePass plan the windows `5h`, `7d` and
    `month` (used % and reset). Headline: the fullest window, else the balance, else spent this
    month. A figure whose fields are missing or odd is left out with a note, never shown as 0.
Needs:
    a Cline API key (app.cline.bot → Settings → API Keys). Reading costs nothing.
Errors:
    401/403 on the account: auth; 429 rate_limited; 5xx server; `success: false`: bad_response with
    Cline's error text; the plan endpoint answering 401/403/404 means no plan (no windows, no error)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tokseg.errors import BadResponse, ConfigError, FetchError
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import bearer, day_start, month_start, no_leak, require_secret, vendor_message
from tokseg.providers._subscription import as_dict, epoch_seconds, finite, iso_time, number
from tokseg.reading import Headline, Money, Reading, Window

NAME, TITLE = "cline", "Cline (credits and ClinePass windows)"
SECRET = SecretSpec(env="CLINE_API_KEY", hint="create a key at https://app.cline.bot (Settings → API Keys)")

# Reverse-engineered (UNCONFIRMED): Cline documents its chat API, not these account paths or fields.
ME = "/api/v1/users/me"
PLAN = "/api/v1/users/me/plan/usage-limits"
MICRO = 1_000_000  # UNCONFIRMED: balance and creditsUsed are micro-dollars (Cline's usage table shows creditsUsed/1e6)
NO_PLAN = frozenset({401, 403, 404})  # the plan endpoint's answer to a key without ClinePass
# ClinePass limit type → (window name, length in seconds; a month's length is not in the answer).
LIMITS = {"five_hour": ("5h", 5 * 3600.0), "weekly": ("7d", 7 * 86400.0), "monthly": ("month", None)}  # UNCONFIRMED
MAX_AHEAD = 40 * 86400  # a reset further ahead than a month and a bit is not believed
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
PAGED = ("hasMore", "nextCursor", "next_cursor", "nextPage", "cursor")  # UNCONFIRMED: signs of a list cut into pages
PLAN_UNREAD = "plan windows not reported: the plan endpoint's answer could not be read"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.cline.bot"
    organization_id: str = ""


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    org = ctx.options.organization_id.strip()
    if org and not ID.fullmatch(org):
        raise ConfigError(f"{NAME}: organization_id {org!r} is not an id (letters, digits, _ . : -)")
    headers = {**bearer(secret), "Accept": "application/json"}
    with no_leak(secret):
        me = unwrap(ctx.http.get_json(ME, headers=headers), "users/me")
        owner, usages_path = _paths(me, org)
        notes: list[str] = []
        balance = parse_balance(unwrap(ctx.http.get_json(f"{owner}/balance", headers=headers), "balance"), notes)
        spent = _spend(ctx, usages_path, headers, notes)
        windows = _windows(ctx, headers, notes)
    return reading(balance, spent, windows, notes)


def _paths(me: dict, org: str) -> tuple[str, str | None]:
    """The balance owner's path and the usage list's path (None: no list to read) for this account."""
    user = me.get("id")  # UNCONFIRMED
    if not isinstance(user, str) or not ID.fullmatch(user):
        raise BadResponse("cline users/me: field data.id is missing or not an id")
    if not org:
        return f"/api/v1/users/{user}", f"/api/v1/users/{user}/usages"
    member = member_id(me.get("organizations"), org)
    usages = f"/api/v1/organizations/{org}/members/{member}/usages" if member else None
    return f"/api/v1/organizations/{org}", usages


def member_id(organizations: Any, org: str) -> str | None:
    """Your member id in `org`, from users/me's `organizations[]` (UNCONFIRMED field names)."""
    for item in organizations if isinstance(organizations, list) else ():
        entry = as_dict(item)
        member = entry.get("memberId")
        if entry.get("organizationId") == org and isinstance(member, str) and ID.fullmatch(member):
            return member
    return None


def unwrap(body: Any, where: str) -> dict:
    """`data` of Cline's `{success, data}` envelope; `success: false` is a BadResponse with Cline's error."""
    if not isinstance(body, dict):
        raise BadResponse(f"cline {where}: the answer is not an object")
    if body.get("success") is False:
        raise BadResponse(f"cline {where}: Cline answered success: false ({vendor_message(body.get('error'))})")
    data = body.get("data", body)  # UNCONFIRMED: an answer without the envelope is taken as the data itself
    if not isinstance(data, dict):
        raise BadResponse(f"cline {where}: field data is not an object")
    return data


def usd(micro: Any) -> float | None:
    """Dollars from micro-dollars; None for anything that is not a finite number."""
    value = number(micro)
    return finite(value / MICRO) if value is not None else None


def parse_balance(data: dict, notes: list[str]) -> Money | None:
    """The balance in USD (may be negative: owed), or None with a note when it is missing or odd."""
    amount = usd(data.get("balance"))  # UNCONFIRMED: micro-dollars
    if amount is None:
        notes.append("Cline reported no readable balance")
        return None
    return Money(amount, "USD")


def _spend(ctx: Ctx[Options], path: str | None, headers: dict[str, str], notes: list[str]) -> dict[str, Money]:
    if path is None:
        notes.append("spend not reported: users/me does not list you as a member of this organization")
        return {}
    data = unwrap(ctx.http.get_json(path, headers=headers), "usages")
    return parse_spend(data, ctx.now(), notes)


def parse_spend(data: dict, now: float, notes: list[str]) -> dict[str, Money]:
    """Spent today and this month (UTC) from `items[]`; nothing at all when any item cannot be read.

    A sum that silently skips one unreadable item would be a wrong figure, so one such item (or a list
    that says it has more pages) leaves spend out, with a note saying why.
    """
    items = data.get("items")  # UNCONFIRMED
    if not isinstance(items, list):
        notes.append("spend not reported: the usage answer has no items list")
        return {}
    if any(data.get(field) not in (None, False, "") for field in PAGED):
        notes.append("spend not reported: the usage list has more pages than tokseg reads")
        return {}
    rows = [usage_row(item) for item in items]
    if any(row is None for row in rows):
        notes.append("spend not reported: a usage item has no readable creditsUsed or createdAt")
        return {}
    today, month = day_start(now), month_start(now)
    sums = {"today": 0.0, "month": 0.0}
    for at, amount in (row for row in rows if row is not None):
        if at >= month:
            sums["month"] += amount
        if at >= today:
            sums["today"] += amount
    return {period: Money(amount, "USD") for period, amount in sums.items()}


def usage_row(item: Any) -> tuple[float, float] | None:
    """(when, USD) of one usage item: `createdAt` (ISO-8601) and `creditsUsed` (micro-dollars, ≥ 0), UNCONFIRMED."""
    entry = as_dict(item)
    at = iso_time(entry.get("createdAt"))
    amount = usd(entry.get("creditsUsed"))
    if at is None or amount is None or amount < 0:
        return None
    return at, amount


def _windows(ctx: Ctx[Options], headers: dict[str, str], notes: list[str]) -> list[Window]:
    """The plan's windows; a key without ClinePass (401/403/404 there) has none, which is not an error."""
    try:
        body = ctx.http.get_json(PLAN, headers=headers)
    except FetchError as exc:
        if exc.status in NO_PLAN:
            return []
        if not isinstance(exc, BadResponse):
            raise  # rate limits, server and network errors: the refresher keeps the last good reading
        notes.append(PLAN_UNREAD)
        return []
    try:
        data = unwrap(body, "plan/usage-limits")
    except BadResponse:
        notes.append(PLAN_UNREAD)
        return []
    return parse_windows(data, ctx.now(), notes)


def parse_windows(data: dict, now: float, notes: list[str]) -> list[Window]:
    """`5h`, `7d` and `month` from `limits[]` (`type`, `percentUsed`, `resetsAt`, UNCONFIRMED); other types ignored."""
    limits = data.get("limits")
    if not isinstance(limits, list):
        notes.append("plan windows not reported: the answer has no limits list")
        return []
    found: dict[str, Window] = {}
    for item in limits:
        entry = as_dict(item)
        kind = entry.get("type")
        if not isinstance(kind, str) or kind not in LIMITS or LIMITS[kind][0] in found:
            continue
        name, length = LIMITS[kind]
        used = number(entry.get("percentUsed"))
        if used is None or used < 0:
            notes.append(f"window {name} not reported: percentUsed is missing or odd")
            continue
        found[name] = Window(name, min(used, 100.0), reset_time(entry.get("resetsAt"), now), length)
    order = [name for name, _ in LIMITS.values()]
    return sorted(found.values(), key=lambda w: order.index(w.name))


def reset_time(value: Any, now: float) -> float | None:
    """`resetsAt` as ISO-8601 (or, UNCONFIRMED, epoch s/ms); None when absent, past or beyond belief."""
    at = iso_time(value) if isinstance(value, str) else epoch_seconds(value)
    return at if at is not None and 0 < at - now <= MAX_AHEAD else None


def reading(balance: Money | None, spent: dict[str, Money], windows: list[Window], notes: list[str]) -> Reading:
    """The reading, headlined by the fullest window, else the balance, else spent this month."""
    if windows:
        headline = Headline("window", max(windows, key=lambda w: w.used_pct).name)
    elif balance is not None:
        headline = Headline("balance")
    else:
        headline = Headline("spent", "month") if "month" in spent else Headline("none")
    return Reading(headline=headline, balance=() if balance is None else (balance,), spent=spent,
                   windows=tuple(windows), notes=tuple(notes))
