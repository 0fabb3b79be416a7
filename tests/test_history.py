"""History in a real sqlite file: recording, retention, burn rate, forecasts, sparklines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import run_tokseg, steady_demo_start, write_config
from tokseg import forecast, history, refresh, store
from tokseg.budgets import Limits
from tokseg.render import numbers

T0 = 1_800_000_000.0  # a fixed clock
HOUR = 3600.0


def balance(amount: float, currency: str = "USD") -> dict:
    return {"headline": {"kind": "balance", "key": ""}, "balance": [{"amount": amount, "currency": currency}]}


def window(used: float, resets_at: float | None = None) -> dict:
    return {"headline": {"kind": "window", "key": "5h"},
            "windows": [{"name": "5h", "used_pct": used, "resets_at": resets_at}]}


@pytest.fixture
def conn(tmp_path):
    with history.opened(tmp_path / "h.sqlite3") as c:
        yield c


def test_database_is_wal_private_and_reopens(tmp_path):
    path = tmp_path / "state" / "h.sqlite3"
    with history.opened(path) as c:
        history.record(c, "a", balance(5.0), T0)
    assert path.stat().st_mode & 0o777 == 0o600
    with history.opened(path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert history.series(c, "a", "balance") == [(T0, 5.0)]


def test_every_metric_is_recorded_with_its_unit(conn):
    reading = {
        "balance": [{"amount": 3.5, "currency": "USD"}, {"amount": 20.0, "currency": "CNY"}],
        "limit_remaining": {"amount": 7.0, "currency": "USD"},
        "spent": {"today": {"amount": 1.25, "currency": "USD"}},
        "windows": [{"name": "5h", "used_pct": 42.0, "resets_at": None}],
        "tokens": {"today": {"input": 1, "output": 2, "cache_read": 3, "cache_write": 4, "total": 10}},
    }
    assert history.record(conn, "acct", reading, T0) == 6
    got = {(m, u): v for _, _, m, u, v in history.samples(conn)}
    assert got == {("balance", "USD"): 3.5, ("balance", "CNY"): 20.0, ("limit_remaining", "USD"): 7.0,
                   ("spent.today", "USD"): 1.25, ("window.5h", "%"): 42.0, ("tokens.today", "tokens"): 10.0}


def test_prune_drops_only_rows_past_retention(conn):
    for day in range(10):
        history.record(conn, "a", balance(100 - day), T0 + day * 86400)
    removed = history.prune(conn, T0 + 9 * 86400, days=3)
    assert removed == 6
    # days 6..9 stay: the cut-off itself is kept
    assert [v for _, v in history.series(conn, "a", "balance")] == [94.0, 93.0, 92.0, 91.0]


def test_refresher_records_and_prunes_by_configured_retention(config_file, home):
    write_config(config_file, '[settings]\nhistory_days = 1\n[accounts.credits]\nprovider = "demo"\n')
    for t in (T0, T0 + 600, T0 + 2 * 86400):
        assert not refresh.run(force=True, clock=lambda t=t: t).failed
    with history.opened() as c:
        stamps = sorted({ts for ts, *_ in history.samples(c)})
    assert stamps == [T0 + 2 * 86400]
    assert history.db_path() == home / "state" / history.DB_FILE


def test_top_up_between_readings_is_not_negative_burn(conn):
    # drains 1/h, then a top-up of +50, then drains 1/h again
    for i, amount in enumerate([10.0, 9.0, 8.0, 58.0, 57.0]):
        history.record(conn, "a", balance(amount), T0 + i * HOUR)
    points = history.series(conn, "a", "balance")
    assert [used for _, used in forecast.steps(points, drain=True)] == [1.0, 1.0, 0.0, 1.0]
    per_hour, span = forecast.burn(points, drain=True)
    assert per_hour == pytest.approx(0.75)  # 3 used over 4 hours, the top-up ignored
    assert span == pytest.approx(4.0)


def test_only_a_top_up_gives_zero_burn_and_no_run_out(conn):
    history.record(conn, "a", balance(5.0), T0)
    history.record(conn, "a", balance(25.0), T0 + HOUR)
    result = forecast.forecast(conn, "a", balance(25.0), T0 + HOUR, window_hours=6)
    assert result["burn_per_hour"] == 0.0
    assert result["runs_out_at"] is None


def test_steady_drain_forecast_within_one_percent(conn):
    start, rate = 40.0, 0.37  # per hour
    now = T0 + 5 * HOUR
    for i in range(31):  # every 10 minutes for 5 hours
        ts = T0 + i * 600
        history.record(conn, "a", balance(start - rate * (ts - T0) / HOUR), ts)
    left = start - rate * 5
    result = forecast.forecast(conn, "a", balance(left), now, window_hours=6)
    assert result["burn_per_hour"] == pytest.approx(rate, rel=0.01)
    expected = now + left / rate * HOUR
    assert result["runs_out_at"] - now == pytest.approx(expected - now, rel=0.01)


def test_sliding_window_ignores_older_readings(conn):
    # fast drain long ago, slow drain in the last 2 hours
    for i in range(6):
        history.record(conn, "a", balance(100 - 10 * i), T0 + i * HOUR)
    for i in range(1, 5):
        history.record(conn, "a", balance(50 - 0.5 * i), T0 + 5 * HOUR + i * 1800)
    now = T0 + 7 * HOUR
    result = forecast.forecast(conn, "a", balance(48.0), now, window_hours=2)
    assert result["burn_per_hour"] == pytest.approx(1.0)


def test_window_reset_counts_use_since_reset_and_fill_time(conn):
    for i, used in enumerate([60.0, 70.0, 80.0, 5.0, 15.0]):
        history.record(conn, "c", window(used), T0 + i * HOUR)
    points = history.series(conn, "c", "window.5h")
    assert forecast.use(points, drain=False) == pytest.approx(10 + 10 + 5 + 10)
    now = T0 + 4 * HOUR
    full = forecast.forecast(conn, "c", window(15.0, resets_at=now + 20 * HOUR), now, window_hours=6)
    assert full["burn_per_hour"] == pytest.approx(35 / 4)
    assert full["runs_out_at"] == pytest.approx(now + 85 / (35 / 4) * HOUR, rel=1e-6)
    resets_first = forecast.forecast(conn, "c", window(15.0, resets_at=now + HOUR), now, window_hours=6)
    assert resets_first["runs_out_at"] is None


def test_small_fall_of_a_counter_is_a_correction_not_a_reset():
    points = [(T0, 50.0), (T0 + HOUR, 49.9), (T0 + 2 * HOUR, 51.0)]
    assert forecast.use(points, drain=False) == pytest.approx(1.1)


def test_spend_forecast_reaches_daily_budget(conn, utc):
    midnight = T0 - T0 % 86400
    reading = lambda v: {"headline": {"kind": "spent", "key": "today"},  # noqa: E731
                         "spent": {"today": {"amount": v, "currency": "USD"}}}
    for i in range(4):
        history.record(conn, "p", reading(2.0 * i), midnight + (8 + i) * HOUR)
    now = midnight + 11 * HOUR
    result = forecast.forecast(conn, "p", reading(6.0), now, 6, Limits(daily=10.0))
    assert result["runs_out_at"] == pytest.approx(midnight + 13 * HOUR)
    assert forecast.forecast(conn, "p", reading(6.0), now, 6, Limits())["runs_out_at"] is None
    # a budget the day ends before reaching is no forecast
    assert forecast.forecast(conn, "p", reading(6.0), now, 6, Limits(daily=100.0))["runs_out_at"] is None


def test_too_short_a_span_gives_no_forecast(conn):
    history.record(conn, "a", balance(10.0), T0)
    history.record(conn, "a", balance(9.0), T0 + 5)
    assert forecast.forecast(conn, "a", balance(9.0), T0 + 5, window_hours=6) is None


def test_sparkline_follows_the_series(conn):
    for i in range(24):
        history.record(conn, "a", balance(24.0 - i), T0 + i * HOUR)
    line = history.sparkline("a", 24, now=T0 + 24 * HOUR, width=24, conn=conn)
    assert len(line) == 24
    assert line[0] == "█" and line[-1] == "▁"
    assert list(line) == sorted(line, reverse=True)
    assert history.sparkline("nobody", 24, now=T0, conn=conn) == ""


def test_sparkline_without_a_database_is_empty(home):
    assert not history.db_path().exists()
    assert history.sparkline("a") == ""


def test_forecast_reaches_snapshot_template_and_json(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n')
    for i in range(7):  # demo prepaid drains 0.9/h
        refresh.run(force=True, clock=lambda i=i: T0 + i * 1200)
    entry = json.loads(store.snapshot_path().read_text())["accounts"]["credits"]
    assert entry["forecast"]["metric"] == "balance"
    assert entry["forecast"]["burn_per_hour"] == pytest.approx(0.9, rel=0.01)
    assert entry["trend"]
    shown = run_tokseg("--template", "{credits.burn}|{credits.runs_out}|{credits.trend}")
    burn, runs_out, trend = shown.stdout.strip().split("|")
    assert burn == "$0.90/h"
    assert runs_out and trend == entry["trend"]
    doc = json.loads(run_tokseg("--json").stdout)
    acct = doc["accounts"][0]
    assert acct["forecast"]["burn"] == "$0.90/h"
    assert acct["forecast"]["text"].startswith("runs out in ")
    assert acct["budget_state"] == "ok"
    assert {"balance", "spent", "headline", "status"} <= set(acct)


def test_history_command_table_and_json(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.sub]\nprovider = "demo"\n'
                              'kind = "subscription"\n')
    start = steady_demo_start(3 * HOUR)
    for i in range(4):
        refresh.run(force=True, clock=lambda i=i: start + i * HOUR)
    table = run_tokseg("history", "--since", "1d")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ACCOUNT", "METRIC", "LAST", "USED", "PER", "HOUR", "TREND"]
    balance_row = next(line for line in lines if line.startswith("credits") and "balance" in line)
    assert "$0.90" in balance_row and any(ch in balance_row for ch in history.SPARK)
    doc = json.loads(run_tokseg("history", "sub", "--json").stdout)
    assert {r["metric"] for r in doc["rows"]} == {"window.5h", "window.7d"}
    assert all(r["samples"] == 4 for r in doc["rows"])
    days = run_tokseg("history", "credits", "--by", "day", "--json")
    assert {r["metric"] for r in json.loads(days.stdout)["rows"]} == {"balance", "spent.today"}
    bad = run_tokseg("history", "--since", "soon")
    assert bad.returncode != 0 and "--since" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_tokseg("history", "nobody")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr


def test_history_before_any_refresh_says_so(home):
    result = run_tokseg("history")
    assert result.returncode == 1
    assert "no history yet" in result.stderr


def test_unreadable_history_is_set_aside_and_the_run_kept(config_file, home, refresher_log):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n')
    state = home / "state"
    state.mkdir(parents=True)
    (state / history.DB_FILE).write_bytes(b"this is not a database" * 100)
    assert not refresh.run(force=True, clock=lambda: T0).failed
    assert json.loads(store.snapshot_path().read_text())["accounts"]["credits"]["reading"]
    assert "history database unreadable (file is not a database)" in refresher_log.text
    kept = [p for p in state.iterdir() if p.name.startswith(history.DB_FILE + ".unreadable-")]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not")
    assert not refresh.run(force=True, clock=lambda: T0 + 600).failed
    with history.opened() as conn:
        assert [ts for ts, *_ in history.samples(conn, account="credits")][:1] == [T0 + 600]


def test_segment_with_forecast_and_budget_stays_on_the_light_imports(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[budgets.credits]\ndaily = 1\n')
    for i in range(3):
        refresh.run(force=True, clock=lambda i=i: T0 + i * 1200)
    for args in (["--json"], ["--template", "{credits.burn} {credits.forecast} {credits.budget} {credits.trend}"]):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tokseg", *args], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0 and done.stdout.strip()
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        heavy = {"sqlite3", "datetime", "tokseg.history", "tokseg.forecast", "tokseg.budgets", "subprocess"}
        assert not heavy & imported, heavy & imported


def test_forecast_texts(utc):
    now = T0  # Fri 2027-01-15 08:00 UTC
    balance_fc = {"metric": "balance", "unit": "USD", "kind": "balance", "burn_per_hour": 0.375,
                  "runs_out_at": now + 3 * 86400 + 4 * 3600}
    assert numbers.forecast_text(balance_fc, now) == "runs out in 3d4h"
    assert numbers.burn_text(balance_fc) == "$0.38/h"
    window_fc = {"metric": "window.5h", "unit": "%", "kind": "window", "burn_per_hour": 12.0,
                 "runs_out_at": now + 2 * 3600 + 40 * 60}
    assert numbers.forecast_text(window_fc, now) == "5h full at 10:40"
    assert numbers.burn_text(window_fc) == "12%/h"
    spend_fc = {**window_fc, "metric": "spent.today", "kind": "spend", "unit": "EUR", "runs_out_at": now + 2 * 86400}
    assert numbers.forecast_text(spend_fc, now) == "budget at Sun 08:00"
    assert numbers.clock(now + 20 * 86400, now) == "Feb 04"
    assert numbers.forecast_text({**balance_fc, "runs_out_at": None}, now) == ""
