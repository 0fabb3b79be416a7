"""A typo on the command line is that command's usage error: exit 2, one line, the snapshot untouched."""

from __future__ import annotations

import time

from tests.conftest import run_tokseg, write_config
from tokseg import snapshot, store

CONFIG = '[accounts.credits]\nprovider = "demo"\n[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n'


def test_refresh_of_an_unknown_account_is_a_usage_error_not_a_config_error(config_file):
    write_config(config_file, CONFIG)
    assert run_tokseg("refresh", "-q").returncode == 0
    before = (store.snapshot_path()).read_bytes()

    typo = run_tokseg("refresh", "credits", "typo")
    assert typo.returncode == 2 and typo.stdout == "" and "Traceback" not in typo.stderr
    assert typo.stderr.strip().splitlines() == [
        f"tokseg: no account named 'typo' in {config_file} (accounts: credits, api); see `tokseg list`"]
    assert store.snapshot_path().read_bytes() == before
    snap = snapshot.read(str(store.snapshot_path())) or {}
    assert snap["config"]["error"] is None
    shown = run_tokseg().stdout
    assert "!cfg" not in shown and shown.startswith("credits $")


def test_remove_and_rename_of_an_unknown_account_exit_2(config_file):
    write_config(config_file, CONFIG)
    for args in (("remove", "typo"), ("rename", "typo", "other")):
        done = run_tokseg(*args)
        assert done.returncode == 2 and "no account named 'typo'" in done.stderr and "accounts: credits, api" in done.stderr
    assert config_file.read_text() == CONFIG


def test_an_account_named_twice_is_fetched_once(config_file):
    write_config(config_file, CONFIG)
    started = time.monotonic()
    done = run_tokseg("refresh", "credits", "credits")
    assert time.monotonic() - started < 15  # the run deadline is 30 s
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1 and done.stdout.startswith("ok ")
