"""OpenRouter: what this key spent today, this week and this month, its cap, and the account balance.

Options:
    base_url: API root (default "https://openrouter.ai/api/v1")
    credits: also ask /credits for the account balance (default true)
Reports:
    spent today/week/month by this key (USD, from /key); the key's limit and what is left of it;
    the account balance (total credits minus total usage, from /credits) when the key may read it
Needs:
    any OpenRouter API key for /key; the account balance needs a management key
Errors:
    401/403 on /key: key refused (auth); 401/403 on /credits with a normal key is not an error,
    only a note that a management key is required; 429 rate_limited; 5xx server
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
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
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "openrouter", "OpenRouter"
KEYS_URL = "https://openrouter.ai/settings/keys"
SECRET = SecretSpec(env="OPENROUTER_API_KEY", hint=f"create a key at {KEYS_URL}")
MANAGEMENT_NOTE = f"account balance needs a management key (create one at {KEYS_URL})"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://openrouter.ai/api/v1"
    credits: bool = True


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` cannot be a OpenRouter key, else None."""
    return prefix_problem(secret, "sk-or-", "OpenRouter", KEYS_URL)


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    with no_leak(secret):
        key = parse_key(ctx.http.get_json("/key", headers=bearer(secret)))
        balance, notes = None, []
        if opts.credits:
            try:
                balance = parse_credits(ctx.http.get_json("/credits", headers=bearer(secret)))
            except AuthError:
                if key["management"]:
                    raise
                notes.append(MANAGEMENT_NOTE)
        return build(key, balance, tuple(notes))


def parse_key(body: Any) -> dict[str, Any]:
    """The figures of GET /key; `limit: null` means an unlimited key (no remaining figure)."""
    where = "openrouter /key"
    data = get(body, "data", where)
    if not isinstance(data, dict):
        raise BadResponse(f"{where}: field data is not an object ({type(data).__name__})")
    return {
        "today": as_float(number(body, "data.usage_daily", where)),
        "week": as_float(number(body, "data.usage_weekly", where)),
        "month": as_float(number(body, "data.usage_monthly", where)),
        "limit": _optional(body, "data.limit", where),
        "limit_remaining": _optional(body, "data.limit_remaining", where),
        "management": bool(data.get("is_management_key") or data.get("is_provisioning_key")),
    }


def parse_credits(body: Any) -> float:
    """Account balance from GET /credits: everything bought or granted minus everything used."""
    where = "openrouter /credits"
    return as_float(number(body, "data.total_credits", where) - number(body, "data.total_usage", where))


def _optional(body: Any, path: str, where: str) -> float | None:
    value = number(body, path, where, required=False)
    return None if value is None else as_float(value)


def build(key: dict[str, Any], balance: float | None, notes: tuple[str, ...]) -> Reading:
    limit = Money(key["limit"]) if key["limit"] is not None else None
    remaining = Money(key["limit_remaining"]) if limit and key["limit_remaining"] is not None else None
    if balance is not None:
        headline = Headline("balance")
    elif remaining is not None:
        headline = Headline("limit_remaining")
    else:
        headline = Headline("spent", "month")
    return Reading(
        headline=headline,
        balance=(Money(balance),) if balance is not None else (),
        limit=limit,
        limit_remaining=remaining,
        spent={period: Money(key[period]) for period in ("today", "week", "month")},
        notes=notes,
    )
