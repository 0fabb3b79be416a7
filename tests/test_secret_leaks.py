"""The key must reach only the keyring and the provider: never a file, a message, a log or a command line."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from tests.conftest import run_tokseg, wait_for, write_config
from tests.fakeserver import start_fake_server

KEY = "sk-or-v1-LEAKCANARY7f3e9d1c5b2a8064e7f3e9d1c5b2a8064e7f3e9d1c5b2a80ab12"
B64 = base64.b64encode(KEY.encode())[:40]  # base64 stores wrap lines after 76 characters
NEEDLES = (KEY.encode(), KEY[9:-4].encode(), B64)
BASE = "/openrouter/api/v1"


def _processes() -> dict[int, bytes]:
    """Every process's command line we can read."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                pass
    return found


def _our_refresher(home: Path) -> int | None:
    for pid, cmdline in _processes().items():
        if b"refresh\0--detached" in cmdline:
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if f"TOKSEG_HOME={home}".encode() in environ.split(b"\0"):
                return pid
    return None


def test_key_never_leaks(tmp_path, home, config_file):
    fake = start_fake_server()
    outputs: list[str] = []
    try:
        added = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, input=KEY + "\n")
        assert added.returncode == 0, added.stderr
        outputs += [added.stdout, added.stderr]

        # A config change makes the account due; the segment call starts the detached refresher,
        # whose fetch the slow server keeps open while every command line is scanned.
        fake.fault("*", "slow", delay=3.0)
        write_config(config_file, config_file.read_text().replace('provider = "openrouter"',
                                                                  'provider = "openrouter"\nlabel = "OR"'))
        outputs.append(run_tokseg().stdout)
        refresher = wait_for(lambda: _our_refresher(home), timeout=10)
        wait_for(lambda: len(fake.calls(f"{BASE}/key")) == 2, timeout=10)
        assert _our_refresher(home) == refresher, "the refresher must still be fetching during the scan"
        for pid, cmdline in _processes().items():
            assert not any(n in cmdline for n in NEEDLES), f"key in the command line of process {pid}"
        wait_for(lambda: _our_refresher(home) is None, timeout=15)
        assert fake.calls(f"{BASE}/key")[-1].headers["authorization"] == f"Bearer {KEY}"

        # Providers echo keys in their errors; none of that may reach a message, the log or the snapshot.
        fake.clear_faults()
        fake.fault("*", "401", message=f"Incorrect API key provided: {KEY}")
        for args in (("refresh",), ("list",), ("list", "--json"), ("doctor",), ("doctor", "--json"), ("--json",), ()):
            done = run_tokseg(*args)
            outputs += [done.stdout, done.stderr]
        assert "auth" in outputs[-4] and "Incorrect API key provided: [key]" in outputs[-4]
    finally:
        fake.stop()

    for text in outputs:
        assert not any(n.decode() in text for n in NEEDLES)
    assert "sk-or-…ab12" in "".join(outputs)

    keyring_file = tmp_path / "xdata" / "tokseg-test-keyring.json"  # tests/keyring_backend.py: the one place
    assert KEY.encode() in keyring_file.read_bytes(), "the scan must be able to see a stored key"
    scanned = [p for p in tmp_path.rglob("*") if p.is_file() and p != keyring_file]
    names = {p.relative_to(home).as_posix() for p in scanned if home in p.parents}
    assert {"config/config.toml", "cache/snapshot.json", "cache/refresher.log"} <= names
    for path in scanned:
        data = path.read_bytes()
        assert not any(n in data for n in NEEDLES), f"key found in {path}"
