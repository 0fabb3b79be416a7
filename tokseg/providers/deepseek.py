"""DeepSeek: the prepaid balance, one figure per currency (CNY and/or USD).

Options:
    base_url: API root (default "https://api.deepseek.com")
Reports:
    balance per currency (total = granted + topped up); a note when the account cannot make calls
Needs:
    a DeepSeek API key
Errors:
    401 key refused (auth); 429 rate_limited; 5xx server; a zero balance is a reading, not an error
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    as_float,
    bearer,
    currency_code,
    get,
    get_list,
    no_leak,
    number,
    prefix_problem,
    require_secret,
)
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "deepseek", "DeepSeek"
SECRET = SecretSpec(env="DEEPSEEK_API_KEY", hint="create a key at https://platform.deepseek.com/api_keys")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.deepseek.com"


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` cannot be a DeepSeek key, else None."""
    return prefix_problem(secret, "sk-", "DeepSeek", "https://platform.deepseek.com/api_keys")


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    with no_leak(secret):
        return parse(ctx.http.get_json("/user/balance", headers=bearer(secret)))


def parse(body: Any) -> Reading:
    where = "deepseek /user/balance"
    balances = []
    for index, entry in enumerate(get_list(body, "balance_infos", where)):
        field = f"balance_infos[{index}]"
        currency = currency_code(get(entry, "currency", f"{where} {field}"), "currency", f"{where} {field}")
        amount = as_float(number(entry, "total_balance", f"{where} {field}"))
        balances.append(Money(amount, currency))
    # USD first: the headline shows the first balance, and the others follow it.
    balances.sort(key=lambda m: m.currency != "USD")
    notes = []
    if get(body, "is_available", where, required=False) is False:
        notes.append("no balance available for API calls: top up at https://platform.deepseek.com/top_up")
    if not balances:
        notes.append("DeepSeek reported no balance entries")
    return Reading(headline=Headline("balance") if balances else Headline("none"), balance=tuple(balances),
                   notes=tuple(notes))
