"""`tokseg top`: the live dashboard, or with `--once` one frame of it as text.

A reader like the segment: the snapshot, the config's key sources and the
history, never a provider. The TUI library is an optional extra imported
here only when the live dashboard starts; `--once` needs none of it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from tokseg.errors import TokError
from tokseg.top import frames

NO_TERMINAL = "the live dashboard needs a terminal; `tokseg top --once` prints one frame as text"
MISSING_TEXTUAL = ("the live dashboard needs the Textual library, an optional extra: pip install 'tokseg[top]' "
                   "(with pipx: pipx inject tokseg textual); `tokseg top --once` prints a frame without it")


@click.command()
@click.option("--once", is_flag=True, help="Print one frame as text and exit (for screenshots and scripts).")
@click.option("--view", "view_name", type=click.Choice(frames.VIEWS), default="accounts", show_default=True,
              help="The view to start with (--once: the one printed).")
@click.option("--period", type=click.Choice(frames.PERIODS), default="today", show_default=True,
              help="The period of the breakdown, sessions and efficiency (trends: 7, 30 or 90 days).")
@click.option("--by", type=click.Choice(frames.BY), default="model", show_default=True,
              help="The breakdown: by model, by project or by agent.")
@click.option("--demo", is_flag=True, help="Show synthetic accounts with three weeks of history: no keys needed.")
@click.option("--seed", type=click.IntRange(min=0),
              help="With --demo: a demo clock this seed starts (in UTC), so the same seed shows the same figures.")
@click.option("--width", type=click.IntRange(min=40), help="--once: the width of the frame (default: the terminal's).")
@click.option("--theme", type=click.Choice(("dark", "light")), default="dark", show_default=True,
              help="The colours for a dark or a light terminal background (`d` switches while it runs).")
def top(once: bool, view_name: str, period: str, by: str, demo: bool, seed: int | None, width: int | None,
        theme: str) -> None:
    """Show a live dashboard: accounts, cost trends, breakdowns, sessions, efficiency.

    It reads the snapshot and the history only; `r` starts a refresh in the
    background and the dashboard updates when the snapshot changes.
    """
    if seed is not None and not demo:
        raise click.UsageError("--seed works with --demo only")
    choice = frames.Choice(view_name, frames.PERIODS.index(period), by, selected=-1 if once else 0,
                           blocks=_can_print("▕█░▏▁▂▃▄▅▆▇"))
    if not once:
        _need_textual()
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise TokError(NO_TERMINAL)
    folder = Path(tempfile.mkdtemp(prefix="tokseg-top-demo-")) if demo else None
    try:
        clock = _demo_clock(folder, seed, frozen=once) if folder else time.time
        if once:
            _print_once(choice, clock(), width)
        else:
            from tokseg.top.app import TopApp

            TopApp(choice, clock, demo_clock=folder is not None and seed is not None, light=theme == "light").run()
    finally:
        if folder:
            _remove_demo(folder)


def _can_print(text: str) -> bool:
    """Whether the terminal's encoding has the block characters of the gauges and charts (else ASCII ones)."""
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _need_textual() -> None:
    try:
        import textual  # noqa: F401
    except ImportError:
        raise TokError(MISSING_TEXTUAL) from None


def _print_once(choice: frames.Choice, now: float, width: int | None) -> None:
    from tokseg.top import board

    size = shutil.get_terminal_size((100, 24))
    for text, _style in frames.frame(board.load(now), choice, width or size.columns, max(24, size.lines)):
        click.echo(text.rstrip())


def _demo_clock(folder: Path, seed: int | None, frozen: bool) -> Callable[[], float]:
    """Prepare the demo home; the clock is the real one, or a demo clock from the seed that runs on from there
    (`frozen`, for --once: stays at the seed's moment, so the frame is the same on every run)."""
    from tokseg.cli.demo import SEED_ORIGIN, SEED_STEP_S
    from tokseg.top import demo_home

    if seed is None:
        demo_home.prepare(folder, time.time())
        return time.time
    demo_home.utc()
    origin = SEED_ORIGIN + seed * SEED_STEP_S
    demo_home.prepare(folder, origin)
    started = time.monotonic()
    return (lambda: origin) if frozen else (lambda: origin + (time.monotonic() - started))


def _remove_demo(folder: Path) -> None:
    from tokseg.cli.demo import _stop_refresher

    _stop_refresher(folder)
    shutil.rmtree(folder, ignore_errors=True)
