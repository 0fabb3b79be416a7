"""Nebius Token Factory: the paid balance and the trial credit left, read with the billing console's session.

Options:
    base_url: the Token Factory web console, whose billing gateway answers the session (default
        "https://tokenfactory.nebius.com")
    currency: the currency of the contract's balance, which the answer does not name (default "USD")
Reports:
    balance: the paid balance; limit and limit_remaining: the trial's credit and what is left of it
    (limit − spent), while a trial runs. Headline: the paid balance, else the trial credit left.
Needs:
    the billing console's web session (Nebius gives API keys no billing access): `tokseg add nebius`
    prints a one-line snippet for the browser console of tokenfactory.nebius.com, which prints the
    session as one line of JSON (`app_session`, `csrf_cookie`, `csrf_token`, `contract_id`) to paste.
Errors:
    401/403, or an answer with statusCode 401/403 or code EBADCSRFTOKEN: auth (the session expired:
    `tokseg add nebius --name ACCOUNT --reconnect`); 429: rate_limited; 5xx: server; the trial
    answer may be missing (no trial): then only the balance is shown
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse, ConfigError, RateLimited
from tokseg.providers import _session
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import require_secret, vendor_message
from tokseg.providers._session import Field, SessionSpec
from tokseg.providers._subscription import as_dict, number
from tokseg.reading import Headline, Money, Reading
from tokseg.safe_text import line as printable

NAME, TITLE = "nebius", "Nebius Token Factory (billing session)"
CONSOLE = "https://tokenfactory.nebius.com"
SECRET = SecretSpec(env="NEBIUS_SESSION", hint=f"connect the billing session of {CONSOLE}: `tokseg add nebius` "
                                               "prints the steps")
SESSION = SessionSpec(
    NAME, f"{CONSOLE} (the billing page)", "getBalance",
    (Field("app_session", "the __Host-app_session cookie"),
     Field("csrf_cookie", "the __Host-psifi.x-csrf-token cookie"),
     Field("csrf_token", "the request's x-csrf-token header"),
     Field("contract_id", "the contractId of the getBalance request's body")),
    "{app_session:c('__Host-app_session'),csrf_cookie:c('__Host-psifi.x-csrf-token'),"
    "csrf_token:h('x-csrf-token'),contract_id:b('contractId')||b('parentId')}",
)

# Reverse-engineered (UNCONFIRMED): the web console's billing gateway; neither path nor field is documented.
BALANCE_PATH = "/api-mfe/billing/gateway/root/customers/getBalance"
TRIAL_PATH = "/api-mfe/billing/gateway/root/billingActs/getCurrentTrial"
WHERE = "nebius billing gateway"
AUTH_CODES = frozenset({"EBADCSRFTOKEN"})
MAX_MESSAGE = 160


@dataclass(frozen=True)
class Options:
    base_url: str = "https://tokenfactory.nebius.com"
    currency: str = "USD"


def key_problem(secret: str) -> str | None:
    """Why `secret` is not the session JSON the snippet prints, else None."""
    return SESSION.problem(secret)


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    values = SESSION.values(secret, ctx.account)
    currency = ctx.options.currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(f"{NAME}: currency {ctx.options.currency!r} is not a currency code such as \"USD\"")
    with _session.no_leak(values, secret):
        try:
            return _read(ctx, values, currency)
        except AuthError as exc:
            raise SESSION.expired(exc, ctx.account) from exc


def _read(ctx: Ctx[Options], values: dict[str, str], currency: str) -> Reading:
    """The balance, then the trial; either may be unreadable alone, but not both."""
    root = ctx.http.base_url
    headers = {
        "Cookie": _session.cookie_header({"__Host-app_session": values["app_session"],
                                          "__Host-psifi.x-csrf-token": values["csrf_cookie"]}),
        "x-csrf-token": values["csrf_token"],
        "Accept": "application/json",
        "Origin": root,
        "Referer": f"{root}/",
    }
    contract = values["contract_id"]
    paid, problem = _optional(lambda: parse_balance(
        ctx.http.post_json(BALANCE_PATH, body={"contractId": contract}, headers=headers)))
    trial, _ = _optional(lambda: parse_trial(
        ctx.http.post_json(TRIAL_PATH, body={"parentId": contract}, headers=headers)))
    if paid is None and trial is None:
        raise problem or BadResponse(f"{WHERE}: no figures")
    return reading(paid, trial, currency)


def _optional(read: Callable[[], Any]) -> tuple[Any, BadResponse | None]:
    """`read()`, or None and the BadResponse it raised (a missing trial is not a failure)."""
    try:
        return read(), None
    except BadResponse as exc:
        return None, exc


def check_status(body: Any) -> dict:
    """The answer as an object; an error envelope (`statusCode`, `code`) raises its class."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    status, code = number(body.get("statusCode")), body.get("code")  # UNCONFIRMED: the gateway's error envelope
    if code in AUTH_CODES or status in (401, 403):
        raise AuthError(f"{WHERE}: the session was refused ({printable(str(code or status), MAX_MESSAGE)})")
    if status == 429:
        raise RateLimited(f"{WHERE}: rate limited")
    if status is not None and status >= 400:
        raise BadResponse(f"{WHERE}: statusCode {status:g} ({vendor_message(body.get('message'))})")
    return body


def parse_balance(body: Any) -> float:
    """The paid balance (`balance`, a decimal string; UNCONFIRMED); BadResponse when it is not there."""
    amount = number(check_status(body).get("balance"))
    if amount is None:
        raise BadResponse(f"{WHERE}: getBalance sent no balance")
    return amount


def parse_trial(body: Any) -> tuple[float, float]:
    """(the trial's credit, what is left): spec.netConsumptionLimit − status.netConsumptionSpent (UNCONFIRMED)."""
    data = check_status(body)
    limit = number(as_dict(data.get("spec")).get("netConsumptionLimit"))
    spent = number(as_dict(data.get("status")).get("netConsumptionSpent"))
    if limit is None or spent is None or limit <= 0 or spent < 0:
        raise BadResponse(f"{WHERE}: getCurrentTrial sent no trial limit and spend")
    return limit, max(limit - spent, 0.0)


def reading(paid: float | None, trial: tuple[float, float] | None, currency: str) -> Reading:
    """The figures Nebius sent; the headline is the paid balance while there is one."""
    limit = Money(trial[0], currency) if trial else None
    left = Money(trial[1], currency) if trial else None
    balance = (Money(paid, currency),) if paid is not None else ()
    headline = Headline("balance") if balance else Headline("limit_remaining")
    return Reading(headline=headline, balance=balance, limit=limit, limit_remaining=left)
