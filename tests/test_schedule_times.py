"""Server-provided delays are capped and clock jumps cannot freeze an account (issue 10, classes 2 and 7).

A Retry-After of `1e400`, `nan`, a negative number or a date decades ahead, and
a snapshot whose times lie in the future (a clock set back, a restored backup),
all driven through the real CLI against the fake server.
"""

from __future__ import annotations

import json
import math
import time
from email.utils import formatdate

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.fakeserver import start_fake_server
from tokseg import backoff, defaults, push, store
from tokseg.errors import BadResponse
from tokseg.providers import groq

KEY = "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"
DAY = 86400.0
YEAR_2099 = formatdate(4070908800.0, usegmt=True)  # Thu, 01 Jan 2099 00:00:00 GMT


@pytest.fixture(scope="module")
def server():
    with start_fake_server() as fake:
        yield fake


@pytest.fixture
def openrouter(server, config_file):
    """One openrouter account against the fake server; returns the env its key lives in."""
    server.clear_faults()
    write_config(config_file, f'[accounts.or]\nprovider = "openrouter"\nkey_env = "OR_KEY"\n'
                              f'base_url = "{server.url}/openrouter/api/v1"\n')
    return {"OR_KEY": KEY}


def snapshot_text() -> str:
    return store.snapshot_path().read_text(encoding="utf-8")


def entry() -> dict:
    return json.loads(snapshot_text())["accounts"]["or"]


@pytest.mark.parametrize("header, low, high", [
    ("1e400", 50.0, 70.0),          # not a finite number: ignored, the normal backoff applies
    ("nan", 50.0, 70.0),
    ("inf", 50.0, 70.0),
    ("-600", 50.0, 70.0),           # in the past: no wait beyond the backoff
    (YEAR_2099, DAY - 5, DAY + 5),  # 73 years ahead: capped at a day
    ("99999999999", DAY - 5, DAY + 5),
])
def test_retry_after_is_finite_and_capped(server, openrouter, header, low, high):
    server.fault("*", "429", retry_after=header)
    started = time.time()
    done = run_tokseg("refresh", env=openrouter)
    assert "Traceback" not in done.stderr + done.stdout
    text = snapshot_text()
    assert "Infinity" not in text and "NaN" not in text
    got = entry()
    assert got["error"]["kind"] == "rate_limited"
    assert low <= got["next_due"] - started <= high + (time.time() - started)
    doctor = run_tokseg("doctor", env=openrouter)
    assert "Traceback" not in doctor.stderr + doctor.stdout
    assert "OverflowError" not in doctor.stderr


def test_a_past_http_date_means_no_extra_wait():
    now = 1445412480.0
    assert backoff.parse_retry_after(formatdate(now - 3600, usegmt=True), now) == 0.0


@pytest.mark.parametrize("retry_after", [math.inf, -math.inf, math.nan, 1e300])
def test_backoff_never_schedules_beyond_the_cap(retry_after):
    due = backoff.after_failure(1000.0, 300, 1, retry_after=retry_after)
    assert math.isfinite(due) and 1000.0 < due <= 1000.0 + DAY


@pytest.mark.parametrize("interval", [math.inf, math.nan, -5.0, 0.0])
def test_a_non_finite_interval_gives_the_default_schedule(interval):
    assert backoff.after_success(0.0, interval) == defaults.INTERVAL_S
    assert math.isfinite(backoff.after_failure(0.0, interval, 10**6))


def test_non_finite_numbers_are_written_as_null_not_as_invalid_json(home):
    store.update(lambda snap: snap.setdefault("budget", {"weird": [math.inf, {"x": math.nan}]}))  # type: ignore[typeddict-item]
    text = snapshot_text()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)["budget"] == {"weird": [None, {"x": None}]}


def move_into_future(fetched_at: float | None, next_due: float | None) -> None:
    def mutate(snap):
        snap["accounts"]["or"].update({"fetched_at": fetched_at, "next_due": next_due, "last_attempt": fetched_at})
    store.update(mutate)


def test_next_due_years_ahead_is_due_now(server, openrouter):
    assert run_tokseg("refresh", env=openrouter).returncode == 0
    calls = len(server.calls("/openrouter/api/v1/key"))
    assert run_tokseg("refresh", "--detached", env=openrouter).returncode == 0
    assert len(server.calls("/openrouter/api/v1/key")) == calls  # a legal schedule is kept: not due yet
    move_into_future(time.time(), time.time() + 10 * 365 * DAY)
    assert run_tokseg("refresh", "--detached", env=openrouter).returncode == 0
    assert len(server.calls("/openrouter/api/v1/key")) == calls + 1  # fetched, not skipped as "not due"
    assert entry()["next_due"] <= time.time() + defaults.INTERVAL_S + 1


def test_a_fetch_time_in_the_future_is_stale_of_unknown_age_and_refreshed(server, openrouter):
    assert run_tokseg("refresh", env=openrouter).returncode == 0
    ahead = time.time() + 365 * DAY
    move_into_future(ahead, ahead + 300)  # next_due is legal relative to the bogus fetch, not to now
    shown = run_tokseg("--json", env=openrouter)
    account = json.loads(shown.stdout)["accounts"][0]
    assert account["stale"] is True and account["age_s"] is None
    # The segment call saw it as due and started a refresher, which fetches the figures again.
    wait_for(lambda: (entry().get("fetched_at") or ahead) <= time.time())
    assert entry()["next_due"] <= time.time() + defaults.INTERVAL_S + 1


def test_a_small_clock_skew_is_tolerated(server, openrouter):
    assert run_tokseg("refresh", env=openrouter).returncode == 0
    move_into_future(time.time() + 5, time.time() + 200)
    account = json.loads(run_tokseg("--json", env=openrouter).stdout)["accounts"][0]
    assert account["stale"] is False and account["age_s"] == 0.0


def test_a_parked_account_with_a_future_fetch_time_settles(server, openrouter):
    """A parked (auth-failed) account is not fetched again and again: the refresher forgets the bogus time."""
    server.fault("*", "401")
    run_tokseg("refresh", env=openrouter)
    assert entry()["status"] == "parked"
    store.update(lambda snap: snap["accounts"]["or"].update({"fetched_at": time.time() + 365 * DAY}))
    calls = len(server.calls("/openrouter/api/v1/key"))
    run_tokseg("refresh", "--detached", env=openrouter)
    assert entry()["fetched_at"] is None
    run_tokseg("refresh", "--detached", env=openrouter)
    assert len(server.calls("/openrouter/api/v1/key")) == calls


def test_doctor_reads_a_snapshot_with_an_infinite_next_due(server, openrouter):
    """A snapshot written by an older version (`next_due: Infinity`) is reported, not a traceback."""
    server.fault("*", "429", retry_after="7")
    run_tokseg("refresh", env=openrouter)
    snap = json.loads(snapshot_text())
    snap["accounts"]["or"]["next_due"] = math.inf
    store.snapshot_path().write_text(json.dumps(snap), encoding="utf-8")
    done = run_tokseg("doctor", env=openrouter)
    assert "Traceback" not in done.stderr + done.stdout and "OverflowError" not in done.stderr
    assert "slow down: wait until the next refresh" in done.stdout


@pytest.mark.parametrize("next_due", [math.inf, math.nan, 1000.0 + 50 * 365 * DAY])
def test_a_prompt_is_not_told_to_wait_for_an_impossible_schedule(next_due):
    snap = {"accounts": {"a": {"next_due": next_due, "interval": 300.0}, "b": {"next_due": 5000.0}}}
    assert push.next_refresh(snap, 1000.0) == 1001  # type: ignore[arg-type]


@pytest.mark.parametrize("header", ["9" * 400 + "s", "9000000h"])
def test_a_rate_limit_reset_beyond_a_year_is_a_bad_response(header):
    with pytest.raises(BadResponse, match="further ahead than 366 days"):
        groq.parse_duration(header, "x-ratelimit-reset-tokens")


def test_an_infinite_failure_count_restarts_the_backoff(server, openrouter):
    server.fault("*", "429", retry_after="7")
    run_tokseg("refresh", env=openrouter)
    snap = json.loads(snapshot_text())
    snap["accounts"]["or"]["failures"] = math.inf
    store.snapshot_path().write_text(json.dumps(snap), encoding="utf-8")
    done = run_tokseg("refresh", env=openrouter)
    assert "Traceback" not in done.stderr
    assert entry()["failures"] == 1
