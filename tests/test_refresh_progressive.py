"""A slow provider holds back only its own account: each outcome reaches the snapshot as it arrives (issue 10, class 14)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tokseg import refresh, store
from tokseg.collector import Collector

SLOW_S = 8.0


def by_name(document: dict) -> dict:
    return {a["name"]: a for a in document["accounts"]}


def test_fast_accounts_show_before_the_slow_one_returns(config_file, home):
    write_config(config_file, '[accounts.fast]\nprovider = "demo"\n[accounts.quick]\nprovider = "demo"\n'
                              f'kind = "subscription"\n[accounts.slow]\nprovider = "demo"\ndelay = {SLOW_S}\n')
    started = time.monotonic()
    refresher = subprocess.Popen([sys.executable, "-m", "tokseg", "refresh", "--quiet"])
    try:
        def fast_ones_in() -> dict | None:
            shown = run_tokseg("--json")
            accounts = by_name(json.loads(shown.stdout)) if shown.stdout.startswith("{") else {}
            ready = accounts and all(accounts[n]["status"] == "ok" for n in ("fast", "quick"))
            return accounts if ready else None

        accounts = wait_for(fast_ones_in, timeout=SLOW_S - 1)
        assert time.monotonic() - started < SLOW_S
        assert accounts["slow"]["status"] == "pending" and accounts["slow"]["headline"]["text"] == ""
        assert accounts["fast"]["headline"]["text"]
        assert refresher.poll() is None  # the run is still waiting for the slow account
        assert refresher.wait(timeout=30) == 0
    finally:
        if refresher.poll() is None:
            refresher.kill()
    final = by_name(json.loads(run_tokseg("--json").stdout))
    assert {name: a["status"] for name, a in final.items()} == {"fast": "ok", "quick": "ok", "slow": "ok"}


def test_a_run_writes_once_per_arrival_at_most_and_once_when_nothing_is_due(config_file, home, monkeypatch):
    write_config(config_file, "".join(f'[accounts.a{i}]\nprovider = "demo"\n' for i in range(4)))
    merges: list[int] = []
    real = refresh._merge

    def counting(snap, cfg, outcomes, now):
        merges.append(len(outcomes))
        real(snap, cfg, outcomes, now)

    monkeypatch.setattr(refresh, "_merge", counting)
    report = refresh.run()
    assert len(report.outcomes) == 4 and all(o.ok for o in report.outcomes)
    assert 1 <= len(merges) <= 4 and sum(merges) == 4  # every outcome merged exactly once
    merges.clear()
    report = refresh.run()  # nothing is due now
    assert report.outcomes == [] and merges == [0]
    assert set(json.loads(store.snapshot_path().read_text())["accounts"]) == {f"a{i}" for i in range(4)}


def test_outcomes_arriving_during_a_write_are_written_together():
    gate, batches = threading.Event(), []

    def write(batch: list[int]) -> None:
        batches.append(list(batch))
        if len(batches) == 1:
            gate.wait(5)

    collector: Collector[int] = Collector(write)
    first = threading.Thread(target=collector.add, args=(1,))
    first.start()
    wait_for(lambda: batches)
    for item in (2, 3, 4):
        collector.add(item)  # returns at once: the running write takes these along
    gate.set()
    first.join(5)
    assert collector.close() == [1, 2, 3, 4]
    collector.finish([])
    assert batches == [[1], [2, 3, 4]] and collector.writes == 2
    collector.add(5)  # after close: the run has ended
    assert batches == [[1], [2, 3, 4]]


def test_a_late_account_is_recorded_once_as_a_network_failure(config_file, home):
    write_config(config_file, '[settings]\ndeadline = 1.0\n[accounts.fast]\nprovider = "demo"\n'
                              '[accounts.stuck]\nprovider = "demo"\ndelay = 4.0\n')
    report = refresh.run()
    kinds = {o.account: o.error_kind for o in report.outcomes}
    assert kinds == {"fast": None, "stuck": "network"}
    time.sleep(3.5)  # the stuck thread returns after the run ended: it must not overwrite the snapshot
    entry = json.loads(store.snapshot_path().read_text())["accounts"]["stuck"]
    assert entry["error"]["kind"] == "network" and entry["reading"] is None


def test_a_failing_write_is_raised_by_the_run(config_file, home, monkeypatch):
    write_config(config_file, '[accounts.one]\nprovider = "demo"\n')

    def full_disk(mutate, path=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(refresh.store, "update", full_disk)
    with pytest.raises(OSError, match="No space left"):
        refresh.run()
