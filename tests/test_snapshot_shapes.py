"""A snapshot of the right schema with wrong values inside: the bar shows the rest, a refresh rebuilds it."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import snapshot_file
from tokseg import snapshot

NOW = time.time()
READING = {"headline": {"kind": "balance", "key": ""}, "balance": [{"amount": 5.0, "currency": "USD"}]}
ENTRY = {"provider": "demo", "label": "x", "interval": 300, "enabled": True, "fingerprint": "old",
         "reading": READING, "fetched_at": NOW - 10, "failures": 0, "status": "ok", "next_due": NOW + 300}


def _snap(entry: object = None, **settings: object) -> dict:
    return {"schema": 1, "written_at": NOW, "settings": settings, "config": {"accounts": ["x"]},
            "accounts": {"x": ENTRY if entry is None else entry}}


def _with(**changes: object) -> dict:
    return {**ENTRY, **changes}


MALFORMED = {
    "entry not a table": _snap(5),
    "reading a string": _snap(_with(reading="12")),
    "window not a table": _snap(_with(reading={**READING, "headline": {"kind": "window", "key": "5h"},
                                               "windows": ["5h"]})),
    "balance a string": _snap(_with(reading={**READING, "balance": "12"})),
    "amount NaN": _snap(_with(reading={**READING, "balance": [{"amount": float("nan"), "currency": "USD"}]})),
    "amount a bool": _snap(_with(reading={**READING, "balance": [{"amount": True, "currency": "USD"}]})),
    "reset beyond any clock": _snap(_with(reading={**READING, "headline": {"kind": "window", "key": "5h"},
                                                   "windows": [{"name": "5h", "used_pct": 5, "resets_at": 1e18}]})),
    "forecast beyond any clock": _snap(_with(forecast={"metric": "balance", "unit": "USD", "kind": "balance",
                                                       "burn_per_hour": 1.0, "span_h": 1.0, "runs_out_at": 1e18,
                                                       "resets_at": None})),
    "interval a string": _snap(_with(interval="soon")),
    "fetched_at a string": _snap(_with(fetched_at="yesterday")),
    "next_due infinite": _snap(_with(next_due=float("inf"))),
    "error a string": _snap(_with(error="boom")),
    "spawn_cooldown a string": _snap(spawn_cooldown="x"),
    "stale_factor a bool": _snap(stale_factor=True),
    "thresholds a list": _snap(thresholds=[]),
    "thresholds of a string": _snap(thresholds={"x": "warn"}),
    "threshold a string": _snap(thresholds={"x": {"warn_below": "10"}}),
    "template a number": _snap(template=5),
    "config a list": {**_snap(), "config": []},
    "config path with a NUL": {**_snap(), "config": {"path": "/tmp/a\x00b", "mtime": 1.0, "accounts": ["x"]}},
    "budget a string": {**_snap(), "budget": "crit"},
}


def _write(home, data: dict) -> None:
    snapshot_file(home).parent.mkdir(parents=True, exist_ok=True)
    snapshot_file(home).write_text(json.dumps(data))


def _rebuilt(home) -> bool:
    snap, repaired = snapshot.load(str(snapshot_file(home)))
    return bool(snap and not repaired and snap["accounts"].get("x", {}).get("fingerprint") != "old")


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_snapshot_shows_the_rest_and_is_rebuilt(config_file, home, data):
    write_config(config_file, '[accounts.x]\nprovider = "demo"\n')
    _write(home, data)

    shown = run_tokseg("--json")

    assert (shown.returncode, shown.stderr) == (0, "")
    document = json.loads(shown.stdout)
    assert document["refreshing"] is True
    assert [a["name"] for a in document["accounts"]] == ["x"]
    wait_for(lambda: _rebuilt(home))
    assert run_tokseg().stdout.startswith("x $")


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_interactive_commands_read_a_malformed_snapshot_without_a_traceback(home, data):
    _write(home, data)
    for args in (("show",), ("list",), ("list", "--json"), ("doctor",)):
        done = run_tokseg(*args)
        assert "Traceback" not in done.stdout + done.stderr, (args, done.stderr)


def test_a_well_formed_snapshot_is_not_repaired_and_starts_no_refresh(home):
    now = time.time()  # not the import-time NOW: a long suite run would make the entry due by now
    _write(home, _snap(_with(fetched_at=now - 10, next_due=now + 300)))

    shown = run_tokseg("--json")

    assert json.loads(shown.stdout)["refreshing"] is False
    assert run_tokseg().stdout == "x $5.00\n"
    assert not (home / "cache" / "spawn.marker").exists()


def test_what_the_refresher_writes_passes_the_checks_unchanged(config_file, home):
    write_config(config_file, '[settings.colors]\nok = "green"\n[settings.colors.tmux]\nwarn = "yellow"\n'
                              '[accounts.credits]\nprovider = "demo"\nwarn_below = 5\n'
                              '[accounts.claude]\nprovider = "demo"\nkind = "subscription"\n')
    for _ in range(2):  # the second run has history: forecasts, trends
        assert run_tokseg("refresh", "--quiet", "credits", "claude").returncode == 0

    raw = json.loads(snapshot_file(home).read_text())
    snap, repaired = snapshot.load(str(snapshot_file(home)))

    assert repaired is False
    assert snap == raw
    assert raw["accounts"]["credits"]["reading"] and raw["accounts"]["claude"]["reading"]["windows"]


def test_one_bad_account_leaves_the_others_whole(home):
    good = _with(label="good")
    _write(home, {**_snap(), "config": {"accounts": ["good", "x"]}, "accounts": {"good": good, "x": "broken"}})

    shown = run_tokseg()

    assert shown.stdout.startswith("good $5.00 │ x …"), shown.stdout
