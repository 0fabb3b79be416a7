"""tokseg's flock lock and filelock's exclude each other, across processes and threads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time

import pytest
from filelock import FileLock
from filelock import Timeout as FileLockTimeout

from tokseg.flock import Lock, Timeout

HOLD = """
import sys, time
{make}
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
"""
OURS = "from tokseg.flock import Lock; lock = Lock(sys.argv[1])"
THEIRS = "from filelock import FileLock; lock = FileLock(sys.argv[1])"


def holder(path: str, make: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD.format(make=make), path], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_lock_filelock_holds_times_out_here(tmp_path):
    path = str(tmp_path / "refresh.lock")
    child = holder(path, THEIRS)
    try:
        started = time.monotonic()
        with pytest.raises(Timeout):
            Lock(path).acquire(timeout=0.2)
        assert 0.2 <= time.monotonic() - started < 2
    finally:
        child.communicate("\n")
    with Lock(path, timeout=1):  # free again once the holder is gone
        pass


def test_a_lock_held_here_times_out_in_filelock(tmp_path):
    path = str(tmp_path / "refresh.lock")
    child = holder(path, OURS)
    try:
        with pytest.raises(FileLockTimeout):
            FileLock(path).acquire(timeout=0)
    finally:
        child.communicate("\n")
    lock = FileLock(path)
    lock.acquire(timeout=1)
    lock.release()


def test_threads_take_turns_and_the_file_is_private(tmp_path):
    path = str(tmp_path / "snapshot.lock")
    inside, most = [0], [0]

    def work() -> None:
        for _ in range(20):
            with Lock(path, timeout=10):
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.001)
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_try_once_and_release_twice(tmp_path):
    path = str(tmp_path / "x.lock")
    first = Lock(path)
    first.acquire(timeout=0)
    with pytest.raises(Timeout):
        Lock(path).acquire(timeout=0)
    first.release()
    first.release()  # a second release is harmless
    again = Lock(path)
    again.acquire(timeout=0)
    again.release()
