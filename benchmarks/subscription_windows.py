"""Benchmark: reading Codex's plan windows from its session log costs the same whatever the log's size.

The codex provider takes the newest rollout's last `rate_limits` by reading
the file backwards from its end. This generates a small and a large rollout
(same shape: turn events with tool output, a token_count with rate_limits
every few turns, the last one a few hundred KB before the end) and reports,
as medians over several runs in the same process:
  1. the tail read on the large log against the tail read on the small one
     (target: about 1x, i.e. independent of the log's size);
  2. a plain full read-and-parse of the large log against the tail read on it
     (how much reading only the end saves).

Run: python benchmarks/subscription_windows.py [--small-mb 1] [--large-mb 100] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tokseg.providers import codex  # noqa: E402

LIMITS = {"limit_id": "codex", "primary": {"used_percent": 12.0, "window_minutes": 300, "resets_at": 1795359600},
          "secondary": {"used_percent": 41.0, "window_minutes": 10080, "resets_at": 1795856400}, "plan_type": "plus"}
TAIL_WITHOUT_LIMITS = 300 * 1024  # the last rate_limits sits this far before the end (rate_limits: null after it)


def rollout(path: Path, megabytes: float) -> None:
    item = json.dumps({"timestamp": "2026-11-22T09:00:00Z", "type": "response_item",
                       "payload": {"type": "function_call_output", "output": "x" * 1500}}) + "\n"
    counted = json.dumps({"timestamp": "2026-11-22T09:00:01Z", "type": "event_msg",
                          "payload": {"type": "token_count", "info": None, "rate_limits": LIMITS}}) + "\n"
    silent = json.dumps({"timestamp": "2026-11-22T09:00:02Z", "type": "event_msg",
                         "payload": {"type": "token_count", "info": None, "rate_limits": None}}) + "\n"
    target = int(megabytes * 1024 * 1024)
    with path.open("w", encoding="utf-8") as fh:
        written = 0
        while written < target - TAIL_WITHOUT_LIMITS:
            chunk = item * 8 + counted
            fh.write(chunk)
            written += len(chunk)
        while written < target:
            chunk = item * 8 + silent
            fh.write(chunk)
            written += len(chunk)


def full_scan(path: Path) -> dict | None:
    """What a reader without the tail trick does: parse every token_count line, keep the last rate_limits."""
    last = None
    with path.open("rb") as fh:
        for line in fh:
            if b'"token_count"' in line:
                limits = json.loads(line)["payload"].get("rate_limits")
                last = limits or last
    return last


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
        assert result, "no rate_limits found"
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-mb", type=float, default=1.0)
    parser.add_argument("--large-mb", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tokseg-bench-codex-"))
    try:
        results = {}
        for label, size in (("small", args.small_mb), ("large", args.large_mb)):
            sessions = folder / label / "sessions"
            day = sessions / "2026" / "11" / "22"
            day.mkdir(parents=True)
            rollout(day / "rollout-2026-11-22T09-00-00-bench.jsonl", size)
            results[label] = median_seconds(lambda s=sessions: codex.latest_rate_limits(str(s)), args.runs)
        large_file = next((folder / "large" / "sessions").rglob("*.jsonl"))
        scan = median_seconds(lambda: full_scan(large_file), max(3, args.runs // 5))
        print(f"tail read, {args.small_mb:g} MB log: {results['small'] * 1000:.2f} ms (median of {args.runs})")
        print(f"tail read, {args.large_mb:g} MB log: {results['large'] * 1000:.2f} ms")
        print(f"  large / small: {results['large'] / results['small']:.2f}x (target about 1x)")
        print(f"full read-and-parse of the {args.large_mb:g} MB log: {scan * 1000:.0f} ms")
        print(f"  full scan / tail read: {scan / results['large']:.0f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
