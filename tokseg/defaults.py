"""Defaults both halves need: the config fills them in, the hot path falls back on them.

The refresher compiles the config's values into the snapshot; the hot path
uses these only when a snapshot lacks them (none written yet, an invalid
config, an older version). Keeping one copy here means the two can never
disagree. Plain constants that import nothing, so the hot path loads this
for free. The README's "Configuration" section documents them; a test
holds the two together.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeGuard

    from tokseg.schema import Thresholds

INTERVAL_S = 300.0  # seconds between two refreshes of an account
STALE_FACTOR = 3.0  # a reading older than STALE_FACTOR × interval is stale
# At most one refresher spawn per this many seconds (less when an account refreshes more often).
SPAWN_COOLDOWN_S = 15.0
TEMPLATE = "{all}"
SEPARATOR = " │ "  # between accounts in {all}
# The state turns warn / crit when the fullest window or limit reaches this percentage of use.
WARN_PCT = 80.0
CRIT_PCT = 95.0
THRESHOLDS: Thresholds = {"warn_pct": WARN_PCT, "crit_pct": CRIT_PCT}

# Caps on schedule times (docs/robustness.md). A server's Retry-After, as seconds or as a date, counts
# for at most MAX_RETRY_AFTER_S; the refresher's own backoff stops at MAX_BACKOFF_S. A next_due further
# ahead than any legal schedule, or a fetch time more than CLOCK_SKEW_S in the future, comes from a clock
# set back or a restored backup: it is not believed, and the account counts as due.
MAX_RETRY_AFTER_S = 86400.0
MAX_BACKOFF_S = 3600.0
CLOCK_SKEW_S = 60.0


def latest_due(now: float, interval: float) -> float:
    """The furthest ahead a legal schedule can put an account's next refresh (the backoff cap,
    jitter included, stays below the Retry-After cap)."""
    return now + max(interval, MAX_RETRY_AFTER_S) + CLOCK_SKEW_S


def believable_time(stamp: object, now: float) -> TypeGuard[float]:
    """Whether a recorded past time (a fetch, an attempt) is a finite number not ahead of the clock."""
    return isinstance(stamp, (int, float)) and -1e18 < stamp <= now + CLOCK_SKEW_S


def legal_due(next_due: object, now: float, interval: float) -> TypeGuard[float]:
    """Whether `next_due` is a schedule the refresher could have written (finite, not too far ahead)."""
    return isinstance(next_due, (int, float)) and -1e18 < next_due <= latest_due(now, interval)

# What every command says when there is nothing to show yet (the segment says `tok: tokseg setup`).
NO_ACCOUNTS_HINT = "no accounts yet: run `tokseg setup` (or `tokseg add PROVIDER`; `tokseg demo` to try it first)"
