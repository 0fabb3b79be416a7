"""xAI (Grok API): the team's posted prepaid balance and its spend today and this month.

Options:
    base_url: management API root, where billing lives (default "https://management-api.x.ai")
    api_base_url: inference API root, asked only to explain a refused key (default "https://api.x.ai")
    team_id: the team whose billing to read, from the xAI Console (default "")
    spend: also read daily spend from the usage analytics (default true)
Reports:
    posted prepaid balance (USD; the ledger stores cents with the sign inverted, so a $10 top-up
    is "-1000"); spent today and month-to-date (USD); a note when the usage history is partial
Needs:
    a management key (Console → Settings → Management Keys) and the team id; inference keys
    (xai-…) cannot read billing
Errors:
    401/403: auth, saying whether the key is an inference key (and its team id); 404: config
    (wrong team_id); no team_id: config; 429 rate_limited; 5xx server; a refused or unreadable
    usage query only adds a note (the balance is still shown)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from tokseg.errors import AuthError, BadResponse, ConfigError, FetchError
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import (
    as_float,
    auth_hint,
    bearer,
    checked_url,
    day_start,
    decimal,
    get,
    get_list,
    month_start,
    no_leak,
    number,
    parse_rfc3339,
    require_secret,
)
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "xai", "xAI"
CONSOLE = "https://console.x.ai"
SECRET = SecretSpec(env="XAI_MANAGEMENT_KEY",
                    hint=f"create a management key at {CONSOLE} → Settings → Management Keys, and set team_id")
POSTED_NOTE = "posted balance: spend is posted when the billing cycle closes, so it can lag the console"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://management-api.x.ai"
    api_base_url: str = "https://api.x.ai"
    team_id: str = ""
    spend: bool = True


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    api = checked_url(opts.api_base_url, "api_base_url", ctx.account)
    with no_leak(secret):
        if not opts.team_id.strip():
            _explain_missing_team(ctx, api, secret)
        team = f"/v1/billing/teams/{quote(opts.team_id.strip(), safe='')}"
        try:
            balance = parse_balance(ctx.http.get_json(f"{team}/prepaid/balance", headers=bearer(secret)))
        except AuthError as exc:
            raise _explain_refused(ctx, api, secret, exc) from None
        except FetchError as exc:
            if exc.status == 404:
                raise ConfigError(f"xai: team_id {opts.team_id!r} was not found for this management key; "
                                  f"copy the team id from {CONSOLE}") from None
            raise
        notes = [POSTED_NOTE]
        spent: dict[str, Money] = {}
        if opts.spend:
            # The usage query's shape is UNCONFIRMED: if xAI refuses or changes it, keep the balance.
            try:
                usage = ctx.http.post_json(f"{team}/usage", body=usage_query(ctx.now()), headers=bearer(secret))
                spent, partial = parse_usage(usage, ctx.now())
            except (AuthError, BadResponse) as exc:
                notes.append(f"spend unavailable ({exc}); set spend = false to stop asking")
            else:
                if partial:
                    notes.append("usage history is partial (xAI's analytics limit was reached)")
        return Reading(headline=Headline("balance"), balance=(Money(balance),), spent=spent, notes=tuple(notes))


def _inference_team(ctx: Ctx[Options], api: str, secret: str) -> str | None:
    """The team id if `secret` is an inference key (GET /v1/api-key is free), else None."""
    try:
        body = ctx.http.get_json("/v1/api-key", headers=bearer(secret), base=api)
    except FetchError:
        return None
    team = body.get("team_id") if isinstance(body, dict) else None
    return team if isinstance(team, str) and team else None


def _explain_missing_team(ctx: Ctx[Options], api: str, secret: str) -> None:
    team = _inference_team(ctx, api, secret)
    if team:
        raise AuthError(f"this is an xAI inference key (team {team}); billing needs a management key: create one "
                        f'at {CONSOLE} → Settings → Management Keys, and set team_id = "{team}"')
    raise ConfigError(f'xai: set team_id = "…" for this account; the team id is shown at {CONSOLE} '
                      "(GET https://api.x.ai/v1/api-key with an inference key also tells it)")


def _explain_refused(ctx: Ctx[Options], api: str, secret: str, exc: AuthError) -> AuthError:
    team = _inference_team(ctx, api, secret)
    if team:
        return auth_hint(exc, f"this is an xAI inference key (team {team}); billing needs a management key, "
                              f"create one at {CONSOLE} → Settings → Management Keys")
    return auth_hint(exc, "the management key was refused; check it has billing read access and belongs to team_id")


def usage_query(now: float) -> dict[str, Any]:
    """Daily USD spend from the start of the month; field names as the console sends them (UNCONFIRMED)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    return {
        "analyticsRequest": {
            "timeRange": {"startTime": time.strftime(fmt, time.gmtime(month_start(now))),
                          "endTime": time.strftime(fmt, time.gmtime(now)), "timezone": "Etc/GMT"},
            "timeUnit": "TIME_UNIT_DAY",
            "values": [{"name": "usd", "aggregation": "AGGREGATION_SUM"}],
            "groupBy": [],
            "filters": [],
        }
    }


def parse_balance(body: Any) -> float:
    """Remaining credit: `total.val` is cents in an inverted ledger; missing is an error, never $0."""
    where = "xai prepaid/balance"
    return as_float(-number(body, "total.val", where) / 100)


def parse_usage(body: Any, now: float) -> tuple[dict[str, Money], bool]:
    where = "xai usage"
    today, month = day_start(now), month_start(now)
    sums = {"today": Decimal(0), "month": Decimal(0)}
    for s, series in enumerate(get_list(body, "timeSeries", where)):
        for p, point in enumerate(get_list(series, "dataPoints", f"{where} timeSeries[{s}]")):
            at = f"{where} timeSeries[{s}].dataPoints[{p}]"
            when = parse_rfc3339(get(point, "timestamp", at), "timestamp", at)
            values = get_list(point, "values", at)
            if not values:
                continue
            usd = decimal(values[0], "values[0]", at)
            if when >= month:
                sums["month"] += usd
            if when >= today:
                sums["today"] += usd
    partial = get(body, "limitReached", where, required=False) is True
    return {period: Money(as_float(value)) for period, value in sums.items()}, partial
