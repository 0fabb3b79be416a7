"""What history, forecasts, budgets and alerts add to a refresh run, as ratios in one run.

    python benchmarks/bench_history.py [--days 90]

Three demo accounts (prepaid, subscription, postpaid) with budgets, refreshed
in-process on an advancing clock. Baseline: a run whose history database is
empty. Measured: the same run with `--days` of 5-minute samples already
stored (the default retention is 90 days), and the post-run step alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15
CONFIG = """
[accounts.pre]
provider = "demo"
[accounts.sub]
provider = "demo"
kind = "subscription"
[accounts.post]
provider = "demo"
kind = "postpaid"
[budgets]
daily = 30
[budgets.pre]
weekly = 10
low_balance = 5
[budgets.sub]
window_warn_pct = 80
"""


def timed_runs(start: float) -> list[float]:
    from tokseg import refresh

    times = []
    for i in range(RUNS):
        began = time.perf_counter()
        refresh.run(force=True, clock=lambda i=i: start + i * 300)
        times.append(time.perf_counter() - began)
    return times


def fill(days: int, end: float) -> int:
    """`days` of 5-minute samples for the three accounts, written straight into the table."""
    from tokseg import history

    metrics = {"pre": [("balance", "USD"), ("spent.today", "USD")], "sub": [("window.5h", "%"), ("window.7d", "%")],
               "post": [("spent.today", "USD"), ("spent.month", "USD"), ("tokens.today", "tokens")]}
    steps = days * 288
    rows = [(account, metric, unit, end - (steps - i) * 300, float(i % 100))
            for account, pairs in metrics.items() for metric, unit in pairs for i in range(steps)]
    with history.opened() as conn, conn:
        conn.executemany("INSERT INTO samples (account, metric, unit, ts, value) VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    days = parser.parse_args().days
    with tempfile.TemporaryDirectory() as home:
        os.environ["TOKSEG_HOME"] = home
        Path(home, "config").mkdir()
        Path(home, "config", "config.toml").write_text(CONFIG)
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tokseg import config, dirs, history, insights
        from tokseg.refresh import Outcome

        now = time.time()
        timed_runs(now)  # warm-up: imports, HTTP session, first snapshot
        history.set_aside()
        empty = statistics.median(timed_runs(now))
        history.set_aside()
        rows = fill(days, now)
        full = statistics.median(timed_runs(now))
        cfg = config.load(dirs.config_path())
        began = time.perf_counter()
        insights.after_run(cfg, [Outcome("pre", error_kind="network")], now + RUNS * 300)
        step = time.perf_counter() - began
    print(f"refresh run, empty history:        {empty * 1000:7.1f} ms (baseline)")
    print(f"refresh run, {days} days ({rows:,} rows): {full * 1000:7.1f} ms  ratio {full / empty:.2f}")
    print(f"post-run step alone ({days} days):     {step * 1000:7.1f} ms  ratio {step / empty:.2f} of a run")


if __name__ == "__main__":
    main()
