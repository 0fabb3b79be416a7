"""Mistral: the credit balance, this month's tokens and the Vibe plan, read with the web session.

Options:
    base_url: the Mistral admin console, whose billing endpoints answer the session (default
        "https://admin.mistral.ai")
    console_url: the Mistral console, asked for the Vibe plan's usage at `/api-ui/trpc/billing.vibeUsage`
        (default "https://console.mistral.ai")
Reports:
    balance: the wallet's credits, in the currency the answer names; tokens: this (UTC) month's
    completion tokens (input, output, cached) summed over the models, when the usage answer reads;
    window `vibe`: the Vibe plan's used % and reset, when the console reports one. Headline: the
    balance. No spend is shown: tokseg does not price the token counts (the answer's
    own price list is unconfirmed). Reading spends no tokens.
Needs:
    the admin.mistral.ai web session (Mistral gives API keys no billing access): `tokseg add
    mistral` prints a one-line snippet for the browser console of admin.mistral.ai, which prints
    the session as one line of JSON (`ory_session`, `csrftoken`) to paste.
Errors:
    401/403: auth (the session expired: `tokseg add mistral --name ACCOUNT --reconnect`);
    429: rate_limited; 5xx: server; a credits answer without wallet_amount: bad_response; an
    unreadable usage answer only leaves the tokens out, an unreadable or refused Vibe answer the
    window
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers import _session
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import checked_url, require_secret
from tokseg.providers._session import Field, SessionSpec
from tokseg.providers._subscription import as_dict, as_list, iso_time, number
from tokseg.reading import Headline, Money, Reading, Tokens, Window

NAME, TITLE = "mistral", "Mistral (admin console session)"
CONSOLE = "https://admin.mistral.ai"
SECRET = SecretSpec(env="MISTRAL_SESSION", hint=f"connect the web session of {CONSOLE}: `tokseg add mistral` "
                                                "prints the steps")
SESSION = SessionSpec(
    NAME, f"{CONSOLE}/organization/billing", "credits",
    (Field("ory_session", "the ory_session_… cookie, as name=value"),
     Field("csrftoken", "the csrftoken cookie")),
    "{ory_session:p('ory_session_[A-Za-z0-9_]*'),csrftoken:c('csrftoken')}",
)

# Reverse-engineered (UNCONFIRMED): the admin console's billing endpoints; neither path nor field is documented.
CREDITS_PATH = "/api/billing/credits"
USAGE_PATH = "/api/billing/v2/usage"
VIBE_PATH = "/api-ui/trpc/billing.vibeUsage"
VIBE_QUERY = {"batch": "1", "input": '{"0":{"json":null,"meta":{"values":["undefined"],"v":1}}}'}  # UNCONFIRMED
MAX_AHEAD = 366 * 86400  # a reset further ahead than this is not believed
WHERE = "mistral api/billing"
MAX_COUNT = 1e15  # a token count above this is not believed
LANES = (("input", "input"), ("output", "output"), ("cached", "cache_read"))  # UNCONFIRMED: lane names


@dataclass(frozen=True)
class Options:
    base_url: str = "https://admin.mistral.ai"
    console_url: str = "https://console.mistral.ai"


def key_problem(secret: str) -> str | None:
    """Why `secret` is not the session JSON the snippet prints, else None."""
    return SESSION.problem(secret)


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    values = SESSION.values(secret, ctx.account)
    root = ctx.http.base_url
    console = checked_url(ctx.options.console_url, "console_url", ctx.account)
    headers = {"Cookie": _session.cookie_header({"csrftoken": values["csrftoken"]}) + "; " + values["ory_session"],
               "X-CSRFTOKEN": values["csrftoken"], "Accept": "application/json", "Origin": root,
               "Referer": f"{root}/organization/billing"}
    with _session.no_leak(values, secret):
        try:
            balance = parse_credits(ctx.http.get_json(CREDITS_PATH, headers=headers))
            tokens = _month_tokens(ctx, headers)
        except AuthError as exc:
            raise SESSION.expired(exc, ctx.account) from exc
        vibe = _vibe(ctx, headers, console)
    return Reading(headline=Headline("balance"), balance=(balance,), tokens={"month": tokens} if tokens else {},
                   windows=(vibe,) if vibe else ())


def _vibe(ctx: Ctx[Options], headers: dict[str, str], console: str) -> Window | None:
    """The Vibe plan's window; None when the console does not answer it (no plan, or it refuses the session)."""
    vibe_headers = {**headers, "Origin": console, "Referer": f"{console}/"}
    try:
        body = ctx.http.get_json(VIBE_PATH, params=VIBE_QUERY, headers=vibe_headers, base=console)
    except (BadResponse, AuthError):  # the admin console took the session: a refusal here is the console's
        return None
    return parse_vibe(body, ctx.now())


def _month_tokens(ctx: Ctx[Options], headers: dict[str, str]) -> Tokens | None:
    """This UTC month's tokens; None when the usage answer is unreadable (the balance still shows)."""
    day = time.gmtime(ctx.now())
    try:
        body = ctx.http.get_json(USAGE_PATH, params={"month": str(day.tm_mon), "year": str(day.tm_year)},
                                 headers=headers)
    except BadResponse:
        return None
    return parse_usage(body)


def parse_credits(body: Any) -> Money:
    """The wallet's credits (`wallet_amount`, `currency`; UNCONFIRMED); BadResponse without an amount."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}/credits: the answer is not an object")
    amount = number(body.get("wallet_amount"))
    if amount is None:
        raise BadResponse(f"{WHERE}/credits: field wallet_amount is missing or not a number")
    currency = body.get("currency")  # UNCONFIRMED: an ISO code such as "EUR"
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        raise BadResponse(f"{WHERE}/credits: field currency is missing or not a currency code")
    return Money(amount, currency.strip().upper())


def parse_usage(body: Any) -> Tokens | None:
    """completion.models{name: {input|output|cached: [{value, value_paid}]}} summed (UNCONFIRMED); None if absent."""
    models = as_dict(as_dict(as_dict(body).get("completion")).get("models"))
    totals = {field: 0 for _, field in LANES}
    seen = False
    for usage in models.values():
        for lane, field in LANES:
            for entry in as_list(as_dict(usage).get(lane)):
                count = _count(as_dict(entry))
                if count is not None:
                    totals[field] += count
                    seen = True
    return Tokens(**totals) if seen else None


def _count(entry: dict) -> int | None:
    """The tokens an entry consumed: `value`, else `value_paid` (UNCONFIRMED); None when neither is a count."""
    for key in ("value", "value_paid"):
        value = number(entry.get(key))
        if value is not None and 0 <= value <= MAX_COUNT and value == int(value):
            return int(value)
    return None


def parse_vibe(body: Any, now: float) -> Window | None:
    """[{result: {data: {json: {usage_percentage, reset_at}}}}] (tRPC batch; UNCONFIRMED) as a window."""
    first = as_list(body)[0] if as_list(body) else None
    data = as_dict(as_dict(as_dict(as_dict(first).get("result")).get("data")).get("json"))
    used = number(data.get("usage_percentage"))  # UNCONFIRMED: percent, 0-100
    if used is None or not 0 <= used <= 100:
        return None
    resets = iso_time(data.get("reset_at"))
    believed = resets if resets is not None and 0 < resets - now <= MAX_AHEAD else None
    return Window("vibe", used, believed)


API_KEY_ENV = "MISTRAL_API_KEY"  # the API's key: it shows no billing


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """An API key in the environment is listed so the user sees it, never offered: billing needs the session."""
    if not env.get(API_KEY_ENV, "").strip():
        return []
    return [Source(f"Mistral API key in ${API_KEY_ENV}", f"${API_KEY_ENV}", NAME, NAME, key_env=API_KEY_ENV,
                   not_offered="the API key shows no billing; `tokseg add mistral` connects the web session")]
