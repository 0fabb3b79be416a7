"""The synthetic home of `tokseg top --demo`: demo accounts with three weeks of history behind them.

The history is written by the real refresher, run on a demo clock every
few hours up to now, so the trends, burn rates and forecasts are the
ones a real home would show; nothing here writes the snapshot itself.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

from tokseg import dirs

CONFIG = """\
# tokseg top --demo: synthetic accounts, real time, no keys.
[settings]
interval = 300

[alerts]
enabled = false

[accounts.credits]
provider = "demo"
kind = "prepaid"

[accounts.claude]
provider = "demo"
kind = "subscription"
label = "claude max"

[accounts.api]
provider = "demo"
kind = "postpaid"

[accounts.agent]
provider = "demo"
kind = "agent"
label = "claude code"

[accounts.flaky]
provider = "demo"
kind = "flaky"

[accounts.dead]
provider = "demo"
kind = "revoked"
"""
BACKFILL_DAYS = 21
# Two readings a day (enough for the daily cost, and quick to write), then the last three hours every half hour
# (the burn rates' window). The odd 20 s keep the steps from landing on the same phase of the demo's outage and
# expiry cycles every time, so the flaky accounts fail now and then, as they do live.
BACKFILL_STEP_S = 12 * 3600 + 20
RECENT_STEPS, RECENT_STEP_S = 6, 1800 + 20


def prepare(folder: Path, now: float) -> None:
    """Write the demo config into `folder` (used as TOKSEG_HOME from now on) and its history up to `now`."""
    config_file = folder / "config" / "config.toml"
    dirs.ensure_private(config_file.parent)
    config_file.write_text(CONFIG, encoding="utf-8")
    os.environ["TOKSEG_HOME"] = str(folder)
    os.environ.pop("TOKSEG_CONFIG", None)
    recent = now - RECENT_STEPS * RECENT_STEP_S
    for step in range(BACKFILL_DAYS * 86400 // BACKFILL_STEP_S, 0, -1):
        run_refresher(recent - step * BACKFILL_STEP_S)
    for step in range(RECENT_STEPS, -1, -1):
        run_refresher(now - step * RECENT_STEP_S)


def run_refresher(now: float) -> None:
    """One real refresh of every account on the demo clock at `now`."""
    from tokseg import refresh

    refresh.run(force=True, clock=functools.partial(float, now))


def utc() -> None:
    """The seeded demo's days are UTC days, so a seed shows the same dates and charts in every time zone."""
    os.environ["TZ"] = "UTC"
    time.tzset()
