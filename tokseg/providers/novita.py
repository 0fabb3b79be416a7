"""Novita AI: the prepaid balance, from amounts in 1/10000 USD.

Options:
    base_url: API root (default "https://api.novita.ai")
Reports:
    available balance (USD); notes for a credit limit and for outstanding invoices
Needs:
    a Novita API key
Errors:
    401 key refused (auth); 429 rate_limited; 5xx server
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import as_float, bearer, no_leak, number, require_secret
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "novita", "Novita AI"
SECRET = SecretSpec(env="NOVITA_API_KEY", hint="create a key at https://novita.ai/settings/key-management")
UNIT = Decimal(10000)  # amounts are in 1/10000 USD: "10000" is $1.00


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.novita.ai"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    headers = {**bearer(secret), "Content-Type": "application/json"}
    with no_leak(secret):
        return parse(ctx.http.get_json("/openapi/v1/billing/balance/detail", headers=headers))


def parse(body: Any) -> Reading:
    where = "novita /openapi/v1/billing/balance/detail"

    def dollars(name: str, required: bool = False) -> float | None:
        value = number(body, name, where, required=required)
        return None if value is None else as_float(value / UNIT)

    available = as_float(number(body, "availableBalance", where) / UNIT)
    notes = []
    credit_limit, owed = dollars("creditLimit"), dollars("outstandingInvoices")
    if credit_limit:
        notes.append(f"credit limit ${credit_limit:.2f}")
    if owed:
        notes.append(f"outstanding invoices ${owed:.2f}")
    return Reading(headline=Headline("balance"), balance=(Money(available),), notes=tuple(notes))
