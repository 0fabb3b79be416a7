"""The refresher's schedule: intervals, backoff, Retry-After, parked auth errors, the run deadline."""

from __future__ import annotations

import random

import pytest

from tests.conftest import write_config
from tests.snapshots import load
from tokseg import backoff, refresh
from tokseg.render import view as views

FLAKY_OK, FLAKY_OUTAGE, FLAKY_429 = 1_000_000.0, 1_000_040.0, 1_000_060.0  # the demo's ok, outage, 429 slots


def clock(at: float):
    return lambda: at


def test_success_schedules_next_due_one_interval_later(config_file, home):
    write_config(config_file, '[accounts.f]\nprovider = "demo"\nkind = "flaky"\ninterval = 120\n')
    report = refresh.run(clock=clock(FLAKY_OK))
    assert [o.ok for o in report.outcomes] == [True]
    entry = load(home)["accounts"]["f"]
    assert entry["status"] == "ok" and entry["next_due"] == FLAKY_OK + 120 and entry["fetched_at"] == FLAKY_OK

    # Not due yet: a second run fetches nothing.
    assert refresh.run(clock=clock(FLAKY_OK + 60)).outcomes == []


def test_failure_keeps_last_reading_marks_it_stale_and_backs_off(config_file, home):
    write_config(config_file, '[accounts.f]\nprovider = "demo"\nkind = "flaky"\ninterval = 120\n')
    refresh.run(clock=clock(FLAKY_OK))
    good = load(home)["accounts"]["f"]["reading"]

    report = refresh.run(force=True, clock=clock(FLAKY_OUTAGE))

    assert report.outcomes[0].error_kind == "server" and report.failed
    entry = load(home)["accounts"]["f"]
    assert entry["reading"] == good and entry["fetched_at"] == FLAKY_OK
    assert entry["status"] == "error" and entry["failures"] == 1
    assert entry["error"]["kind"] == "server" and "HTTP 503" in entry["error"]["message"]
    assert FLAKY_OUTAGE + 54 <= entry["next_due"] <= FLAKY_OUTAGE + 66  # first retry: a minute, ±10%
    item = views.build(load(home), FLAKY_OUTAGE)["accounts"][0]
    assert item["stale"] and views.segment(item).endswith("~")


def test_rate_limit_records_retry_after(config_file, home):
    write_config(config_file, '[accounts.f]\nprovider = "demo"\nkind = "flaky"\n')
    report = refresh.run(clock=clock(FLAKY_429))
    assert report.outcomes[0].error_kind == "rate_limited"
    assert report.outcomes[0].retry_after == 20


@pytest.mark.parametrize("failures, low, high", [(1, 54, 66), (2, 108, 132), (3, 216, 264), (12, 3240, 3960)])
def test_backoff_doubles_and_caps(failures, low, high):
    rng = random.Random(7)
    for _ in range(20):
        delay = backoff.after_failure(0.0, 300, failures, rng=rng)
        assert low <= delay <= high


def test_retry_after_wins_over_a_shorter_backoff():
    assert backoff.after_failure(0.0, 300, 1, retry_after=900) == 900


@pytest.mark.parametrize("value, expected", [("7", 7.0), ("0", 0.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
                                             ("soon", None), (None, None), ("-5", 0.0)])
def test_parse_retry_after(value, expected):
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert backoff.parse_retry_after(value, now) == expected


def test_auth_error_is_parked_until_config_changes(config_file, home):
    write_config(config_file, '[accounts.dead]\nprovider = "demo"\nkind = "revoked"\n')
    report = refresh.run()
    assert report.outcomes[0].error_kind == "auth"
    entry = load(home)["accounts"]["dead"]
    assert entry["status"] == "parked" and entry["next_due"] is None and entry["park_key"]

    assert refresh.run().outcomes == []  # parked: not retried on schedule
    assert refresh.run(clock=clock(4e9)).outcomes == []  # not even much later

    write_config(config_file, '[accounts.dead]\nprovider = "demo"\nkind = "revoked"\nlabel = "renamed"\n')
    assert [o.account for o in refresh.run().outcomes] == ["dead"]


def test_run_deadline_turns_a_hung_provider_into_a_network_error(config_file, home):
    write_config(config_file, '[settings]\ndeadline = 0.5\n[accounts.slow]\nprovider = "demo"\ndelay = 5.0\n'
                              '[accounts.fast]\nprovider = "demo"\n')
    report = refresh.run()
    kinds = {o.account: o.error_kind for o in report.outcomes}
    assert kinds == {"slow": "network", "fast": None}
    assert "run deadline (0.5s)" in load(home)["accounts"]["slow"]["error"]["message"]


def test_second_refresher_exits_at_once_while_one_runs(config_file, home):
    write_config(config_file, '[accounts.a]\nprovider = "demo"\n')
    from filelock import FileLock

    with FileLock(str(home / "cache" / refresh.LOCK_FILE)):
        assert refresh.run().busy
    assert not refresh.run().busy


def test_removed_accounts_leave_the_snapshot(config_file, home):
    write_config(config_file, '[accounts.a]\nprovider = "demo"\n[accounts.b]\nprovider = "demo"\n')
    refresh.run()
    write_config(config_file, '[accounts.b]\nprovider = "demo"\n')
    refresh.run()
    assert set(load(home)["accounts"]) == {"b"}
    assert load(home)["config"]["accounts"] == ["b"]


def test_provider_crash_is_recorded_not_raised(config_file, home, monkeypatch):
    from tokseg.providers import demo

    def broken(ctx):
        return {}["missing"]

    monkeypatch.setattr(demo, "fetch", broken)
    write_config(config_file, '[accounts.a]\nprovider = "demo"\n')
    outcome = refresh.run().outcomes[0]
    assert outcome.error_kind == "bad_response" and "internal error in provider 'demo' (KeyError)" in outcome.message
    assert "Traceback" in (home / "cache" / "refresher.log").read_text()
