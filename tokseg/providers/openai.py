"""OpenAI API platform: what the organisation spent today and this month, and the tokens behind it.

Options:
    base_url: API root (default "https://api.openai.com/v1")
    tokens: also read completions usage for token counts (default true)
Reports:
    spent today and month-to-date (USD, from the Admin costs API); completion tokens today and
    month-to-date (input without cached, cached, output), in total and per model (no spend per model:
    the costs API does not group by model); no balance (OpenAI has no balance API)
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
    model_name,
    month_start,
    no_leak,
    require_secret,
)
from tokseg.reading import Headline, ModelUsage, Money, Reading, Tokens, heaviest_first

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


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    now = ctx.now()
    start, today = month_start(now), day_start(now)
    query: dict[str, Any] = {"start_time": start, "end_time": int(now) + 1, "bucket_width": "1d", "limit": DAYS}
    with no_leak(secret):
        headers = bearer(secret)
        try:
            costs = all_pages(ctx, "/organization/costs", query, headers, "openai /organization/costs")
            # Grouped by model: one result per model and day, so the totals are their sums.
            usage = all_pages(ctx, "/organization/usage/completions", {**query, "group_by": ["model"]}, headers,
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
    """Spend today and this month from cost buckets; amounts are in currency units (dollars).

    Costs are not split per model: the endpoint groups only by project or by
    `line_item`, a free-text label, and a model name is not read out of it.
    """
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


Usage = tuple[dict[str, Tokens], dict[tuple[str, str], Tokens]]


def parse_usage(pages: list[Any], today: int) -> Usage:
    """Tokens today and this month, in total and per (model, period).

    `input_tokens` includes the cached ones, so they are split out. A result
    without a model (the API did not group) counts in the totals only.
    """
    where = "openai /organization/usage/completions"
    totals: dict[str, list[int]] = {"today": [0, 0, 0], "month": [0, 0, 0]}
    per_model: dict[tuple[str, str], list[int]] = {}
    for start, results in _buckets(pages, where):
        for index, result in enumerate(results):
            at = f"{where} results[{index}]"
            total_in, cached, output = (_count(result, name, at)
                                        for name in ("input_tokens", "input_cached_tokens", "output_tokens"))
            row = (max(0, total_in - cached), min(cached, total_in), output)
            model = model_name(result, at)
            for period in ("month", "today") if start >= today else ("month",):
                totals[period] = [a + b for a, b in zip(totals[period], row)]
                if model is not None:
                    before = per_model.get((model, period), [0, 0, 0])
                    per_model[(model, period)] = [a + b for a, b in zip(before, row)]
    return ({p: _tokens(v) for p, v in totals.items()}, {k: _tokens(v) for k, v in per_model.items()})


def _tokens(values: list[int]) -> Tokens:
    uncached, cached, output = values
    return Tokens(input=uncached, cache_read=cached, output=output)


def _count(result: Any, name: str, where: str) -> int:
    value = get(result, name, where, required=False)
    return 0 if value is None else count(value, name, where)


def build(spent: dict[str, Money], usage: Usage | None) -> Reading:
    tokens, per_model = usage or ({}, {})
    models = heaviest_first(ModelUsage(model, period, tokens=t) for (model, period), t in per_model.items())
    return Reading(headline=Headline("spent", "month"), spent=spent, tokens=tokens, models=models)
