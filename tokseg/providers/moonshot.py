"""Moonshot / Kimi Open Platform: the prepaid balance (cash plus vouchers).

Options:
    base_url: API root; api.moonshot.ai bills in USD, api.moonshot.cn in CNY
        (default "https://api.moonshot.ai")
    currency: "auto" (from the host), "CNY" or "USD"; set it when base_url is a proxy (default "auto")
Reports:
    available balance (cash + voucher; at or below zero, calls are blocked); a note when cash is negative
Needs:
    a Moonshot API key from the console of the same region as base_url (.ai and .cn keys differ)
Errors:
    401 key refused (auth; also a key from the other region); 429 rate_limited; 5xx server;
    a proxy base_url with currency "auto": config
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokseg.errors import BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    as_float,
    bearer,
    get,
    no_leak,
    number,
    prefix_problem,
    require_secret,
)
from tokseg.providers._region import CURRENCIES, currency_for
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "moonshot", "Moonshot (Kimi)"
SECRET = SecretSpec(env="MOONSHOT_API_KEY", hint="create a key at https://platform.moonshot.ai/console/api-keys "
                                                 "(China: https://platform.moonshot.cn/console/api-keys)")
HOSTS = {".cn": "CNY", ".ai": "USD"}
CHOICES = {"currency": CURRENCIES}


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.moonshot.ai"
    currency: str = "auto"


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` cannot be a Moonshot key, else None."""
    return prefix_problem(secret, "sk-", "Moonshot", "https://platform.moonshot.ai/console/api-keys")


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    currency = currency_for(opts.base_url, opts.currency, NAME, HOSTS)
    with no_leak(secret):
        return parse(ctx.http.get_json("/v1/users/me/balance", headers=bearer(secret)), currency)


def parse(body: Any, currency: str) -> Reading:
    where = "moonshot /v1/users/me/balance"
    code = get(body, "code", where, required=False)
    if code not in (None, 0):
        raise BadResponse(f"{where}: answered with code {code!r} instead of 0")
    available = as_float(number(body, "data.available_balance", where))
    cash = number(body, "data.cash_balance", where, required=False)
    notes = []
    if cash is not None and cash < 0:
        notes.append(f"cash balance is negative ({as_float(cash):.2f} {currency}); vouchers cover calls until spent")
    if available <= 0:
        notes.append("available balance is zero or less: API calls are blocked until you top up")
    return Reading(headline=Headline("balance"), balance=(Money(available, currency),), notes=tuple(notes))
