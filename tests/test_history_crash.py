"""The history database survives a refresher killed with SIGKILL while it writes."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from tests.conftest import ROOT, write_config
from tokseg import history

# A refresher that never stops: real refresh runs on an advancing clock, a line after each.
LOOP = """
import sys
from tokseg import refresh
t0, i = 1_800_000_000.0, int(sys.argv[1])
while True:
    refresh.run(force=True, clock=lambda: t0 + i * 300)
    i += 1
    print(i, flush=True)
"""
ROUNDS = 3
RUNS_BEFORE_KILL = 4


def test_sigkill_mid_write_keeps_database_whole_and_earlier_rows(config_file, home):
    accounts = "".join(f'[accounts.a{n}]\nprovider = "demo"\nkind = "{kind}"\n'
                       for n, kind in enumerate(("prepaid", "subscription", "postpaid") * 2))
    write_config(config_file, accounts)
    done = 0
    rng = random.Random(6)
    for _ in range(ROUNDS):
        child = subprocess.Popen([sys.executable, "-c", LOOP, str(done)], cwd=ROOT, env=os.environ.copy(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(RUNS_BEFORE_KILL):
                line = child.stdout.readline()
                assert line, child.stderr.read()
                done = int(line)
            time.sleep(rng.uniform(0.0, 0.03))  # the next run is under way: kill it somewhere in its writes
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
        assert child.returncode == -signal.SIGKILL
        conn = sqlite3.connect(str(history.db_path()))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stamps = {row[0] for row in conn.execute("SELECT DISTINCT ts FROM samples")}
        finally:
            conn.close()
        expected = {1_800_000_000.0 + i * 300 for i in range(done)}
        assert expected <= stamps, sorted(expected - stamps)
    assert done >= ROUNDS * RUNS_BEFORE_KILL
