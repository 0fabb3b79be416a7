"""`tokseg/schema.py` describes what the refresher really writes and what the view really holds.

mypy checks the code against the TypedDicts; this checks the TypedDicts against a
real refresh, key by key, so the two cannot drift apart.
"""

from __future__ import annotations

import json

from tests.conftest import run_tokseg, write_config
from tokseg import refresh, schema, store
from tokseg.render import view as views

T0 = 1_800_000_000.0
CONFIG = """
[accounts.credits]
provider = "demo"
[accounts.claude]
provider = "demo"
kind = "subscription"
[accounts.api]
provider = "demo"
kind = "postpaid"
[accounts.dead]
provider = "demo"
kind = "revoked"
[budgets.api]
daily = 5
[budgets]
monthly = 1000
"""


def keys(td: type) -> tuple[frozenset[str], frozenset[str]]:
    """(required, all) keys of a TypedDict."""
    required = frozenset(td.__required_keys__)
    return required, required | frozenset(td.__optional_keys__)


def assert_shape(data: dict, td: type, complete: bool = False) -> None:
    required, known = keys(td)
    assert set(data) <= known, (td.__name__, set(data) - known)
    assert set(data) >= (known if complete else required), (td.__name__, (known if complete else required) - set(data))


def written_snapshot(config_file) -> dict:
    write_config(config_file, CONFIG)
    for i in range(3):  # history enough for forecasts, budgets and trends
        refresh.run(force=True, clock=lambda i=i: T0 + i * 1200)
    return json.loads(store.snapshot_path().read_text())


def test_the_snapshot_a_refresh_writes_has_the_schema_keys(config_file):
    snap = written_snapshot(config_file)
    assert_shape(snap, schema.Snapshot, complete=True)
    assert_shape(snap["settings"], schema.HotSettings, complete=True)
    assert_shape(snap["config"], schema.SnapshotConfig, complete=True)
    assert_shape(snap["budget"], schema.TotalBudget, complete=True)
    for check in snap["budget"]["checks"]:
        assert_shape(check, schema.BudgetCheck, complete=True)
    for thresholds in snap["settings"]["thresholds"].values():
        assert_shape(thresholds, schema.Thresholds)
    for name, entry in snap["accounts"].items():
        assert_shape(entry, schema.AccountEntry, complete=True)
        if name == "dead":
            assert entry["reading"] is None and entry["status"] == "parked"
            assert_shape(entry["error"], schema.ErrorDict, complete=True)
            continue
        assert_shape(entry["reading"], schema.ReadingDict)  # the local-log keys: tests/test_log_breakdown.py
        # the status line's context fill: tests/test_statusline.py
        assert set(schema.ReadingDict.__optional_keys__) == {"projects", "sessions", "efficiency", "context_pct"}
        assert_shape(entry["reading"]["headline"], schema.HeadlineDict, complete=True)
        assert_shape(entry["forecast"], schema.ForecastDict, complete=True)
        for check in entry["budget"]:
            assert_shape(check, schema.BudgetCheck, complete=True)
    reading = snap["accounts"]["api"]["reading"]
    for money in [*reading["spent"].values(), *(m["spent"] for m in reading["models"] if m["spent"])]:
        assert_shape(money, schema.MoneyDict, complete=True)
    for tokens in reading["tokens"].values():
        assert_shape(tokens, schema.TokensDict, complete=True)
    for usage in reading["models"]:
        assert_shape(usage, schema.ModelUsageDict, complete=True)
    assert_shape(snap["accounts"]["credits"]["reading"]["balance"][0], schema.MoneyDict, complete=True)
    assert_shape(snap["accounts"]["claude"]["reading"]["windows"][0], schema.WindowDict, complete=True)


def test_the_view_of_it_has_the_schema_keys(config_file):
    snap = written_snapshot(config_file)
    view = views.build(snap, T0 + 2400, ["credits", "claude", "api", "dead", "nobody"])
    assert_shape(view, schema.View)
    assert_shape(view["totals"], schema.Totals, complete=True)
    for item in view["accounts"]:
        assert_shape(item, schema.ViewItem, complete=True)
    assert [item["budget_state"] for item in view["accounts"]] == [
        snap["accounts"][name].get("budget_state", "ok") for name in ("credits", "claude", "api", "dead")] + ["ok"]


def test_an_entry_from_before_the_budget_keys_still_renders(config_file):
    """A snapshot entry written before insights ran (no forecast, budget, budget_state, trend) shows as ok."""
    snap = written_snapshot(config_file)
    for entry in snap["accounts"].values():
        for key in ("forecast", "budget", "budget_state", "trend", "last_attempt", "park_key"):
            entry.pop(key, None)
    store.snapshot_path().write_text(json.dumps(snap))
    doc = json.loads(run_tokseg("--json", "--account", "credits").stdout)
    assert doc["accounts"][0]["budget_state"] == "ok" and doc["accounts"][0]["budget"] == []
    assert doc["accounts"][0]["forecast"] is None
    assert run_tokseg("--template", "{credits.budget}|{credits.trend}|{credits.burn}").stdout.strip() == "ok||"


def test_a_window_from_before_its_length_still_renders_without_a_pace(config_file):
    """A window written before `length_s` existed: null length and pace in --json, an empty pace field."""
    snap = written_snapshot(config_file)
    for window in snap["accounts"]["claude"]["reading"]["windows"]:
        del window["length_s"]
    store.snapshot_path().write_text(json.dumps(snap))
    doc = json.loads(run_tokseg("--json", "--account", "claude").stdout)
    assert [(w["length_s"], w["pace"]) for w in doc["accounts"][0]["windows"]] == [(None, None), (None, None)]
    assert run_tokseg("--template", "[{claude.5h.pace}]", "--account", "claude").stdout.strip() == "[]"
