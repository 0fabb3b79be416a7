"""Budgets drive the budget state; crossings notify once, honour cooldown and quiet hours.

The refresher runs for real against the demo provider on a fixed clock: the
postpaid demo spends 1.35/h from midnight UTC, so a daily budget of 13.50
is 10% used per hour of the day. Alerts are delivered by a configured
command (a real process appending to a file) or a `notify-send` on PATH.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tokseg import budgets, config, refresh, safe_text, store
from tokseg.errors import ConfigError

MIDNIGHT = 1_800_000_000.0 - 1_800_000_000.0 % 86400  # UTC
HOUR = 3600.0
APPEND = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read())"


pytestmark = pytest.mark.usefixtures("utc")


def postpaid_config(config_file: Path, sink: Path, budget: str, alerts: str = "") -> None:
    command = json.dumps([sys.executable, "-c", APPEND, str(sink)])
    write_config(config_file, f"""
[accounts.api]
provider = "demo"
kind = "postpaid"

[budgets.api]
{budget}

[alerts]
command = {command}
{alerts}
""")


def run_at(*hours: float) -> None:
    for hour in hours:
        report = refresh.run(force=True, clock=lambda hour=hour: MIDNIGHT + hour * HOUR)
        assert not report.failed, report


def sent(sink: Path) -> list[str]:
    return sink.read_text().splitlines() if sink.exists() else []


def test_crossing_fires_once_not_once_per_refresh(config_file, tmp_path):
    sink = tmp_path / "alerts.txt"
    postpaid_config(config_file, sink, "daily = 13.5")
    run_at(6, 7)
    assert sent(sink) == []
    run_at(8.5, 8.6, 9, 9.5)
    assert sent(sink) == ["api: daily budget at 85% (11.47 of 13.50 USD)"]
    run_at(10.5, 11, 11.5)  # crit is a new crossing, then nothing more
    assert len(sent(sink)) == 2 and "daily budget at 105%" in sent(sink)[1]


def test_nothing_inside_quiet_hours_then_one_after(config_file, tmp_path):
    sink = tmp_path / "alerts.txt"
    postpaid_config(config_file, sink, "daily = 13.5\ncrit_pct = 500", 'quiet_hours = "08:00-10:00"')
    run_at(8.2, 8.5, 9, 9.9)
    assert sent(sink) == []
    run_at(10.1, 10.5, 11)
    assert sent(sink) == ["api: daily budget at 101% (13.63 of 13.50 USD)"]


def test_quiet_hours_span_midnight(config_file, tmp_path):
    sink = tmp_path / "alerts.txt"
    postpaid_config(config_file, sink, "daily = 1.0", 'quiet_hours = "22:00-02:00"')
    run_at(23.5)  # 23:30: 31.7 of 1.0
    assert sent(sink) == []
    run_at(24 + 1.5)  # 01:30 next day: still crit, still quiet
    assert sent(sink) == []
    run_at(24 + 2.1)
    assert len(sent(sink)) == 1


@pytest.mark.parametrize(("cooldown", "expected"), [(2 * 86400, 2), (3600, 3)])
def test_cooldown_holds_back_a_repeat_of_the_same_level(config_file, tmp_path, cooldown, expected):
    sink = tmp_path / "alerts.txt"
    postpaid_config(config_file, sink, "daily = 13.5", f"cooldown = {cooldown}")
    run_at(9)  # warn: sent
    run_at(24 + 1)  # next day, 10%: back to ok, re-armed
    run_at(24 + 9)  # warn again: a repeat within a 2-day cooldown is held back
    run_at(24 + 10.5)  # crit: higher than anything sent, always sent
    assert len(sent(sink)) == expected
    assert "105%" in sent(sink)[-1]


def test_per_account_switch_silences_only_that_account(config_file, tmp_path):
    sink = tmp_path / "alerts.txt"
    postpaid_config(config_file, sink, "daily = 13.5\nalerts = false")
    run_at(9, 11)
    assert sent(sink) == []
    snap = json.loads(store.snapshot_path().read_text())
    assert snap["accounts"]["api"]["budget_state"] == "crit"  # the state still shows


def test_message_as_argument_and_notify_send_fallback(config_file, tmp_path, monkeypatch):
    sink = tmp_path / "alerts.txt"
    command = json.dumps([sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '|' + "
                          "sys.argv[3] + chr(10))", str(sink), "{title}", "{message}"])
    write_config(config_file, f'[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n[budgets.api]\ndaily = 13.5\n'
                              f'[alerts]\ncommand = {command}\n')
    run_at(9)
    assert sent(sink) == ["tokseg warning|api: daily budget at 90% (12.15 of 13.50 USD)"]

    bindir = tmp_path / "bin"
    bindir.mkdir()
    notifier = bindir / "notify-send"
    notifier.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {tmp_path / 'notified.txt'}\n")
    notifier.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    write_config(config_file, '[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n[budgets.api]\ndaily = 13.5\n')
    run_at(24 + 10.5)
    args = (tmp_path / "notified.txt").read_text().splitlines()
    assert args[:4] == ["--app-name=tokseg", "--urgency=critical", "--", "tokseg critical"]
    assert args[4].startswith("api: daily budget at 105% (14.1") and len(args) == 5


def test_hostile_text_reaches_no_notifier_raw(config_file, tmp_path, monkeypatch, refresher_log):
    """A currency (from the config or a provider) with a terminal escape, a bidi override and a line
    break reaches the custom command, notify-send and the log as one visible line."""
    hostile = "\\u001b]52;c;aGk=\\u0007\\u202eX\\nY"  # TOML escapes: OSC 52, BEL, RLO, newline
    sink = tmp_path / "alerts.txt"
    command = json.dumps([sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(repr(sys.argv[2:]) + "
                          "chr(10))", str(sink), "{title}", "{message}", "{message}{title}"])
    body = (f'[accounts.api]\nprovider = "demo"\nkind = "postpaid"\ncurrency = "{hostile}"\n'
            f'[budgets.api]\ndaily = 13.5\n')
    write_config(config_file, body + f'[alerts]\ncommand = {command}\n')
    run_at(9)
    argv = eval(sent(sink)[0])  # repr of a list of str, written by the command itself
    assert argv[0] == "tokseg warning" and argv[2] == argv[1] + "tokseg warning", argv
    assert "\\x1b]52;c;aGk=\\x07\\u202eX Y" in argv[1], argv
    assert not any(safe_text.UNSAFE.search(a) for a in argv), argv

    bindir = tmp_path / "bin"
    bindir.mkdir()
    notified = tmp_path / "notified.txt"
    (bindir / "notify-send").write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {notified}\n")
    (bindir / "notify-send").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    write_config(config_file, body)
    run_at(24 + 10.5)
    raw = notified.read_bytes()
    assert b"\x1b" not in raw and b"\x07" not in raw and "\u202e".encode() not in raw, raw
    assert len(raw.decode().splitlines()) == 5  # the newline in the currency did not split the message
    log = refresher_log.text
    assert "\x1b" not in log and "\u202e" not in log and "\\x1b]52" in log


def test_total_budget_state_and_alert(config_file, tmp_path):
    sink = tmp_path / "alerts.txt"
    command = json.dumps([sys.executable, "-c", APPEND, str(sink)])
    write_config(config_file, f"""
[accounts.a]
provider = "demo"
kind = "postpaid"
[accounts.b]
provider = "demo"
kind = "postpaid"
[budgets]
daily = 27.0
[alerts]
command = {command}
""")
    run_at(5)
    assert json.loads(store.snapshot_path().read_text())["budget"]["state"] == "ok"
    run_at(9)  # 2 x 12.15 = 24.30 of 27: 90%
    snap = json.loads(store.snapshot_path().read_text())
    assert snap["budget"]["state"] == "warn"
    assert snap["budget"]["checks"][0]["used"] == pytest.approx(24.3)
    assert sent(sink) == ["all accounts: daily budget at 90% (24.30 of 27.00 USD)"]
    doc = json.loads(run_tokseg("--json").stdout)
    assert doc["budget"]["state"] == "warn"
    assert run_tokseg("--template", "{total.budget}").stdout.strip() == "warn"


def test_budget_state_reaches_snapshot_json_and_template(config_file, tmp_path):
    postpaid_config(config_file, tmp_path / "alerts.txt", "daily = 13.5\nmonthly = 10000")
    run_at(9)
    entry = json.loads(store.snapshot_path().read_text())["accounts"]["api"]
    assert entry["budget_state"] == "warn"
    assert [c["rule"] for c in entry["budget"]] == ["daily", "monthly"]
    doc = json.loads(run_tokseg("--json").stdout)
    assert doc["accounts"][0]["budget_state"] == "warn"
    assert doc["accounts"][0]["budget"][0]["pct"] == pytest.approx(90.0)
    assert run_tokseg("--template", "{api.budget}").stdout.strip() == "warn"


def test_prepaid_budget_from_balance_drain_in_history(config_file, tmp_path):
    # No reported weekly spend: the week's use is the balance's drain in history (0.9/h);
    # the demo tops up at 03:00, which is not use.
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[budgets.credits]\nweekly = 2.0\n')
    start = MIDNIGHT + 2 * HOUR
    for i in range(4):
        refresh.run(force=True, clock=lambda i=i: start + i * HOUR)
    entry = json.loads(store.snapshot_path().read_text())["accounts"]["credits"]
    weekly = next(c for c in entry["budget"] if c["rule"] == "weekly")
    assert weekly["used"] == pytest.approx(1.8, rel=0.01)  # 02-03 and 04-05; 03-04 spans the top-up
    assert entry["budget_state"] == "warn"


def test_low_balance_and_window_checks():
    limits = budgets.Limits(low_balance=5.0, critical_balance=1.0, window_warn_pct=80, window_crit_pct=95)
    reading = {"balance": [{"amount": 4.0, "currency": "EUR"}],
               "windows": [{"name": "5h", "used_pct": 96.0}, {"name": "7d", "used_pct": 10.0}]}
    checks = {c["rule"]: c["state"] for c in budgets.account_checks(limits, reading, {})}
    assert checks == {"balance": "warn", "window.5h": "crit", "window.7d": "ok"}
    reading["balance"][0]["amount"] = 0.5
    assert budgets.account_checks(limits, reading, {})[0]["state"] == "crit"
    assert budgets.worst([]) == "ok"


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ('[budgets.nobody]\ndaily = 1\n', 3, "[budgets.nobody]: no account named 'nobody'"),
    ('[budgets.api]\nwarn_pct = 90\ncrit_pct = 80\n', 4, "[budgets.api] warn_pct: must not exceed crit_pct (80)"),
    ('[budgets]\ndaily = -1\n', 4, "[budgets] daily: must be greater than 0"),
    ('[budgets]\nlow_balance = 3\n', 4, "[budgets] low_balance: unknown budget key; known:"),
    ('[budgets]\ncurrency = "dollars"\n', 4, "[budgets] currency: must be a 3-letter currency code"),
    ('[budgets.api]\ndaily = "ten"\n', 4, '[budgets.api] daily: must be a number, not "ten"'),
    ('[budgets.api]\nlow_balance = 1\ncritical_balance = 2\n', 5, "critical_balance: must not exceed low_balance"),
    ('[budgets.api]\nwindow_crit_pct = 150\n', 4, "window_crit_pct: is a used percentage"),
    ('[alerts]\nquiet_hours = "late"\n', 4, "[alerts] quiet_hours: must look like \"22:00-07:00\""),
    ('[alerts]\ncommand = "notify-send"\n', 4, "[alerts] command: must be a list"),
    ('[alerts]\ncommand = []\n', 4, "[alerts] command: must be a non-empty list of strings"),
    ('[alerts]\nsound = true\n', 4, "[alerts] sound: unknown alerts key"),
    ('[settings]\nhistory_days = 0\n', 4, "[settings] history_days: must be greater than 0"),
    ('[settings]\nprometheus_file = "out/tokseg.prom"\n', 4, "[settings] prometheus_file: must be an absolute path"),
    ('[settings]\nprometheus_file = "/tmp/tokseg.txt"\n', 4, "ending in .prom"),
])
def test_config_errors_name_file_line_key_and_fix(tmp_path, text, line, fragment):
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        config.parse('[accounts.api]\nprovider = "demo"\n' + text, path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert fragment in str(caught.value)


def test_valid_budget_config_parses_with_inherited_percentages(tmp_path):
    cfg = config.parse('[accounts.api]\nprovider = "demo"\n[budgets]\nmonthly = 100\nwarn_pct = 70\ncurrency = "EUR"\n'
                       '[budgets.api]\ndaily = 5\n[alerts]\nquiet_hours = "22:30-07:15"\ncooldown = 60\n',
                       tmp_path / "c.toml")
    assert cfg.budgets.total.monthly == 100.0 and cfg.budgets.currency == "EUR"
    assert cfg.budgets.accounts["api"] == budgets.Limits(daily=5.0, warn_pct=70.0)
    assert cfg.alerts.quiet_hours == (22 * 60 + 30, 7 * 60 + 15) and cfg.alerts.cooldown == 60.0


def test_failing_notifier_is_logged_and_not_retried_every_refresh(config_file, tmp_path, refresher_log):
    marker = tmp_path / "tries.txt"
    command = json.dumps([sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write('x'); sys.exit(3)",
                          str(marker)])
    write_config(config_file, f'[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n[budgets.api]\ndaily = 13.5\n'
                              f'[alerts]\ncommand = {command}\n')
    run_at(9, 9.5, 9.8)
    assert marker.read_text() == "x"
    assert "alert not delivered (CalledProcessError" in refresher_log.text
    write_config(config_file, '[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n[budgets.api]\ndaily = 13.5\n'
                              '[alerts]\ncommand = ["/nonexistent/notifier"]\n')
    run_at(10.5)
    assert "alert not delivered (FileNotFoundError" in refresher_log.text
