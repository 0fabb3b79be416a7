"""Perplexity: the credit balance and its recurring, bonus and purchased credits, read with the web session.

Options:
    base_url: the Perplexity web site, whose billing endpoint answers the session (default
        "https://www.perplexity.ai")
Reports:
    balance: the credits left, in USD (the answer counts cents); notes: the recurring credits and
    their renewal date, the bonus (promotional) credits still valid and their expiry, the purchased
    credits. Headline: the balance. No usage % is shown: which pool a use comes out of first is
    not in the answer. Reading the credits spends no tokens.
Needs:
    the perplexity.ai web session (its credits are not readable with an API key): `tokseg add
    perplexity` prints a one-line snippet for the browser console of perplexity.ai, which prints
    the session as one line of JSON (`session_cookie`) to paste.
Errors:
    401/403: auth (the session expired: `tokseg add perplexity --name ACCOUNT --reconnect`);
    429: rate_limited; 5xx: server; an answer without balance_cents: bad_response
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers import _session
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import require_secret
from tokseg.providers._session import Field, SessionSpec
from tokseg.providers._subscription import as_dict, as_list, epoch_seconds, number
from tokseg.reading import Headline, Money, Reading

NAME, TITLE = "perplexity", "Perplexity (web session credits)"
SITE = "https://www.perplexity.ai"
SECRET = SecretSpec(env="PERPLEXITY_SESSION", hint=f"connect the web session of {SITE}: `tokseg add perplexity` "
                                                   "prints the steps")
SESSION = SessionSpec(
    NAME, f"{SITE}/account/usage", "credits",
    (Field("session_cookie", "the __Secure-next-auth.session-token (or __Secure-authjs.session-token) cookie"),),
    "{session_cookie:p('__Secure-(?:next-auth|authjs).session-token')}",
)

# Reverse-engineered (UNCONFIRMED): the web app's billing endpoint; neither path nor field is documented.
PATH = "/rest/billing/credits"
QUERY = {"version": "2.18", "source": "default"}  # UNCONFIRMED: the web app's own query, as of 2026
WHERE = "perplexity rest/billing/credits"
CENTS = 100.0  # UNCONFIRMED: *_cents fields count US cents
MAX_AHEAD = 10 * 366 * 86400  # a date further ahead than this is not believed
POOLS = (("recurring", "recurring credits"), ("promotional", "bonus credits"), ("purchased", "purchased credits"))


@dataclass(frozen=True)
class Options:
    base_url: str = "https://www.perplexity.ai"


def key_problem(secret: str) -> str | None:
    """Why `secret` is not the session JSON the snippet prints, else None."""
    return SESSION.problem(secret)


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    values = SESSION.values(secret, ctx.account)
    root = ctx.http.base_url
    headers = {"Cookie": values["session_cookie"], "Accept": "application/json", "Origin": root,
               "Referer": f"{root}/account/usage"}
    with _session.no_leak(values, secret):
        try:
            body = ctx.http.get_json(PATH, params=QUERY, headers=headers)
        except AuthError as exc:
            raise SESSION.expired(exc, ctx.account) from exc
        return parse(body, ctx.now())


def parse(body: Any, now: float) -> Reading:
    """The balance and the pools' notes; a missing balance is a BadResponse, an odd pool is left out."""
    if not isinstance(body, dict):
        raise BadResponse(f"{WHERE}: the answer is not an object")
    balance = number(body.get("balance_cents"))
    if balance is None:
        raise BadResponse(f"{WHERE}: field balance_cents is missing or not a number")
    grants = [as_dict(g) for g in as_list(body.get("credit_grants"))]
    notes = [note for kind, title in POOLS if (note := pool_note(body, grants, kind, title, now))]
    return Reading(headline=Headline("balance"), balance=(Money(balance / CENTS),), notes=tuple(notes))


def pool_note(body: dict, grants: list[dict], kind: str, title: str, now: float) -> str | None:
    """"recurring credits $50.00, renews 2026-03-26": one pool's grants (UNCONFIRMED shape); None when absent."""
    live = [g for g in grants if g.get("type") == kind and not _expired(g, now)]
    amounts = [a for a in (number(g.get("amount_cents")) for g in live) if a is not None and a >= 0]
    if kind == "purchased":  # UNCONFIRMED: purchases may be in the grants, in their own field, or in both
        extra = number(body.get("current_period_purchased_cents"))
        if extra is not None and extra >= 0:
            amounts = [max(sum(amounts), extra)]
    if not amounts:
        return None
    text = f"{title} ${sum(amounts) / CENTS:,.2f}"
    if kind == "recurring":
        renews = epoch_seconds(body.get("renewal_date_ts"))
        text += f", renews {_day(renews)}" if renews and now < renews <= now + MAX_AHEAD else ""
    expiries = [t for t in (epoch_seconds(g.get("expires_at_ts")) for g in live) if t and t <= now + MAX_AHEAD]
    if kind == "promotional" and expiries:
        text += f", expires {_day(min(expiries))}"
    return text


def _expired(grant: dict, now: float) -> bool:
    ends = epoch_seconds(grant.get("expires_at_ts"))
    return ends is not None and ends <= now


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


API_KEY_ENVS = ("PERPLEXITY_API_KEY", "PPLX_API_KEY")  # the API's key: it shows no credits


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """An API key in the environment is listed so the user sees it, never offered: credits need the session."""
    return [Source(f"Perplexity API key in ${var}", f"${var}", NAME, NAME, key_env=var,
                   not_offered="the API key shows no credits; `tokseg add perplexity` connects the web session")
            for var in API_KEY_ENVS if env.get(var, "").strip()]
