"""OpenAI API platform: what the organisation spent today and this month, and the tokens behind it.

Options:
    base_url: API root (default "https://api.openai.com/v1")
    tokens: also read completions usage for token counts (default true)
Reports:
    spent today and month-to-date (USD, from the Admin costs API); completion tokens today and
    month-to-date (input without cached, cached, output); no balance (OpenAI has no balance API)
Needs:
    an Admin key (sk-admin-…), created by an organisation owner
Errors:
    401/403 with a project or user key: auth, naming the Admin key it needs; 429 rate_limited;
    5xx server; a paging cursor that never ends: bad_response
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    all_pages,
    as_float,
    auth_hint,
    bearer,
    count,
    currency_code,
    day_start,
    decimal,
    get,
    get_list,
    month_start,
    no_leak,
    require_secret,
)
from tokseg.reading import Headline, Money, Reading, Tokens

NAME, TITLE = "openai", "OpenAI"
ADMIN_KEYS_URL = "https://platform.openai.com/settings/organization/admin-keys"
SECRET = SecretSpec(env="OPENAI_ADMIN_KEY", hint=f"create an Admin key (sk-admin-…) at {ADMIN_KEYS_URL}")
DAYS = 31  # the most daily buckets one completions-usage page may hold


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.openai.com/v1"
    tokens: bool = True


def key_problem(secret: str) -> str | None:
    """Why `secret` cannot read usage, judged from its prefix, else None."""
    if secret.startswith("sk-admin-"):
        return None
    kinds = {"sk-proj-": "an OpenAI project key", "sk-svcacct-": "an OpenAI service-account key",
             "sk-": "an OpenAI user key"}
    kind = next((k for prefix, k in kinds.items() if secret.startswith(prefix)), "not an OpenAI Admin key")
    return f"this is {kind}; usage needs an Admin key sk-admin-…, create one at {ADMIN_KEYS_URL}"


def fetch(ctx: Ctx) -> Reading:
    opts: Options = ctx.options  # type: ignore[assignment]
    secret = require_secret(ctx.secret, NAME)
    now = ctx.now()
    start, today = month_start(now), day_start(now)
    query = {"start_time": start, "end_time": int(now) + 1, "bucket_width": "1d", "limit": DAYS}
    with no_leak(secret):
        headers = bearer(secret)
        try:
            costs = all_pages(ctx, "/organization/costs", query, headers, "openai /organization/costs")
            usage = all_pages(ctx, "/organization/usage/completions", query, headers,
                              "openai /organization/usage/completions") if opts.tokens else None
        except AuthError as exc:
            raise auth_hint(exc, key_problem(secret) or "the Admin key was refused; it needs read access to usage") \
                from None
        return build(parse_costs(costs, today), parse_usage(usage, today) if usage is not None else None)


def _buckets(pages: list[Any], where: str) -> list[tuple[int, list]]:
    out = []
    for page in pages:
        for index, bucket in enumerate(get_list(page, "data", where)):
            at = f"{where} data[{index}]"
            start = count(get(bucket, "start_time", at), "start_time", at)
            out.append((start, get_list(bucket, "results", at)))
    return out


def parse_costs(pages: list[Any], today: int) -> dict[str, Money]:
    """Spend today and this month from cost buckets; amounts are in currency units (dollars)."""
    where = "openai /organization/costs"
    sums = {"today": Decimal(0), "month": Decimal(0)}
    currencies = set()
    for start, results in _buckets(pages, where):
        for index, result in enumerate(results):
            at = f"{where} results[{index}]"
            value = decimal(get(result, "amount.value", at), "amount.value", at)
            currencies.add(currency_code(get(result, "amount.currency", at), "amount.currency", at))
            sums["month"] += value
            if start >= today:
                sums["today"] += value
    if len(currencies) > 1:
        raise BadResponse(f"{where}: mixed currencies {sorted(currencies)}; cannot add them")
    currency = currencies.pop() if currencies else "USD"
    return {period: Money(as_float(value), currency) for period, value in sums.items()}


def parse_usage(pages: list[Any], today: int) -> dict[str, Tokens]:
    """Tokens today and this month; `input_tokens` includes the cached ones, so they are split out."""
    where = "openai /organization/usage/completions"
    totals: dict[str, list[int]] = {"today": [0, 0, 0], "month": [0, 0, 0]}
    for start, results in _buckets(pages, where):
        for index, result in enumerate(results):
            at = f"{where} results[{index}]"
            total_in, cached, output = (_count(result, name, at)
                                        for name in ("input_tokens", "input_cached_tokens", "output_tokens"))
            row = (max(0, total_in - cached), min(cached, total_in), output)
            for period in ("month", "today") if start >= today else ("month",):
                totals[period] = [a + b for a, b in zip(totals[period], row)]
    return {p: Tokens(input=i, cache_read=c, output=o) for p, (i, c, o) in totals.items()}


def _count(result: Any, name: str, where: str) -> int:
    value = get(result, name, where, required=False)
    return 0 if value is None else count(value, name, where)


def build(spent: dict[str, Money], tokens: dict[str, Tokens] | None) -> Reading:
    return Reading(headline=Headline("spent", "month"), spent=spent, tokens=tokens or {})
