"""Anthropic API rate limits for a standard API key, from the headers of the free token-counting call.

The `anthropic` provider reads spend with an Admin key; this one needs only
a normal key and never spends: each refresh is one `POST /v1/messages/count_tokens`,
which Anthropic documents as free, and tokseg reads its anthropic-ratelimit-*
headers. Token counting has its own rate limits, separate from sending
messages, so these figures describe that endpoint's buckets (UNCONFIRMED
which headers it sends at all, and whether they match the Messages limits).

Options:
    base_url: API root (default "https://api.anthropic.com/v1")
    model: the model the token count names; one the key may use (default "claude-sonnet-4-5")
Reports:
    rate limits "requests", "tokens" (the most restrictive token bucket), "input-tokens" and
    "output-tokens": limit, remaining and reset time, each only when its headers are there and
    read as numbers; a note that they are the token-counting endpoint's limits. Headline: the
    first bucket reported
Needs:
    a standard Anthropic API key (sk-ant-api…); Admin keys and Claude Code's OAuth tokens cannot
    call the API. Counting tokens spends nothing.
Errors:
    401/403 key refused (auth); 400/404 (a model the key may not use): bad_response naming the
    `model` option; 429 rate_limited with Retry-After; 5xx and 529 (overloaded) server
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import auth_hint, no_leak, require_secret
from tokseg.providers._subscription import iso_time, number
from tokseg.reading import Headline, RateLimit, Reading

NAME, TITLE = "anthropic_limits", "Anthropic (API rate limits)"
KEYS_URL = "https://console.anthropic.com/settings/keys"
SECRET = SecretSpec(env="ANTHROPIC_API_KEY", hint=f"create an API key (sk-ant-api…) at {KEYS_URL}")
API_VERSION = "2023-06-01"
PATH = "/messages/count_tokens"
PREFIX = "anthropic-ratelimit-"
BUCKETS = ("requests", "tokens", "input-tokens", "output-tokens")
MAX_AHEAD_S = 366 * 86400.0  # a reset further ahead is not believed
SEPARATE = ("these are the limits of Anthropic's token-counting endpoint, which has its own rate limits, "
            "separate from sending messages")
NO_HEADERS = "the token-counting answer carried no rate-limit headers"
KEY_HINT = f"Anthropic refused the key: rate limits need a standard API key (not an Admin key) from {KEYS_URL}"
WRONG_KINDS = {"sk-ant-admin": "an Anthropic Admin key (the `anthropic` provider reads spend with it)",
               "sk-ant-oat": "a Claude Code OAuth token (the `claude` provider reads its windows)"}


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.anthropic.com/v1"
    model: str = "claude-sonnet-4-5"


def key_problem(secret: str) -> str | None:
    """Why `secret` cannot call the API, judged from its prefix, else None."""
    for prefix, kind in WRONG_KINDS.items():
        if secret.startswith(prefix):
            return f"this is {kind}; rate limits need a standard API key sk-ant-api… from {KEYS_URL}"
    if secret.startswith("sk-ant-"):
        return None
    return f"this does not look like an Anthropic API key (they start sk-ant-api…); create one at {KEYS_URL}"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    model = ctx.options.model
    headers = {"x-api-key": secret, "anthropic-version": API_VERSION}
    body = {"model": model, "messages": [{"role": "user", "content": "."}]}
    with no_leak(secret):
        try:
            ctx.http.post_json(PATH, body=body, headers=headers)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        except BadResponse as exc:
            if exc.status not in (400, 404):
                raise
            refused = BadResponse(f"Anthropic refused to count tokens for model {model!r}; set the `model` option "
                                  f"to one this key may use ({exc})")
            refused.status = exc.status
            raise refused from exc
        limits = parse_headers(ctx.http.last_headers, ctx.now())
    if not limits:
        return Reading(notes=(NO_HEADERS,))
    return Reading(headline=Headline("rate_limit", limits[0].name), rate_limits=tuple(limits), notes=(SEPARATE,))


def parse_headers(headers: Mapping[str, str], now: float) -> list[RateLimit]:
    """anthropic-ratelimit-<bucket>-{limit,remaining,reset}; a bucket whose counts are odd is not reported."""
    found = []
    for bucket in BUCKETS:
        limit = _count(headers.get(f"{PREFIX}{bucket}-limit"))
        remaining = _count(headers.get(f"{PREFIX}{bucket}-remaining"))
        if limit is None or remaining is None:
            continue
        reset = iso_time(headers.get(f"{PREFIX}{bucket}-reset"))  # RFC 3339 (documented)
        believable = reset is not None and -60 <= reset - now <= MAX_AHEAD_S
        found.append(RateLimit(bucket, limit, remaining, reset if believable else None))
    return found


def _count(value: str | None) -> float | None:
    """A non-negative count from a header; missing, negative, NaN or huge values are None."""
    count = number(value)
    return count if count is not None and 0 <= count <= 1e12 else None
