"""The detached refresher holds none of the host's descriptors and lives in its own session."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import run_tokseg, wait_for, write_config
from tokseg import spawn

REPORT = """
import json, os, sys
fds = {str(fd): os.readlink(f"/proc/self/fd/{fd}") for fd in map(int, os.listdir("/proc/self/fd"))
       if os.path.exists(f"/proc/self/fd/{fd}")}
json.dump({"fds": fds, "leader": os.getsid(0) == os.getpid()}, open(sys.argv[1], "w"))
"""


def test_spawned_child_has_devnull_stdio_no_inherited_fds_and_own_session(tmp_path):
    out = tmp_path / "report.json"
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)  # a host that leaks a pipe to us
    try:
        spawn.spawn_detached([sys.executable, "-c", REPORT, str(out)])
    finally:
        os.close(read_end)
        os.close(write_end)
    report = json.loads(wait_for(lambda: out.exists() and out.read_text()))
    assert report["leader"] is True
    assert [report["fds"][fd] for fd in ("0", "1", "2")] == ["/dev/null"] * 3
    assert not any(target.startswith("pipe:") for target in report["fds"].values())


def test_host_reading_our_stdout_is_not_held_open_by_a_slow_refresh(config_file, home):
    write_config(config_file, '[accounts.slow]\nprovider = "demo"\ndelay = 4.0\n')
    host = subprocess.Popen([sys.executable, "-m", "tokseg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = host.communicate(timeout=30)  # returns only when every holder of the pipe closed it
    assert (out, err) == ("tok …\n".encode(), b"")
    log = home / "cache" / "refresher.log"
    # The refresher was still fetching when the host got EOF: it never held the pipe.
    assert "run: fetched" not in (log.read_text() if log.exists() else "")
    wait_for(lambda: log.exists() and "run: fetched" in log.read_text(), timeout=30)
    assert run_tokseg().stdout.startswith("slow $")
