"""The foreground refresh table and exit code, and the keyless demo."""

from __future__ import annotations

import re

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
