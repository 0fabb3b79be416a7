"""Groq: rate limits only (Groq has no balance or spend API for API keys), and never at the user's cost.

Groq documents its x-ratelimit-* headers on chat completions, and a completion
spends tokens and one request of the daily allowance. So by default tokseg
asks only the free model list (which checks the key) and shows its rate-limit
headers if it has any (UNCONFIRMED that it does); otherwise the reading is
empty with a note saying why. `probe = true` opts in to one 1-token completion
per refresh to read the limits.

Options:
    base_url: API root (default "https://api.groq.com/openai/v1")
    probe: spend one 1-token completion per refresh to read the rate limits (default false)
    probe_model: the model that completion uses (default "llama-3.1-8b-instant")
Reports:
    requests per day and tokens per minute: limit, remaining, reset time - only when the free
    call exposes them or probe is on; otherwise nothing, with a note
Needs:
    a Groq API key (gsk_…)
Errors:
    401 key refused (auth); 429 rate_limited with Retry-After; 5xx server; a malformed
    rate-limit header: bad_response naming it
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokseg.errors import BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import bearer, no_leak, prefix_problem, require_secret
from tokseg.reading import Headline, RateLimit, Reading

NAME, TITLE = "groq", "Groq"
KEYS_URL = "https://console.groq.com/keys"
SECRET = SecretSpec(env="GROQ_API_KEY", hint=f"create a key at {KEYS_URL}")
BUCKETS = (("requests", "requests/day"), ("tokens", "tokens/minute"))
NO_FREE_LIMITS = ("Groq has no balance API, and its rate limits show only on a completion, which spends tokens; "
                  "set probe = true to spend one 1-token completion per refresh to see them")
MAX_RESET_S = 366 * 86400.0  # a rate-limit reset further ahead (or infinite) is not believed
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.groq.com/openai/v1"
    probe: bool = False
    probe_model: str = "llama-3.1-8b-instant"


def key_problem(secret: str) -> str | None:
    """A one-line explanation when `secret` cannot be a Groq key, else None."""
    return prefix_problem(secret, "gsk_", "Groq", KEYS_URL)


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    secret = require_secret(ctx.secret, NAME)
    now = ctx.now()
    with no_leak(secret):
        if opts.probe:
            body = {"model": opts.probe_model, "messages": [{"role": "user", "content": "."}], "max_tokens": 1}
            ctx.http.post_json("/chat/completions", body=body, headers=bearer(secret))
        else:
            ctx.http.get_json("/models", headers=bearer(secret))
        limits = parse_headers(ctx.http.last_headers, now)
    if not limits:
        note = NO_FREE_LIMITS if not opts.probe else "the completion carried no rate-limit headers"
        return Reading(notes=(note,))
    return Reading(headline=Headline("rate_limit", limits[0].name), rate_limits=tuple(limits))


def parse_headers(headers: dict[str, str], now: float) -> list[RateLimit]:
    """Buckets from x-ratelimit-{limit,remaining,reset}-{requests,tokens}; resets are Go durations."""
    limits = []
    for suffix, name in BUCKETS:
        limit, remaining = headers.get(f"x-ratelimit-limit-{suffix}"), headers.get(f"x-ratelimit-remaining-{suffix}")
        if limit is None or remaining is None:
            continue
        reset = headers.get(f"x-ratelimit-reset-{suffix}")
        limits.append(RateLimit(
            name=name,
            limit=_number(limit, f"x-ratelimit-limit-{suffix}"),
            remaining=_number(remaining, f"x-ratelimit-remaining-{suffix}"),
            resets_at=None if reset is None else now + parse_duration(reset, f"x-ratelimit-reset-{suffix}"),
        ))
    return limits


def _number(value: str, header: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise BadResponse(f"groq: header {header} is not a number ({value[:40]!r})") from None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise BadResponse(f"groq: header {header} is out of range ({value[:40]!r})")
    return number


def parse_duration(value: str, header: str) -> float:
    """Seconds in a Go duration such as "2m59.56s", "7.66s", "12ms" or "1h2m3s"."""
    text = value.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise BadResponse(f"groq: header {header} is not a duration ({value[:40]!r})")
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    seconds = sum(float(n) * scale[u] for n, u in parts)
    if not seconds <= MAX_RESET_S:
        raise BadResponse(f"groq: header {header} is further ahead than {MAX_RESET_S // 86400:.0f} days "
                          f"({value[:40]!r})")
    return seconds
