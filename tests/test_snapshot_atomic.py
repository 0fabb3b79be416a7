"""A writer killed between writing its temp file and the rename loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.snapshots import snapshot_file
from tokseg import store

# Kill the writer the moment it calls os.replace: after the temp file is written and fsynced.
KILL_AT_RENAME = """
import os, signal, sys
from tokseg import store

def watch(frame, event, arg):
    if event == "c_call" and arg is os.replace:
        os.kill(os.getpid(), signal.SIGKILL)

sys.setprofile(watch)
store.update(lambda snap: snap["accounts"].update(new={"reading": None, "marker": "second"}))
"""


def test_sigkill_before_rename_keeps_previous_snapshot(home):
    store.update(lambda snap: snap["accounts"].update(old={"reading": None, "marker": "first"}))
    previous = snapshot_file(home).read_bytes()

    writer = subprocess.run([sys.executable, "-c", KILL_AT_RENAME], capture_output=True)

    assert writer.returncode == -signal.SIGKILL
    assert snapshot_file(home).read_bytes() == previous
    assert set(json.loads(previous)["accounts"]) == {"old"}
    orphans = list(snapshot_file(home).parent.glob(".snapshot.*.tmp"))
    assert len(orphans) == 1
    assert json.loads(orphans[0].read_text())["accounts"]["new"]["marker"] == "second"
    assert (snapshot_file(home).stat().st_mode & 0o777) == 0o600
    assert (snapshot_file(home).parent.stat().st_mode & 0o777) == 0o700

    # The next writer merges onto the intact snapshot and sweeps the orphan once it is old.
    stale = time.time() - 3600
    os.utime(orphans[0], (stale, stale))
    store.update(lambda snap: snap["accounts"].update(third={"reading": None}))
    assert set(json.loads(snapshot_file(home).read_text())["accounts"]) == {"old", "third"}
    assert not list(snapshot_file(home).parent.glob(".snapshot.*.tmp"))


def test_concurrent_writers_do_not_lose_each_others_merge(home):
    script = "from tokseg import store\nimport sys\nfor i in range(20):\n    store.update(lambda s: s['accounts'].update({f'{sys.argv[1]}{i}': {}}))\n"
    writers = [subprocess.Popen([sys.executable, "-c", script, tag]) for tag in "abc"]
    assert all(w.wait(timeout=60) == 0 for w in writers)
    names = set(json.loads(snapshot_file(home).read_text())["accounts"])
    assert names == {f"{tag}{i}" for tag in "abc" for i in range(20)}
