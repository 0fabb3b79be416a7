"""`tokseg demo`: a live segment with no keys, in a throwaway home.

It writes a config of demo accounts into a temporary TOKSEG_HOME and then
runs the real segment command once a second, exactly as a status bar
would: the first call finds no snapshot and starts the detached refresher,
later calls print cached data and trigger refreshes as accounts come due.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from tokseg import dirs

DEMO_CONFIG = """\
# The demo accounts: synthetic figures that move {speed:g}x faster than real time.
[settings]
interval = {interval}

[accounts.credits]
provider = "demo"
kind = "prepaid"
speed = {speed:g}

[accounts.claude]
provider = "demo"
kind = "subscription"
speed = {speed:g}

[accounts.api]
provider = "demo"
kind = "postpaid"

[accounts.flaky]
provider = "demo"
kind = "flaky"
"""

LEGEND = ("legend: ↻ time to the window's reset · ~ stale (last good figure, refresh failing) · !auth, "
          "!network… the account needs you (`tokseg doctor`) · * partly unpriced · Ctrl-C ends the demo")


@click.command()
@click.option("--seconds", default=0, show_default=True, help="How long to run; 0 runs until Ctrl-C.")
@click.option("--interval", default=5, show_default=True, type=click.IntRange(min=5), help="Refresh interval.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the demo home here instead of a temporary folder.")
def demo(seconds: int, interval: int, home: Path | None) -> None:
    """Show a live segment of synthetic accounts: no keys needed."""
    folder = home or Path(tempfile.mkdtemp(prefix="tokseg-demo-"))
    config_file = folder / "config" / "config.toml"
    dirs.ensure_private(config_file.parent)
    config_file.write_text(DEMO_CONFIG.format(interval=interval, speed=60), encoding="utf-8")
    env = {**os.environ, "TOKSEG_HOME": str(folder)}
    env.pop("TOKSEG_CONFIG", None)
    kept = "kept" if home else "removed when the demo ends; --home DIR keeps one"
    click.echo(f"demo home: {folder} ({kept}); meanwhile try: TOKSEG_HOME={folder} tokseg show")
    click.echo(LEGEND)
    live = sys.stdout.isatty()
    try:
        _loop(env, seconds, live)
    except KeyboardInterrupt:
        pass
    finally:
        if live:
            click.echo()
        if home is None:
            _stop_refresher(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _loop(env: dict[str, str], seconds: int, live: bool) -> None:
    command = [sys.executable, "-m", "tokseg"]
    deadline = time.monotonic() + seconds if seconds else None
    while deadline is None or time.monotonic() < deadline:
        started = time.monotonic()
        segment = subprocess.run(command, env=env, capture_output=True, text=True, check=False).stdout.strip()
        took = (time.monotonic() - started) * 1000
        line = f"{time.strftime('%H:%M:%S')}  {segment}   ({took:.0f} ms)"
        click.echo(f"\r\x1b[K{line}" if live else line, nl=not live)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def _stop_refresher(folder: Path) -> None:
    """Give a running refresher a moment to finish before its home is removed."""
    from filelock import FileLock, Timeout

    from tokseg.refresh import LOCK_FILE

    try:
        with FileLock(str(folder / "cache" / LOCK_FILE), timeout=10):
            pass
    except Timeout:
        pass
