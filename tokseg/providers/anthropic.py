"""Anthropic API: what the organisation spent today and this month, and the tokens behind it.

Options:
    base_url: API root (default "https://api.anthropic.com/v1")
    tokens: also read the messages usage report for token counts (default true)
Reports:
    spent today and month-to-date (USD, from the Admin cost report, whose amounts are cents);
    tokens today and month-to-date (uncached input, cache reads, cache writes, output); both also
    per model (costs without a model, e.g. web search, count in the totals only); no balance
    (Anthropic has no balance API)
Needs:
    an Admin key (sk-ant-admin…); only organisations have them, individual accounts cannot
Errors:
    401/403 with a normal API key: auth, naming the Admin key and the organisation requirement;
    429 rate_limited; 5xx and 529 (overloaded) server
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
    count,
    currency_code,
    day_start,
    decimal,
    get,
    get_list,
    model_name,
    month_start,
    no_leak,
    parse_rfc3339,
    require_secret,
    rfc3339,
)
from tokseg.reading import Headline, ModelUsage, Money, Reading, Tokens, heaviest_first

NAME, TITLE = "anthropic", "Anthropic"
ADMIN_KEYS_URL = "https://console.anthropic.com/settings/admin-keys"
SECRET = SecretSpec(env="ANTHROPIC_ADMIN_KEY", hint=f"create an Admin key (sk-ant-admin…) at {ADMIN_KEYS_URL}")
API_VERSION = "2023-06-01"
DAYS = 31
ORG_ONLY = ("usage and cost need an Admin key sk-ant-admin…, which only organisations have "
            "(the Admin API is unavailable for individual accounts)")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.anthropic.com/v1"
    tokens: bool = True


def key_problem(secret: str) -> str | None:
    """Why `secret` cannot read usage, judged from its prefix, else None."""
    if secret.startswith("sk-ant-admin"):
        return None
    kind = "an Anthropic API key" if secret.startswith("sk-ant-") else "not an Anthropic Admin key"
    return f"this is {kind}; {ORG_ONLY}; an organisation admin creates one at {ADMIN_KEYS_URL}"


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    now = ctx.now()
    query: dict[str, Any] = {"starting_at": rfc3339(month_start(now)), "bucket_width": "1d", "limit": DAYS}
    headers = {"x-api-key": secret, "anthropic-version": API_VERSION}
    with no_leak(secret):
        try:
            # Grouped by description, each cost line names its model (model-less lines: web search, code execution).
            costs = all_pages(ctx, "/organizations/cost_report", {**query, "group_by[]": ["description"]}, headers,
                              "anthropic /organizations/cost_report")
            usage = all_pages(ctx, "/organizations/usage_report/messages", {**query, "group_by[]": ["model"]},
                              headers, "anthropic /organizations/usage_report/messages") if opts.tokens else None
        except AuthError as exc:
            hint = key_problem(secret) or "the Admin key was refused; check it is active in the Console"
            raise auth_hint(exc, hint) from None
        today = day_start(now)
        spent, model_spent = parse_costs(costs, today)
        tokens, model_tokens = parse_usage(usage, today) if usage is not None else ({}, {})
        models = heaviest_first(ModelUsage(model, period, spent=model_spent.get((model, period)),
                                           tokens=model_tokens.get((model, period)))
                                for model, period in {**model_spent, **model_tokens})
        return Reading(headline=Headline("spent", "month"), spent=spent, tokens=tokens, models=models)


def _buckets(pages: list[Any], where: str) -> list[tuple[float, list]]:
    out = []
    for page in pages:
        for index, bucket in enumerate(get_list(page, "data", where)):
            at = f"{where} data[{index}]"
            out.append((parse_rfc3339(get(bucket, "starting_at", at), "starting_at", at),
                        get_list(bucket, "results", at)))
    return out


def _periods(start: float, today: float) -> tuple[str, ...]:
    return ("month", "today") if start >= today else ("month",)


def parse_costs(pages: list[Any], today: float) -> tuple[dict[str, Money], dict[tuple[str, str], Money]]:
    """Spend today and this month, in total and per (model, period).

    `amount` is a decimal string in cents ("123.45" = $1.2345). A line's
    `model` is read when present (UNCONFIRMED that every token line carries
    it); lines without one count in the totals only.
    """
    where = "anthropic /organizations/cost_report"
    sums = {"today": Decimal(0), "month": Decimal(0)}
    per_model: dict[tuple[str, str], Decimal] = {}
    currencies = set()
    for start, results in _buckets(pages, where):
        for index, result in enumerate(results):
            at = f"{where} results[{index}]"
            cents = decimal(get(result, "amount", at), "amount", at)
            currencies.add(currency_code(get(result, "currency", at), "currency", at))
            model = model_name(result, at)
            for period in _periods(start, today):
                sums[period] += cents
                if model is not None:
                    per_model[(model, period)] = per_model.get((model, period), Decimal(0)) + cents
    if len(currencies) > 1:
        raise BadResponse(f"{where}: mixed currencies {sorted(currencies)}; cannot add them")
    currency = currencies.pop() if currencies else "USD"
    return ({period: Money(as_float(cents / 100), currency) for period, cents in sums.items()},
            {key: Money(as_float(cents / 100), currency) for key, cents in per_model.items()})


def parse_usage(pages: list[Any], today: float) -> tuple[dict[str, Tokens], dict[tuple[str, str], Tokens]]:
    """Token counts in total and per (model, period); input, cache-read and cache-write figures are disjoint."""
    where = "anthropic /organizations/usage_report/messages"
    names = ("uncached_input_tokens", "output_tokens", "cache_read_input_tokens",
             "cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens")
    totals = {"today": [0, 0, 0, 0], "month": [0, 0, 0, 0]}
    per_model: dict[tuple[str, str], list[int]] = {}
    for start, results in _buckets(pages, where):
        for index, result in enumerate(results):
            at = f"{where} results[{index}]"
            uncached, output, cache_read, write_5m, write_1h = (_count(result, name, at) for name in names)
            row = (uncached, output, cache_read, write_5m + write_1h)
            model = model_name(result, at)
            for period in _periods(start, today):
                totals[period] = [a + b for a, b in zip(totals[period], row)]
                if model is not None:
                    before = per_model.get((model, period), [0, 0, 0, 0])
                    per_model[(model, period)] = [a + b for a, b in zip(before, row)]
    return ({p: _tokens(v) for p, v in totals.items()}, {k: _tokens(v) for k, v in per_model.items()})


def _tokens(values: list[int]) -> Tokens:
    uncached, output, cache_read, cache_write = values
    return Tokens(input=uncached, output=output, cache_read=cache_read, cache_write=cache_write)


def _count(result: Any, path: str, where: str) -> int:
    value = get(result, path, where, required=False)
    return 0 if value is None else count(value, path, where)
