"""Prometheus: every machine's figures summed with PromQL, read over the server's HTTP API (`/api/v1/query`).

Options:
    base_url: the Prometheus server, or anything serving its query API (default "http://localhost:9090")
    preset: a named query (`query` replaces its expression): "spend_today", "spend_month" (all machines'
        tokseg spend; an account not fetched since the period began is left out), "spend_today_by_host",
        "spend_month_by_host" (the same per host),
        "claude_code_cost" and "claude_code_tokens" (Claude Code's own OpenTelemetry metrics, since local
        midnight) (default "spend_today")
    query: a PromQL expression returning a vector or scalar; `$today` and `$month` stand for the time
        since local midnight and since the 1st as a range (`increase(x_total[$today])`), `$today_start`
        and `$month_start` for those moments as Unix time; empty means the preset's (default "")
    label: the label whose value names each series in the breakdown (e.g. "host", "model", "user");
        empty means the preset's (default "")
    period: what the figure covers: "today", "week" or "month"; empty means the preset's (default "")
    unit: a currency code the values are in, or "tokens"; empty means the preset's (default "")
    auth: how the secret is sent: "bearer" (a token) or "basic" (the secret is "user:password")
        (default "bearer")
Reports:
    the sum of the result's series as spend in the period (headline), or tokens (a series' `type`
    label picks input, output, cacheRead, cacheCreation; others count as input); with a label, each
    series' figure in a note (and per model when the label is `model`). A query matching no series
    reports nothing, never 0.
Needs:
    nothing for a server open to this machine; else a bearer token or "user:password" (basic auth,
    `auth = "basic"`) in the keyring, `key_env` or `key_command`
Errors:
    connection refused or no answer: network; 5xx: server; 401/403: auth; a query Prometheus refuses
    (`status: error`, HTTP 400/422): bad_response with Prometheus's own error text; a value that is
    not a number: bad_response
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tokseg.errors import BadResponse, ConfigError
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import bearer, no_leak
from tokseg.providers._plugins import printable
from tokseg.reading import Headline, ModelUsage, Money, Reading, Tokens

NAME, TITLE = "prometheus", "Prometheus (all machines, PromQL)"
SECRET = SecretSpec(env="PROMETHEUS_TOKEN",
                    hint="a bearer token or user:password your Prometheus (or its proxy) accepts, see "
                         "https://prometheus.io/docs/prometheus/latest/configuration/https/",
                    fallback="no authentication (a Prometheus open to this machine)")
PATH = "/api/v1/query"
WHERE = "prometheus /api/v1/query"
MAX_NOTED = 8  # series named in the breakdown note; the rest are summed as "others"


@dataclass(frozen=True)
class Preset:
    query: str
    period: str
    unit: str
    label: str = ""


# Claude Code's metric names after the OpenTelemetry Collector's Prometheus translation (unit and `_total`
# appended): UNCONFIRMED, they depend on the collector's version and namespace setting; `query` overrides.
CLAUDE_COST = "claude_code_cost_usage_USD_total"
CLAUDE_TOKENS = "claude_code_token_usage_tokens_total"


def _spend(period: str, by: str = "") -> str:
    """tokseg's exported spend in the period, summed; an account whose last good fetch is older than the
    period's start is left out (a machine switched off yesterday still has yesterday's "today" on the
    gateway, which keeps every push until it is replaced)."""
    fresh = f"tokseg_last_success_timestamp_seconds >= ${period}_start"
    grouped = f"sum by ({by})" if by else "sum"
    return f'{grouped} (tokseg_spent_usd{{period="{period}"}} and on (host, user, account) ({fresh}))'


PRESETS = {
    "spend_today": Preset(_spend("today"), "today", "USD"),
    "spend_month": Preset(_spend("month"), "month", "USD"),
    "spend_today_by_host": Preset(_spend("today", "host"), "today", "USD", "host"),
    "spend_month_by_host": Preset(_spend("month", "host"), "month", "USD", "host"),
    "claude_code_cost": Preset(f"sum by (model) (increase({CLAUDE_COST}[$today]))", "today", "USD", "model"),
    "claude_code_tokens": Preset(f"sum by (type) (increase({CLAUDE_TOKENS}[$today]))", "today", "tokens"),
}
CHOICES = {"preset": tuple(PRESETS), "period": ("", "today", "week", "month"), "auth": ("bearer", "basic")}
TOKEN_TYPES = {"input": "input", "output": "output", "cacheRead": "cache_read", "cache_read": "cache_read",
               "cacheCreation": "cache_write", "cache_creation": "cache_write"}


@dataclass(frozen=True)
class Options:
    base_url: str = "http://localhost:9090"
    preset: str = "spend_today"
    query: str = ""
    label: str = ""
    period: str = ""
    unit: str = ""
    auth: str = "bearer"


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    preset = PRESETS[opts.preset]
    unit = (opts.unit or preset.unit).strip()
    if unit != "tokens" and not (len(unit) == 3 and unit.isalpha()):
        raise ConfigError(f"account {ctx.account!r}: unit {unit!r} is neither a currency code like \"USD\" "
                          'nor "tokens"')
    query = expand(opts.query or preset.query, ctx.now())
    with no_leak(ctx.secret):
        body = ctx.http.get_json(PATH, params={"query": query}, headers=_auth(ctx.secret, opts.auth))
    series = parse(body)
    return reading(series, opts.period or preset.period, unit.upper() if unit != "tokens" else unit,
                   opts.label or preset.label)


def expand(query: str, now: float) -> str:
    """`$today` / `$month`: the time since local midnight / the 1st as a PromQL range (at least 1m);
    `$today_start` / `$month_start`: that moment as Unix time."""
    local = datetime.fromtimestamp(now).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for token, start in (("$today", midnight.timestamp()), ("$month", midnight.replace(day=1).timestamp())):
        query = query.replace(f"{token}_start", str(int(start)))
        query = query.replace(token, f"{max(60, int(now - start))}s")
    return query


def _auth(secret: str | None, how: str) -> dict[str, str]:
    if not secret:
        return {}
    if how == "basic":
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    return bearer(secret)


def parse(body: Any) -> list[tuple[dict[str, str], float]]:
    """The result as (labels, value) pairs; a series whose value is NaN or infinite is left out."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not a JSON object")
    if body.get("status") != "success":
        error = body.get("error")
        text = printable(str(error), 200) if isinstance(error, str) and error else "no error text"
        raise BadResponse(f"{WHERE}: Prometheus refused the query: {text}")
    data = body.get("data")
    kind = data.get("resultType") if isinstance(data, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    if kind == "scalar":
        value = _value(result, "result")
        return [({}, value)] if math.isfinite(value) else []
    if kind != "vector" or not isinstance(result, list):
        raise BadResponse(f"{WHERE}: expected an instant vector or scalar (resultType {printable(str(kind), 40)}); "
                          "a range query or a string is not a figure")
    series = []
    for index, item in enumerate(result):
        labels = item.get("metric") if isinstance(item, dict) else None
        if not isinstance(labels, dict):
            raise BadResponse(f"{WHERE}: result[{index}] has no metric labels")
        value = _value(item.get("value"), f"result[{index}].value")
        if math.isfinite(value):
            series.append(({str(k): str(v) for k, v in labels.items()}, value))
    return series


def _value(sample: Any, field: str) -> float:
    """A sample is [time, "value"]; the value is a string, as Prometheus writes it."""
    if not (isinstance(sample, list) and len(sample) == 2 and isinstance(sample[1], str)):
        raise BadResponse(f"{WHERE}: field {field} is not a [time, \"value\"] pair")
    try:
        return float(sample[1])
    except ValueError:
        raise BadResponse(f"{WHERE}: field {field} holds {printable(sample[1], 40)!r}, not a number") from None


def reading(series: list[tuple[dict[str, str], float]], period: str, unit: str, label: str) -> Reading:
    if not series:
        return Reading(notes=("the query matched no series: nothing exported yet, or a label that matches none",))
    groups: dict[str, float] = {}
    for labels, value in series:
        name = labels.get(label, "") if label else ""
        groups[name] = groups.get(name, 0.0) + value
    notes = (_breakdown(groups, label, unit),) if label else ()
    if unit == "tokens":
        return Reading(tokens={period: _tokens(series)}, notes=notes)
    total = sum(value for _, value in series)
    models = tuple(ModelUsage(name or "(none)", period, spent=Money(value, unit))
                   for name, value in sorted(groups.items())) if label == "model" else ()
    return Reading(headline=Headline("spent", period), spent={period: Money(total, unit)}, models=models,
                   notes=notes)


def _tokens(series: list[tuple[dict[str, str], float]]) -> Tokens:
    counts = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    for labels, value in series:
        counts[TOKEN_TYPES.get(labels.get("type", ""), "input")] += max(0, round(value))
    return Tokens(**counts)


def _breakdown(groups: dict[str, float], label: str, unit: str) -> str:
    """"by host: laptop 1.20 USD, server 3.40 USD", biggest first, the tail summed."""
    ranked = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    shown = [f"{printable(name or '(none)', 40)} {_amount(value, unit)}" for name, value in ranked[:MAX_NOTED]]
    rest = ranked[MAX_NOTED:]
    if rest:
        shown.append(f"{len(rest)} others {_amount(sum(v for _, v in rest), unit)}")
    return f"by {printable(label, 40)}: " + ", ".join(shown)


def _amount(value: float, unit: str) -> str:
    return f"{round(value):,} tokens" if unit == "tokens" else f"{value:,.2f} {unit}"
