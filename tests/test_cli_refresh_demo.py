"""The foreground refresh table and exit code, and the keyless demo."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from tests.conftest import run_tokseg, write_config


def test_foreground_refresh_prints_a_table_and_fails_when_an_account_fails(config_file):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.dead]\nprovider = "demo"\nkind = "revoked"\n')
    done = run_tokseg("refresh")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert re.match(r"^ok\s+credits\s+\$\d+\.\d\d\s+\(\d+\.\ds\)$", lines[0]), lines
    assert re.match(r"^auth\s+dead\s+demo: the key was refused", lines[1]), lines
    assert "Traceback" not in done.stderr


def test_refresh_of_named_account_and_quiet(config_file):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.dead]\nprovider = "demo"\nkind = "revoked"\n')
    done = run_tokseg("refresh", "--quiet", "credits")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    unknown = run_tokseg("refresh", "nope")
    assert unknown.returncode == 2  # a usage error of this command (see test_usage_errors.py)
    assert "no account named 'nope'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_demo_shows_a_live_segment_without_keys(tmp_path):
    done = run_tokseg("demo", "--seconds", "4", "--home", str(tmp_path / "demo"), timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("demo home: ")
    segments = [line for line in lines[1:] if "credits $" in line]
    assert segments, lines
    assert all(part in segments[-1] for part in ("claude 5h ", "% ↻", "api $", "/d", "flaky "))


def test_demo_runs_until_ctrl_c_explains_the_marks_and_cleans_up(tmp_path):
    """No --seconds: it runs until SIGINT, then exits 0 without a traceback and removes its own home."""
    proc = subprocess.Popen([sys.executable, "-m", "tokseg", "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        header = [proc.stdout.readline(), proc.stdout.readline(), proc.stdout.readline()]
        time.sleep(2)
        assert proc.poll() is None  # still running: no silent stop
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert header[0].startswith("demo home: ") and "removed when the demo ends" in header[0]
    legend = header[1]
    assert legend.startswith("legend: ") and all(mark in legend for mark in ("↻", "~ stale", "!auth", "*", "Ctrl-C"))
    assert "credits $" in header[2] + out
    assert not list(tmp_path.glob("tokseg-demo-*"))  # the folder the hint named is gone, as it said
def seeded(*args: str) -> list[str]:
    done = run_tokseg("demo", "--frames", "3", *args, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("legend: ") and len(lines) == 5, lines
    return lines[2:]


def test_the_same_seed_prints_the_same_figures_and_another_seed_others():
    first = seeded("--seed", "3", "--preset", "heavy")
    assert first == seeded("--seed", "3", "--preset", "heavy")
    assert first != seeded("--seed", "4", "--preset", "heavy")
    assert all("dead !auth" in line and "credits $" in line for line in first), first
    light = seeded("--seed", "3")
    assert light[0].split("  ")[0] == first[0].split("  ")[0]  # the same demo clock
    assert not any("dead" in line for line in light), light


def test_the_demo_shows_a_coding_plan_and_a_session_balance_that_expires():
    """The shapes of the second-wave providers, with no keys: per-model plan windows and a web session."""
    import pytest

    from tokseg.errors import AuthError
    from tokseg.providers import demo
    from tokseg.providers._base import Ctx

    def fetch(kind: str, now: float):
        return demo.fetch(Ctx(account="d", options=demo.Options(kind=kind, speed=60), secret=None, http=None,
                              now=lambda: now))

    plan = fetch("coding_plan", 1_767_225_600.0)
    assert [w.name for w in plan.windows] == ["m2", "m2.week"] and plan.headline.kind == "window"
    assert plan.headline.key == max(plan.windows, key=lambda w: w.used_pct).name
    assert all(0 <= w.used_pct <= 100 and w.resets_at > 1_767_225_600 for w in plan.windows)
    live = fetch("session", 5 * demo.SESSION_SLOT_S - 1.0)
    assert live.balance and live.balance[0].amount > 0
    with pytest.raises(AuthError, match="--reconnect"):
        fetch("session", 5 * demo.SESSION_SLOT_S + 1.0)
    lines = seeded("--seed", "1")
    assert all("plan m2" in line and "web " in line for line in lines), lines
