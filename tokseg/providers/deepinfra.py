"""DeepInfra: prepaid funds left (or money owed), this month's spend and the spending limit.

Options:
    base_url: API root (default "https://api.deepinfra.com")
Reports:
    balance (prepaid funds minus recent unbilled spend; negative means money is owed, in USD);
    spent this month (USD, from cents); the spending limit; a note when the account is suspended
Needs:
    a DeepInfra API key
Errors:
    401 key refused, 403 key without billing access (auth); 429 rate_limited; 5xx server
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    as_float,
    bearer,
    decimal,
    get,
    get_list,
    no_leak,
    number,
    require_secret,
)
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "deepinfra", "DeepInfra"
SECRET = SecretSpec(env="DEEPINFRA_API_KEY", hint="create a key at https://deepinfra.com/dash")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.deepinfra.com"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    with no_leak(secret):
        checklist = ctx.http.get_json("/payment/checklist", params={"compute_owed": "true"}, headers=bearer(secret))
        usage = ctx.http.get_json("/payment/usage", params={"from": "current"}, headers=bearer(secret))
        return build(parse_checklist(checklist), parse_usage(usage, ctx.now()))


def parse_checklist(body: Any) -> dict[str, Any]:
    """Funds from the Stripe ledger: a negative stripe_balance is prepaid money (dollars; UNCONFIRMED units)."""
    where = "deepinfra /payment/checklist"
    stripe = number(body, "stripe_balance", where)
    recent = number(body, "recent", where, required=False) or Decimal(0)
    limit = number(body, "limit", where, required=False)
    reason = get(body, "suspend_reason", where, required=False)
    return {
        "available": as_float(-stripe - recent),
        "prepaid": stripe <= 0,
        "limit": None if limit is None else as_float(limit),
        "suspended": get(body, "suspended", where, required=False) is True,
        "reason": reason if isinstance(reason, str) else "",
    }


def parse_usage(body: Any, now: float) -> float:
    """This month's spend; `total_cost` is in cents. A month with no entry spent nothing."""
    where = "deepinfra /payment/usage"
    period = time.strftime("%Y.%m", time.gmtime(now))
    cents = Decimal(0)
    for index, month in enumerate(get_list(body, "months", where)):
        at = f"{where} months[{index}]"
        if get(month, "period", at) == period:
            cents += decimal(get(month, "total_cost", at), "total_cost", at)
    return as_float(cents / 100)


def build(funds: dict[str, Any], month: float) -> Reading:
    notes = []
    if funds["suspended"]:
        notes.append("account suspended" + (f": {funds['reason']}" if funds["reason"] else ""))
    return Reading(
        headline=Headline("balance") if funds["prepaid"] else Headline("spent", "month"),
        balance=(Money(funds["available"]),),
        limit=Money(funds["limit"]) if funds["limit"] is not None else None,
        spent={"month": Money(month)},
        notes=tuple(notes),
    )
