"""Window alerts through the real CLI: `tokseg refresh` against the fake Codex usage endpoint, whose
figures the test moves between refreshes; a notifier command records each argv it is given."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, Request
from tests.providers.test_codex import auth
from tokseg import config, window_alerts
from tokseg.errors import ConfigError

RECORD = "import json, sys; open(sys.argv[1], 'a').write(json.dumps(sys.argv[2:]) + chr(10))"
HOUR = 3600.0


class Codex:
    """The fake's wham/usage answer, built from figures a test changes between refreshes."""

    def __init__(self, fake: FakeServer) -> None:
        now = time.time()
        self.windows: dict[str, list[float]] = {"5h": [12.0, now + 2 * HOUR], "7d": [41.0, now + 3 * 86400]}
        fake.route("GET", "/codex/backend-api/wham/usage", self.answer)

    def set(self, name: str, used: float, resets_at: float | None = None) -> None:
        self.windows[name] = [used, self.windows[name][1] if resets_at is None else resets_at]

    def answer(self, request: Request) -> Any:
        def slot(name: str, seconds: int) -> dict:
            used, resets_at = self.windows[name]
            return {"used_percent": used, "limit_window_seconds": seconds, "reset_at": resets_at}
        return {"plan_type": "plus", "rate_limit": {"allowed": True, "limit_reached": False,
                                                    "primary_window": slot("5h", 18000),
                                                    "secondary_window": slot("7d", 604800)}}


@pytest.fixture
def codex(fake: FakeServer) -> Codex:
    return Codex(fake)


@pytest.fixture
def sink(tmp_path: Path) -> Path:
    return tmp_path / "alerts.jsonl"


def configure(config_file: Path, fake: FakeServer, tmp_path: Path, sink: Path, alerts: str = "",
              account: str = "", budget: str = "") -> None:
    home = tmp_path / "codex-home"
    auth(home)
    command = json.dumps([sys.executable, "-c", RECORD, str(sink), "{title}", "{message}"])
    write_config(config_file, f"""
[accounts.codex]
provider = "codex"
base_url = "{fake.url}/codex/backend-api"
codex_home = "{home}"
source = "api"
{account}

[alerts]
command = {command}
{alerts}
{budget}
""")


def refresh() -> None:
    done = run_tokseg("refresh", env={"TZ": "UTC"})
    assert done.returncode == 0, done.stdout + done.stderr


def sent(sink: Path) -> list[list[str]]:
    return [json.loads(line) for line in sink.read_text().splitlines()] if sink.exists() else []


def quiet_around_now(inside: bool) -> str:
    """A quiet_hours value (UTC) that holds the current minute, or one that is twelve hours away."""
    minute = int(time.time() // 60) % 1440 + (0 if inside else 720)
    start, end = (minute - 60) % 1440, (minute + 60) % 1440
    return f'quiet_hours = "{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"'


def test_warn_fires_once_then_crit_then_rearmed_after_falling(fake, codex, config_file, tmp_path, sink):
    configure(config_file, fake, tmp_path, sink)
    refresh()
    assert sent(sink) == []  # 12 % and 41 %: below the default 80 / 95
    codex.set("7d", 82.0)
    refresh()
    assert sent(sink) == [["tokseg warning", "codex 7d window at 82% (warn)"]]
    codex.set("7d", 84.0)
    refresh()
    assert len(sent(sink)) == 1  # still warn: the same crossing
    codex.set("7d", 96.4)
    refresh()
    assert sent(sink)[1:] == [["tokseg critical", "codex 7d window at 96% (crit)"]]
    refresh()
    assert len(sent(sink)) == 2


def test_reset_fires_once_and_jitter_is_no_reset(fake, codex, config_file, tmp_path, sink):
    configure(config_file, fake, tmp_path, sink)
    due = time.time() + 1.0
    codex.set("5h", 60.0, due)
    refresh()
    time.sleep(max(0.0, due + 0.3 - time.time()))  # the announced reset time has come
    codex.set("5h", 59.0, due + 4)  # the same reset time give or take seconds: not a reset
    refresh()
    assert sent(sink) == []
    codex.set("5h", 0.0, time.time() + 5 * HOUR)
    refresh()
    assert sent(sink) == [["tokseg reset", "codex 5h window reset: 0% used"]]
    codex.set("5h", 3.0)
    refresh()
    refresh()
    assert len(sent(sink)) == 1


def test_a_reset_time_moved_while_still_ahead_is_no_reset(fake, codex, config_file, tmp_path, sink):
    configure(config_file, fake, tmp_path, sink)
    codex.set("5h", 60.0, time.time() + HOUR)
    refresh()
    codex.set("5h", 30.0, time.time() + 4 * HOUR)  # the provider changed its mind an hour early
    refresh()
    assert sent(sink) == []


def test_quiet_hours_hold_a_crossing_and_a_reset_until_they_end(fake, codex, config_file, tmp_path, sink):
    configure(config_file, fake, tmp_path, sink, alerts=quiet_around_now(inside=True))
    due = time.time() + 1.0
    codex.set("5h", 70.0, due)
    refresh()
    time.sleep(max(0.0, due + 0.3 - time.time()))
    codex.set("5h", 0.0, time.time() + 5 * HOUR)
    codex.set("7d", 88.0)
    refresh()
    refresh()
    assert sent(sink) == []
    configure(config_file, fake, tmp_path, sink, alerts=quiet_around_now(inside=False))
    refresh()
    assert sorted(map(tuple, sent(sink))) == [("tokseg reset", "codex 5h window reset: 0% used"),
                                              ("tokseg warning", "codex 7d window at 88% (warn)")]
    refresh()
    assert len(sent(sink)) == 2


@pytest.mark.parametrize(("cooldown", "expected"), [(86400, 3), (0, 5)])
def test_cooldown_holds_back_repeats_of_a_crossing_and_of_a_reset(fake, codex, config_file, tmp_path, sink,
                                                                 cooldown, expected):
    configure(config_file, fake, tmp_path, sink, alerts=f"cooldown = {cooldown}")
    codex.set("7d", 82.0)
    refresh()  # warn: sent
    codex.set("7d", 50.0)
    refresh()  # below: re-armed
    codex.set("7d", 83.0)
    refresh()  # warn again: held back within a day's cooldown
    codex.set("7d", 97.0)
    refresh()  # crit: above anything sent, always sent
    for _ in range(2):  # two resets of the 5h window
        due = time.time() + 1.0
        codex.set("5h", 40.0, due)
        refresh()
        time.sleep(max(0.0, due + 0.3 - time.time()))
        codex.set("5h", 0.0, time.time() + 5 * HOUR)
        refresh()
    messages = [m for _, m in sent(sink)]
    assert len(messages) == expected, messages
    assert messages.count("codex 5h window reset: 0% used") == (1 if cooldown else 2)
    assert "codex 7d window at 97% (crit)" in messages


def test_label_budget_thresholds_and_switches(fake, codex, config_file, tmp_path, sink):
    # [budgets.codex] window_warn_pct wins over the account's warn_pct, and its budget check of the
    # window is the same alert, not a second one; the message names the account's label.
    configure(config_file, fake, tmp_path, sink, account='label = "Work Codex"\nwarn_pct = 30',
              budget="[budgets.codex]\nwindow_warn_pct = 50")
    refresh()
    assert sent(sink) == []  # 41 % is past warn_pct 30, not window_warn_pct 50
    codex.set("7d", 60.0)
    refresh()
    assert sent(sink) == [["tokseg warning", "Work Codex 7d window at 60% (warn)"]]
    snap = json.loads(run_tokseg("--json").stdout)
    assert snap["accounts"][0]["budget_state"] == "warn"  # the budget check still colours the account

    configure(config_file, fake, tmp_path, sink, alerts="windows = false\nresets = false")
    codex.set("7d", 99.0)
    due = time.time() + 1.0
    codex.set("5h", 50.0, due)
    refresh()
    time.sleep(max(0.0, due + 0.3 - time.time()))
    codex.set("5h", 0.0, time.time() + 5 * HOUR)
    refresh()
    configure(config_file, fake, tmp_path, sink, budget="[budgets.codex]\nalerts = false")
    codex.set("5h", 20.0, time.time() + HOUR)
    refresh()
    assert len(sent(sink)) == 1


def test_switch_must_be_true_or_false(tmp_path):
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        config.parse('[accounts.api]\nprovider = "demo"\n[alerts]\nresets = "yes"\n', path)
    assert str(caught.value).startswith(f"{path}:4: [alerts] resets: must be"), str(caught.value)
    assert "\n" not in str(caught.value)


T = 1_800_000_000.0
LENGTH = 5 * HOUR


@pytest.mark.parametrize(("last", "now", "used", "resets_at", "expected"), [
    ((60.0, T), T + 60, 0.0, T + LENGTH, True),  # rolled over: new reset time, use fell
    ((60.0, T), T + 60, 55.0, None, False),  # no new reset time, fell 5 points only
    ((60.0, T), T + 60, 40.0, None, True),  # idle window: no reset time, use fell 20 points
    ((60.0, T), T + 60, 59.0, T + 4, False),  # the reset time jitters by seconds
    ((60.0, T), T - 3600, 10.0, T + LENGTH, False),  # moved while an hour ahead: not come yet
    ((60.0, T), T - 60, 0.0, T + LENGTH, True),  # a minute early: within the tolerance
    ((0.0, T), T + 60, 0.0, T + LENGTH, False),  # no use in the old period: not news
    ((5.0, T), T + 60, 7.0, T + LENGTH, False),  # use rose: the crossing alerts say it
    ((60.0, None), T + 60, 0.0, T + LENGTH, False),  # the old reading named no reset time
])
def test_what_a_reset_is(last, now, used, resets_at, expected):
    window = {"name": "5h", "used_pct": used, "resets_at": resets_at, "length_s": LENGTH}
    seen = window_alerts.Seen(resets_at=last[1], used_pct=last[0])
    assert window_alerts.has_reset(seen, window, now) is expected


def test_tolerance_is_shorter_for_short_windows():
    assert window_alerts.tolerance({"name": "m", "used_pct": 0.0, "resets_at": None, "length_s": 600.0}) == 150.0
    assert window_alerts.tolerance({"name": "m", "used_pct": 0.0, "resets_at": None}) == window_alerts.JITTER_S


def test_the_demo_sends_no_notifications(tmp_path):
    """Its windows fill and reset every few minutes (speed 60 and 600): a desktop would fill with them."""
    from tokseg.cli import demo

    for preset in demo.PRESETS:
        cfg = config.parse(demo.demo_config(preset, 5), tmp_path / "config.toml")
        assert cfg.alerts.enabled is False, preset
