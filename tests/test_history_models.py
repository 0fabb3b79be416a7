"""Per-model history: metric names that survive dots and slashes, and `tokseg history --by model`."""

from __future__ import annotations

import json
import time

import pytest

from tests.agent_logs import claude_row, write_lines
from tests.conftest import run_tokseg, write_config
from tokseg import history, refresh

HOUR = 3600.0
SONNET = "anthropic/claude-sonnet-4.5"  # a gateway-style name: a slash and dots


def usage(model: str, period: str, spent: float | None, tokens: int | None, currency: str = "USD") -> dict:
    return {"model": model, "period": period,
            "spent": None if spent is None else {"amount": spent, "currency": currency},
            "tokens": None if tokens is None else {"input": tokens, "output": 0, "cache_read": 0, "cache_write": 0,
                                                   "total": tokens}}


def reading(*models: dict) -> dict:
    return {"headline": {"kind": "spent", "key": "today"}, "models": list(models)}


def test_model_metrics_are_recorded_and_split_back_unambiguously(tmp_path):
    with history.opened(tmp_path / "h.sqlite3") as conn:
        count = history.record(conn, "acct", reading(usage(SONNET, "today", 1.5, 1200),
                                                     usage("foo-1", "month", None, 300)), 1_800_000_000.0)
        got = {(metric, unit): value for _, _, metric, unit, value in history.samples(conn)}
    assert count == 3
    assert got == {("model.spent.today.anthropic/claude-sonnet-4.5", "USD"): 1.5,
                   ("model.tokens.today.anthropic/claude-sonnet-4.5", "tokens"): 1200.0,
                   ("model.tokens.month.foo-1", "tokens"): 300.0}
    assert history.split_model_metric("model.spent.today.anthropic/claude-sonnet-4.5") == ("spent", "today", SONNET)
    assert history.split_model_metric("spent.today") is None
    assert history.split_model_metric("model.spent.today.") is None


def record_series(now: float) -> None:
    """Readings over two days: a daily counter that resets, a model with month and today counters,
    a model that first appears inside the span, and one without a price."""
    days = [
        # (hours ago, sonnet today $/tokens, haiku month $, haiku today $, opus month $, unpriced tokens today)
        (30, (1.0, 1000), 10.0, 10.0, None, 50),
        (26, (3.0, 3000), 10.0, 10.0, None, 80),
        (20, (0.5, 400), 10.0, 10.0, 2.0, None),  # after midnight: the daily counter reset; foo-1 idle today
        (2, (2.0, 1500), 15.0, 5.0, 3.0, 30),  # haiku's today counter fell by half only: month counter tells
    ]
    with history.opened() as conn:
        for ago, (s_spent, s_tokens), h_month, h_today, opus, foo in days:
            models = [usage(SONNET, "today", s_spent, s_tokens), usage("claude-haiku-4-5", "month", h_month, 9),
                      usage("claude-haiku-4-5", "today", h_today, 9)]
            if opus is not None:
                models.append(usage("claude-opus-4-1", "month", opus, None))
            if foo is not None:
                models.append(usage("foo-1", "today", None, foo))
            history.record(conn, "api", reading(*models), now - ago * HOUR)
        history.record(conn, "other", {"balance": [{"amount": 4.0, "currency": "USD"}]}, now - HOUR)


def test_history_by_model_sums_increases_and_ignores_resets(home):
    now = time.time()
    record_series(now)
    doc = json.loads(run_tokseg("history", "api", "--by", "model", "--since", "2d", "--json").stdout)
    assert doc["by"] == "model"
    rows = {r["model"]: r for r in doc["rows"]}
    # Sonnet, daily counter: +2.0, then a reset to 0.5 (use 0.5, not -2.5), then +1.5.
    assert rows[SONNET]["spent"] == {"USD": 4.0} and rows[SONNET]["tokens"] == 2000 + 400 + 1100
    assert rows[SONNET]["counters"] == {"spent": "today", "tokens": "today"}
    # Haiku: the month counter (10 → 15) is read, not the daily one, whose fall looks like a correction.
    haiku = rows["claude-haiku-4-5"]
    assert haiku["spent"] == {"USD": 5.0} and haiku["counters"]["spent"] == "month"
    # No price: tokens only, never $0; +30, absent (0) the next day, then 30 again.
    assert rows["foo-1"]["spent"] == {} and rows["foo-1"]["tokens"] == 30 + 30
    # Opus first shows at 2.0 inside the span: all of it is use, then +1.0.
    assert rows["claude-opus-4-1"]["spent"] == {"USD": 3.0} and rows["claude-opus-4-1"]["tokens"] is None
    assert [r["model"] for r in doc["rows"]] == ["claude-haiku-4-5", SONNET, "claude-opus-4-1", "foo-1"]

    table = run_tokseg("history", "--by", "model", "--since", "2d").stdout.splitlines()
    assert table[0].split() == ["ACCOUNT", "MODEL", "SPENT", "TOKENS"]
    sonnet = next(line.split() for line in table if SONNET in line)
    assert sonnet[:4] == ["api", SONNET, "$4.00", "3,500"]
    assert next(line.split() for line in table if "foo-1" in line)[:4] == ["api", "foo-1", "–", "60"]
    assert not any(line.startswith("other") for line in table[1:])  # no models recorded for it

    # The window starts after the first readings: only what was used inside it counts.
    recent = json.loads(run_tokseg("history", "api", "--by", "model", "--since", "21h", "--json").stdout)
    spent = {r["model"]: r["spent"] for r in recent["rows"]}
    assert spent[SONNET] == {"USD": 1.5} and spent["claude-opus-4-1"] == {"USD": 1.0}


def test_per_model_metrics_stay_out_of_the_metric_and_day_views(home):
    record_series(time.time())
    metrics = {r["metric"] for r in json.loads(run_tokseg("history", "--json", "--since", "2d").stdout)["rows"]}
    assert metrics == {"balance"}
    days = json.loads(run_tokseg("history", "--by", "day", "--json", "--since", "2d").stdout)["rows"]
    assert {r["metric"] for r in days} == {"balance"}
    nothing = run_tokseg("history", "other", "--by", "model")
    assert nothing.returncode == 0 and nothing.stdout.startswith("nothing recorded per model since ")


def test_refresher_records_models_from_claude_code_logs(config_file, home, tmp_path):
    logs = tmp_path / "claude" / "projects" / "p" / "s.jsonl"
    now = time.time()
    write_lines(logs, [claude_row("msg_1", now - 120, output=637)])
    write_config(config_file, f'[accounts.cc]\nprovider = "claude_code"\npaths = "{tmp_path / "claude"}"\n')
    refresh.run(force=True, clock=lambda: now - 60)
    write_lines(logs, [claude_row("msg_2", now - 30, model="claude-haiku-4-5-20251001", input=1000, write_5m=0,
                                  read=0, output=2000)], mode="a")
    refresh.run(force=True, clock=lambda: now)
    doc = json.loads(run_tokseg("history", "cc", "--by", "model", "--json").stdout)
    rows = {r["model"]: r for r in doc["rows"]}
    # Sonnet was there at the first reading and did not grow; Haiku is new: its whole first value is use.
    assert rows["claude-sonnet-4-5-20250929"]["tokens"] == 0
    assert rows["claude-haiku-4-5-20251001"]["tokens"] == 3000
    assert rows["claude-haiku-4-5-20251001"]["spent"]["USD"] == pytest.approx((1000 * 1 + 2000 * 5) / 1e6, abs=1e-6)
