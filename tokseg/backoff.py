"""When an account is next due: after success, after failure, after a 429.

Pure functions of the clock and the account's failure count, so the
schedule is testable without sleeping.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

MAX_BACKOFF_S = 3600.0
MIN_RETRY_S = 15.0
JITTER = 0.1


def after_success(now: float, interval: float) -> float:
    return now + interval


def after_failure(now: float, interval: float, failures: int, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff (first retry within a minute, doubling, capped at an hour),
    jittered so accounts drift apart; never sooner than the server's Retry-After."""
    base = max(MIN_RETRY_S, min(interval, 60.0))
    delay = min(MAX_BACKOFF_S, base * 2 ** max(0, failures - 1))
    delay *= 1 + JITTER * (rng or random).uniform(-1, 1)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None
