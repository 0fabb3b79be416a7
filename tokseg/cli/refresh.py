"""`tokseg refresh`: fetch now in the foreground, or quietly as the detached refresher."""

from __future__ import annotations

import sys
import time

import click

from tokseg import defaults, safe_text
from tokseg import refresh as refresher
from tokseg.cli.completion import account_names
from tokseg.render import view as views

FOREGROUND_LOCK_WAIT_S = 45.0


@click.command()
@click.argument("accounts", nargs=-1, shell_complete=account_names)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; the exit code says whether all succeeded.")
@click.option("--detached", is_flag=True, hidden=True, help="Run as the background refresher (due accounts only).")
@click.pass_context
def refresh(ctx: click.Context, accounts: tuple[str, ...], quiet: bool, detached: bool) -> None:
    """Fetch every account (or the named ones) now and update the snapshot.

    Exits non-zero if any account failed.
    """
    if detached:
        refresher.run()
        return
    progress = _LiveLine() if (not quiet and sys.stderr.isatty()) else None
    report = refresher.run(list(accounts) or None, force=True, progress=progress, wait=FOREGROUND_LOCK_WAIT_S)
    if progress:
        progress.clear()
    if report.busy:
        raise click.ClickException("another refresh is still running; try again in a moment")
    if report.config_error:
        raise click.ClickException(report.config_error)
    if not quiet:
        _table(report)
    ctx.exit(1 if report.failed else 0)


class _LiveLine:
    """One updating stderr line: which accounts are still being fetched."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.done = 0

    def __call__(self, name: str, outcome: refresher.Outcome | None) -> None:
        if outcome is None:
            self.pending.append(name)
        else:
            self.pending.remove(name)
            self.done += 1
        waiting = safe_text.visible(", ".join(self.pending)) or "writing snapshot"
        total = self.done + len(self.pending)
        click.echo(f"\r\x1b[K⟳ {self.done}/{total} done · waiting: {waiting}", err=True, nl=False)

    def clear(self) -> None:
        click.echo("\r\x1b[K", err=True, nl=False)


def _table(report: refresher.Report) -> None:
    now = time.time()
    if not report.outcomes:
        click.echo(defaults.NO_ACCOUNTS_HINT)
        return
    width = max(len(o.account) for o in report.outcomes)
    for outcome in report.outcomes:
        status = click.style(f"{outcome.error_kind or 'ok':<12}", fg="green" if outcome.ok else "red")
        text = views.headline(outcome.reading, now)[0] if outcome.ok else outcome.message
        click.echo(f"{status} " + safe_text.visible(f"{outcome.account:<{width}}  {text}  ({outcome.seconds:.1f}s)"))
