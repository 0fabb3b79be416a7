"""The spawn marker: published whole, one spawn per cooldown, and anything else in its place cleared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import age, load, refresher_log

CLAIM = """
import sys, time
from tokseg import spawn
start = float(sys.argv[2])
while time.time() < start:
    pass
print(spawn._claim(sys.argv[1], time.time(), 15.0, None))
"""


@pytest.fixture
def stale(config_file, home):
    """A fetched demo account whose figures are ten minutes old, and no marker yet."""
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\ninterval = 60\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    age(home, 600)
    return home / "cache" / "spawn.marker"


def _refreshing() -> bool:
    shown = run_tokseg("--json")
    assert (shown.returncode, shown.stderr) == (0, "")
    return json.loads(shown.stdout)["refreshing"]


def _leftovers(marker) -> list[str]:
    return sorted(p.name for p in marker.parent.iterdir() if p.name.startswith("spawn.marker."))


def test_a_marker_whose_time_is_not_in_yet_counts_as_just_made(stale):
    stale.write_bytes(b"")  # what a reader could see between another caller's create and write

    assert _refreshing() is False
    assert stale.read_bytes() == b""


def test_a_published_marker_holds_its_time(stale):
    before = time.time()
    assert _refreshing() is True
    assert before <= float(stale.read_text()) <= time.time()
    assert _leftovers(stale) == []


@pytest.mark.parametrize("round_", range(8))
def test_concurrent_claims_on_an_expired_marker_have_one_winner(tmp_path, round_):
    (tmp_path / "claims").mkdir()
    marker = tmp_path / "claims" / "spawn.marker"
    marker.write_text(repr(time.time() - 3600))
    start = repr(time.time() + 1.0)
    claims = [subprocess.Popen([sys.executable, "-c", CLAIM, str(marker), start], stdout=subprocess.PIPE, text=True)
              for _ in range(16)]
    results = [claim.communicate(timeout=30)[0].strip() for claim in claims]
    assert sorted(results) == ["False"] * 15 + ["True"], results
    assert sorted(p.name for p in marker.parent.iterdir()) == ["spawn.marker"]


def test_storms_on_an_expired_marker_start_one_refresher_each(stale, home):
    log = home / "cache" / "refresher.log"
    log.unlink()  # the fixture's own refresh
    for storm in range(1, 5):
        stale.write_text(repr(time.time() - 3600))
        before = load(home)["accounts"]["credits"]["fetched_at"]
        callers = [subprocess.Popen([sys.executable, "-m", "tokseg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for _ in range(30)]
        outputs = [caller.communicate(timeout=60) for caller in callers]
        assert all(caller.returncode == 0 and err == "" for caller, (_, err) in zip(callers, outputs))
        wait_for(lambda: load(home)["accounts"]["credits"]["fetched_at"] > before)  # noqa: B023
        wait_for(lambda: sum("run: fetched" in line for line in refresher_log(home)) == storm)  # noqa: B023
        starts = [line for line in refresher_log(home) if " start: " in line]
        assert len(starts) == storm, log.read_text()
        age(home, 600)


def _empty_dir(marker) -> None:
    marker.mkdir()


def _full_dir(marker) -> None:
    (marker / "inner" / "deeper").mkdir(parents=True)
    (marker / "inner" / "file").write_text("x")
    os.symlink("/", marker / "link-to-root")


def _fifo(marker) -> None:
    os.mkfifo(marker)


@pytest.mark.parametrize("make", [_empty_dir, _full_dir, _fifo], ids=["empty folder", "folder tree", "fifo"])
def test_something_other_than_a_file_in_the_markers_place_is_cleared(stale, make):
    make(stale)

    assert _refreshing() is True
    assert stale.is_file() and not stale.is_symlink()
    assert _leftovers(stale) == []


def test_a_symlinked_marker_is_replaced_and_its_target_left_alone(stale, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text(repr(time.time()))  # a fresh time: followed, it would block every refresh
    os.symlink(target, stale)

    assert _refreshing() is True
    assert not stale.is_symlink() and stale.is_file()
    assert target.read_text() != "" and target.exists()
    assert _leftovers(stale) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_cache_folder_that_cannot_be_written_shows_the_figures_without_a_traceback(stale):
    os.chmod(stale.parent, 0o500)
    try:
        shown = run_tokseg()
    finally:
        os.chmod(stale.parent, 0o700)
    assert (shown.returncode, shown.stderr) == (0, "")
    assert shown.stdout.startswith("credits $")


def test_a_file_where_the_cache_folder_should_be_shows_the_error_mark_and_spawns_nothing(home):
    (home / "cache").write_text("")

    plain, as_json = run_tokseg(), run_tokseg("--json")

    # Nothing to show and no refresher can start: the error mark, not a placeholder that waits for ever.
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, "tok ?\n", "")
    assert (as_json.returncode, as_json.stderr) == (0, "")
    doc = json.loads(as_json.stdout)
    assert (doc["state"], doc["refreshing"]) == ("error", False) and str(home / "cache") in doc["error"]
    assert (home / "cache").read_text() == ""
