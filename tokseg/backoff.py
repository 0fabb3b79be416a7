"""When an account is next due: after success, after failure, after a 429.

Pure functions of the clock and the account's failure count, so the
schedule is testable without sleeping. Every delay is a finite number of
seconds within a documented cap: a server's Retry-After (seconds or a date)
counts for at most `MAX_RETRY_AFTER_S`, and a non-finite one (`1e400`,
`nan`) is ignored, so no answer can park an account for good.
"""

from __future__ import annotations

import math
import random

from tokseg import defaults

MAX_BACKOFF_S = defaults.MAX_BACKOFF_S
MAX_RETRY_AFTER_S = defaults.MAX_RETRY_AFTER_S
MIN_RETRY_S = 15.0
JITTER = 0.1


def after_success(now: float, interval: float) -> float:
    return now + _interval(interval)


def after_failure(now: float, interval: float, failures: int, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff (first retry within a minute, doubling, capped at an hour),
    jittered so accounts drift apart; never sooner than the server's (capped) Retry-After."""
    base = max(MIN_RETRY_S, min(_interval(interval), 60.0))
    delay = min(MAX_BACKOFF_S, base * 2 ** min(max(0, failures - 1), 32))
    delay *= 1 + JITTER * (rng or random).uniform(-1, 1)
    server = server_delay(retry_after)
    if server is not None:
        delay = max(delay, server)
    return now + delay


def server_delay(seconds: float | None) -> float | None:
    """A server-provided wait, within [0, MAX_RETRY_AFTER_S]; None for none or a non-finite number."""
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(MAX_RETRY_AFTER_S, max(0.0, seconds))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date, capped (see `server_delay`)."""
    if not value:
        return None
    value = value.strip()
    try:
        return server_delay(float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # ~7 ms, for the rare date form

    try:
        return server_delay(parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _interval(interval: float) -> float:
    """The account's interval, or the default one if it is not a positive finite number."""
    return interval if isinstance(interval, (int, float)) and 0 < interval < math.inf else defaults.INTERVAL_S
