"""SiliconFlow: the account balance (paid plus granted credit).

Options:
    base_url: API root; api.siliconflow.cn bills in CNY, api.siliconflow.com in USD
        (default "https://api.siliconflow.cn/v1")
    currency: "auto" (from the host), "CNY" or "USD"; set it when base_url is a proxy (default "auto")
Reports:
    total balance; the paid (charged) part as a note when some of the total is granted credit
Needs:
    a SiliconFlow API key
Errors:
    401 key refused (auth); 429 rate_limited; 5xx server; a body without code 20000: bad_response
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

NAME, TITLE = "siliconflow", "SiliconFlow"
SECRET = SecretSpec(env="SILICONFLOW_API_KEY", hint="create a key at https://cloud.siliconflow.cn/account/ak")
# UNCONFIRMED: the API carries no currency; .cn is assumed CNY and .com USD.
HOSTS = {".cn": "CNY", ".com": "USD"}
CHOICES = {"currency": CURRENCIES}
OK_CODE = 20000


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.siliconflow.cn/v1"
    currency: str = "auto"


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` cannot be a SiliconFlow key, else None."""
    return prefix_problem(secret, "sk-", "SiliconFlow", "https://cloud.siliconflow.cn/account/ak")


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    currency = currency_for(opts.base_url, opts.currency, NAME, HOSTS)
    with no_leak(secret):
        return parse(ctx.http.get_json("/user/info", headers=bearer(secret)), currency)


def parse(body: Any, currency: str) -> Reading:
    where = "siliconflow /user/info"
    code = get(body, "code", where, required=False)
    if code not in (None, OK_CODE):
        raise BadResponse(f"{where}: answered with code {code!r} instead of {OK_CODE}")
    total = as_float(number(body, "data.totalBalance", where))
    charged = number(body, "data.chargeBalance", where, required=False)
    notes = []
    if charged is not None and as_float(charged) != total:
        notes.append(f"of which paid: {as_float(charged):.2f} {currency}; the rest is granted credit")
    return Reading(headline=Headline("balance"), balance=(Money(total, currency),), notes=tuple(notes))
