"""Fireworks AI: what the account spent today and this month (Fireworks has no balance API).

Options:
    base_url: API root (default "https://api.fireworks.ai")
    account_id: the account to read, e.g. "my-team"; empty means the first account the key sees
        (default "")
Reports:
    spent today and month-to-date, summed from the billing summary's line items (Google Money:
    units plus nanos)
Needs:
    a Fireworks API key
Errors:
    401/403 key refused (auth); 404 unknown account_id (config); 429 rate_limited; 5xx server
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from tokseg.errors import BadResponse, ConfigError, FetchError
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    DAY,
    as_float,
    bearer,
    currency_code,
    day_start,
    decimal,
    get,
    get_list,
    month_start,
    no_leak,
    require_secret,
    rfc3339,
)
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "fireworks", "Fireworks AI"
SECRET = SecretSpec(env="FIREWORKS_API_KEY", hint="create a key at https://fireworks.ai/account/api-keys")
NANOS = Decimal(1_000_000_000)


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.fireworks.ai"
    account_id: str = ""


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    now = ctx.now()
    with no_leak(secret):
        notes: list[str] = []
        account = opts.account_id.strip()
        if not account:
            account, others = parse_accounts(ctx.http.get_json("/v1/accounts", headers=bearer(secret)))
            if others:
                notes.append(f"this key sees {others + 1} accounts; showing {account!r} (set account_id to choose)")
        path = f"/v1/accounts/{quote(account, safe='')}/billing/summary"
        # endTime is exclusive and only its date counts: tomorrow includes today.
        end = rfc3339(day_start(now) + DAY)
        spent = {}
        try:
            for period, start in (("month", month_start(now)), ("today", day_start(now))):
                body = ctx.http.get_json(path, params={"startTime": rfc3339(start), "endTime": end},
                                         headers=bearer(secret))
                spent[period] = parse_summary(body)
        except FetchError as exc:
            if exc.status == 404:
                raise ConfigError(f"fireworks: account_id {account!r} was not found for this key; "
                                  "see https://fireworks.ai/account/home") from None
            raise
        return Reading(headline=Headline("spent", "month"), spent=spent, notes=tuple(notes))


def parse_accounts(body: Any) -> tuple[str, int]:
    """The first account's id ("accounts/my-team" → "my-team") and how many others there are."""
    where = "fireworks /v1/accounts"
    accounts = get_list(body, "accounts", where, required=False)
    if not accounts:
        raise ConfigError("fireworks: this key sees no account; set account_id for this account")
    name = get(accounts[0], "name", f"{where} accounts[0]")
    if not isinstance(name, str) or not name.startswith("accounts/") or len(name) <= len("accounts/"):
        raise BadResponse(f"{where}: accounts[0].name is not 'accounts/<id>' ({name!r:.40})")
    return name.split("/", 1)[1], len(accounts) - 1


def parse_summary(body: Any) -> Money:
    """Sum of the line items' totalCost; all in one currency (USD when there are none)."""
    where = "fireworks billing/summary"
    total, currencies = Decimal(0), set()
    for index, item in enumerate(get_list(body, "lineItems", where, required=False)):
        at = f"{where} lineItems[{index}]"
        cost = get(item, "totalCost", at)
        currencies.add(currency_code(get(cost, "currencyCode", at), "totalCost.currencyCode", at))
        units = decimal(get(cost, "units", at, required=False) or "0", "totalCost.units", at)
        nanos = get(cost, "nanos", at, required=False) or 0
        fraction = decimal(nanos, "totalCost.nanos", at)
        if abs(fraction) >= NANOS:
            raise BadResponse(f"{at}: field totalCost.nanos is out of range ({nanos!r:.40})")
        total += units + fraction / NANOS
    if len(currencies) > 1:
        raise BadResponse(f"{where}: mixed currencies {sorted(currencies)}; cannot add them")
    return Money(as_float(total), currencies.pop() if currencies else "USD")

