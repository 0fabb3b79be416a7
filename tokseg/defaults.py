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
