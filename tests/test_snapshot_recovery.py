"""A broken snapshot reads as missing: placeholder now, rebuilt by the refresher."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import load, snapshot_file
from tokseg import snapshot

BROKEN = {
    "empty": b"",
    "truncated": b'{"schema": 1, "accounts": {"credits": {"reading": {"bal',
    "garbage": b"\x00\xffnot json at all",
    "future schema": json.dumps({"schema": 99, "accounts": {}, "settings": {}}).encode(),
    "wrong shape": b"[1, 2, 3]",
    "accounts not a table": json.dumps({"schema": 1, "accounts": [], "settings": {}}).encode(),
}


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_broken_snapshot_shows_placeholder_then_is_rebuilt(config_file, home, content):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n')
    snapshot_file(home).parent.mkdir(parents=True)
    snapshot_file(home).write_bytes(content)

    shown = run_tokseg()

    assert (shown.returncode, shown.stdout, shown.stderr) == (0, "tok …\n", "")
    wait_for(lambda: _readable(home) and load(home)["accounts"]["credits"]["reading"])
    assert run_tokseg().stdout.startswith("credits $")


def test_valid_schema_with_nonsense_values_drops_them_and_asks_for_a_refresh(home):
    snapshot_file(home).parent.mkdir(parents=True)
    nonsense = {"schema": 1, "settings": {}, "config": {"accounts": ["x"]},
                "accounts": {"x": {"reading": {"headline": {"kind": "balance"}, "balance": "12"}, "interval": "soon"}}}
    snapshot_file(home).write_text(json.dumps(nonsense))

    plain, as_json = run_tokseg(), run_tokseg("--json")

    # The string balance and interval are dropped: the account shows no figure, marked stale, never a traceback.
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, "x –~\n", "")
    assert (as_json.returncode, as_json.stderr) == (0, "")
    assert [a["headline"]["value"] for a in json.loads(as_json.stdout)["accounts"]] == [None]
    assert (home / "cache" / "spawn.marker").is_file()


def _readable(home) -> bool:
    return snapshot.read(str(snapshot_file(home))) is not None
