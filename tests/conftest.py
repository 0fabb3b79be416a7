"""Shared fixtures: every test gets its own home, config and keyring; nothing from the machine."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated TOKSEG_HOME plus XDG folders and a file-backed keyring under tmp_path."""
    base = tmp_path / "home"
    base.mkdir()
    monkeypatch.setenv("TOKSEG_HOME", str(base))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    for var, sub in (("XDG_CACHE_HOME", "xcache"), ("XDG_CONFIG_HOME", "xconfig"),
                     ("XDG_DATA_HOME", "xdata"), ("XDG_STATE_HOME", "xstate")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("TOKSEG_CONFIG", raising=False)
    # The refresher pushes to every tmux server it finds there: only the test's own servers.
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path / "tmux"))
    # A real keyring backend class of the tests' own, chosen through keyring's own configuration; on the
    # PYTHONPATH so every tokseg process a test starts (and the refresher it spawns) can load it.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    import keyring.core

    keyring.core.init_backend()  # in-process commands too: keyring chose its backend once, at import
    return base


@pytest.fixture
def config_file(home: Path) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_config(path: Path, text: str) -> Path:
    """Write a config and give it a distinct mtime, as an editor would."""
    path.write_text(text, encoding="utf-8")
    stamp = time.time()
    os.utime(path, (stamp, stamp))
    return path


def run_tokseg(*args: str, env: dict[str, str] | None = None, input: str | None = None,
               timeout: float = 30) -> subprocess.CompletedProcess:
    """Run the real console entry in a fresh interpreter, as a status bar would."""
    return subprocess.run(
        [sys.executable, "-m", "tokseg", *args],
        env={**os.environ, **(env or {})}, input=input, capture_output=True, text=True, timeout=timeout,
    )


def steady_demo_start(span_s: float) -> float:
    """A start, ending at most a day ago, over which the demo's prepaid balance (speed 1) only drains.

    It is topped up every (START − TOP_UP_AT) / DRAIN hours of wall time; a span across that moment
    would show a jump instead of the steady $0.90/h a test expects.
    """
    from tokseg.providers import demo

    cycle = (demo.START_BALANCE - demo.TOP_UP_AT) / demo.DRAIN_PER_HOUR * 3600
    now = time.time()
    last_top_up = now // cycle * cycle
    return now - span_s if now - span_s > last_top_up + 60 else last_top_up - span_s - 60


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def refresher_log():
    """What the in-process refresher logs during one test (its file handler is set up once per process)."""
    logger = logging.getLogger("tokseg.refresh")
    handler = _Collect()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    """Local time is UTC for this test (budget periods and quiet hours use local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
