"""Stale → refresh → fresh through the real processes, with the demo provider."""

from __future__ import annotations

import json
import time

from tests.conftest import run_tokseg, wait_for, write_config


def test_missing_then_refreshed_by_detached_refresher(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n')
    first = run_tokseg()
    assert first.returncode == 0
    assert first.stdout.strip() == "tok …"
    snapshot = home / "cache" / "snapshot.json"
    wait_for(lambda: snapshot.exists() and json.loads(snapshot.read_text())["accounts"].get("credits", {}).get("reading"))
    second = run_tokseg()
    assert second.stdout.startswith("credits $"), second.stdout
    assert "~" not in second.stdout
    assert time.time() - json.loads(snapshot.read_text())["accounts"]["credits"]["fetched_at"] < 30
