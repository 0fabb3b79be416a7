"""`tokseg demo`: a live segment with no keys, in a throwaway home.

It writes a config of demo accounts into a temporary TOKSEG_HOME and then
runs the real segment command once a second, exactly as a status bar
would: the first call finds no snapshot and starts the detached refresher,
later calls print cached data and trigger refreshes as accounts come due.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from tokseg import dirs

SETTINGS = """\
# The demo accounts: synthetic figures that move {speed:g}x faster than real time.
[settings]
interval = {interval}

[alerts]
enabled = false   # its windows fill and reset every few minutes: no desktop notifications from a demo
"""
ACCOUNT = """
[accounts.{name}]
provider = "demo"
kind = "{kind}"
speed = {speed:g}
"""
# preset -> (speed, the accounts as (name, kind)); heavy shows every state the segment has
PRESETS: dict[str, tuple[float, tuple[tuple[str, str], ...]]] = {
    "light": (60, (("credits", "prepaid"), ("claude", "subscription"), ("plan", "coding_plan"), ("web", "session"),
                   ("api", "postpaid"), ("flaky", "flaky"))),
    "heavy": (600, (("credits", "prepaid"), ("claude", "subscription"), ("plan", "coding_plan"), ("web", "session"),
                    ("api", "postpaid"), ("flaky", "flaky"), ("dead", "revoked"))),
}
SEED_ORIGIN = 1_767_225_600  # 2026-01-01 00:00 UTC: seed N starts the demo clock N × SEED_STEP_S after it
SEED_STEP_S = 86_400 + 3_917  # a day and an odd part of one, so each seed shows another hour and date
LEGEND = ("legend: ↻ time to the window's reset · ~ stale (last good figure, refresh failing) · !auth, "
          "!network… the account needs you (`tokseg doctor`) · * partly unpriced · Ctrl-C ends the demo")


def demo_config(preset: str, interval: int) -> str:
    """The config of a preset's accounts."""
    speed, accounts = PRESETS[preset]
    return SETTINGS.format(speed=speed, interval=interval) + "".join(
        ACCOUNT.format(name=name, kind=kind, speed=speed) for name, kind in accounts)


@click.command()
@click.option("--seconds", default=0, show_default=True, type=click.IntRange(min=0),
              help="Stop after this many seconds; 0 runs until Ctrl-C.")
@click.option("--frames", type=click.IntRange(min=1), help="Stop after this many lines.")
@click.option("--seed", type=click.IntRange(min=0),
              help="Run on a demo clock this seed starts: the same seed prints the same figures.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="light", show_default=True,
              help="light: six accounts; heavy: seven, faster, one with a refused key.")
@click.option("--interval", default=5, show_default=True, type=click.IntRange(min=5), help="Refresh interval.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the demo home here instead of a temporary folder.")
def demo(seconds: int, frames: int | None, seed: int | None, preset: str, interval: int, home: Path | None) -> None:
    """Show a live segment of synthetic accounts until Ctrl-C: no keys needed.

    Each line is what a status bar would show at that moment. With --seed
    the figures follow a demo clock instead of the real one, one second a
    line, so two runs with the same seed print the same lines.
    """
    folder = home or Path(tempfile.mkdtemp(prefix="tokseg-demo-"))
    config_file = folder / "config" / "config.toml"
    dirs.ensure_private(config_file.parent)
    config_file.write_text(demo_config(preset, interval), encoding="utf-8")
    kept = "kept" if home else "removed when the demo ends; --home DIR keeps one"
    click.echo(f"demo home: {folder} ({kept}); meanwhile try: TOKSEG_HOME={folder} tokseg show")
    click.echo(LEGEND)
    live = sys.stdout.isatty()
    limit = Limit(seconds, frames)
    try:
        if seed is None:
            _loop(_demo_env(folder), limit, live)
        else:
            _seeded(folder, SEED_ORIGIN + seed * SEED_STEP_S, limit, live)
    except KeyboardInterrupt:  # Ctrl-C is how the demo ends: a clean exit 0, the line finished below
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        if live:
            click.echo()
        if home is None:
            _stop_refresher(folder)
            shutil.rmtree(folder, ignore_errors=True)


class Limit:
    """When the demo stops: after `seconds` (0: never) or `frames` lines (None: never)."""

    def __init__(self, seconds: int, frames: int | None) -> None:
        self.deadline = time.monotonic() + seconds if seconds else None
        self.frames_left = frames

    def another(self) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.frames_left is not None:
            self.frames_left -= 1
            return self.frames_left >= 0
        return True


def _demo_env(folder: Path) -> dict[str, str]:
    env = {**os.environ, "TOKSEG_HOME": str(folder)}
    env.pop("TOKSEG_CONFIG", None)
    return env


def _show(stamp: str, segment: str, live: bool) -> None:
    line = f"{stamp}  {segment}"
    click.echo(f"\r\x1b[K{line}" if live else line, nl=not live)


def _loop(env: dict[str, str], limit: Limit, live: bool) -> None:
    """The real segment command once a second, as a bar runs it (it starts the detached refresher)."""
    command = [sys.executable, "-m", "tokseg"]
    while limit.another():
        started = time.monotonic()
        segment = subprocess.run(command, env=env, capture_output=True, text=True, check=False).stdout.strip()
        took = (time.monotonic() - started) * 1000
        _show(time.strftime("%H:%M:%S"), f"{segment}   ({took:.0f} ms)", live)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def _seeded(folder: Path, origin: float, limit: Limit, live: bool) -> None:
    """The refresher and the segment's renderer in this process on a demo clock, one demo second a line."""
    from tokseg import locations, snapshot
    from tokseg import refresh as refresher
    from tokseg.render import render
    from tokseg.render import view as views

    os.environ["TOKSEG_HOME"] = str(folder)
    os.environ.pop("TOKSEG_CONFIG", None)
    frame = 0
    while limit.another():
        now = origin + frame
        refresher.run(clock=functools.partial(float, now))
        view = views.build(snapshot.read(locations.snapshot_path()), now)
        _show(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)), render(view, "plain", None, None), live)
        frame += 1
        if limit.frames_left is None or live:
            time.sleep(1.0)


def _stop_refresher(folder: Path) -> None:
    """Give a running refresher a moment to finish before its home is removed."""
    from filelock import FileLock, Timeout

    from tokseg.refresh import LOCK_FILE

    try:
        with FileLock(str(folder / "cache" / LOCK_FILE), timeout=10):
            pass
    except Timeout:
        pass
