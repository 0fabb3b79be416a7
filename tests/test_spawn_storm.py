"""Many status bars seeing the same stale snapshot start exactly one refresher."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import age, load, refresher_log


def test_fifty_concurrent_stale_calls_start_one_refresher(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\ninterval = 60\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    (home / "cache" / "refresher.log").unlink()
    before = age(home, 600)["accounts"]["credits"]["fetched_at"]

    callers = [subprocess.Popen([sys.executable, "-m", "tokseg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(50)]
    outputs = [caller.communicate(timeout=60) for caller in callers]

    assert all(caller.returncode == 0 for caller in callers)
    assert all(err == "" for _, err in outputs)
    # Every caller printed the cached figure at once, marked stale or already refreshed.
    assert all(out.startswith("credits $") for out, _ in outputs), outputs[:3]
    assert any(out.strip().endswith("~") for out, _ in outputs)
    wait_for(lambda: load(home)["accounts"]["credits"]["fetched_at"] > before + 300)
    wait_for(lambda: any("run: fetched" in line for line in refresher_log(home)))
    starts = [line for line in refresher_log(home) if " start: " in line]
    assert len(starts) == 1, refresher_log(home)
    assert run_tokseg().stdout.strip().endswith("~") is False
