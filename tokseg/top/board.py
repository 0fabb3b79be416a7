"""What the dashboard shows, read from the snapshot, the config and the history.

Never a provider and never the keyring: a key kept in the keyring is shown
by its source alone, since reading it could block on an unlock prompt;
a key from the environment is shown as its preview.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import config, forecast, history, locations, providers, secrets, snapshot
from tokseg.errors import TokError
from tokseg.render import view as views

if TYPE_CHECKING:
    from tokseg.schema import Snapshot, View

# Which recorded figure is an account's cost, the first one it has: counters that grow, then drains.
COST_METRICS = ("spent.today", "spent.week", "spent.month", "balance", "limit_remaining")
SPAN_DAYS = (7, 30, 90)


@dataclass
class Board:
    """One read of everything; `days` maps (account, currency) to {local date: cost that day}."""

    view: View
    snapshot: Snapshot | None = None
    keys: dict[str, str] = field(default_factory=dict)
    days: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    history_error: str | None = None


def load(now: float) -> Board:
    """The snapshot as the segment sees it at `now`, the accounts' key sources and the daily cost history."""
    snap = snapshot.read(locations.snapshot_path())
    board = Board(views.build(snap, now), snap, key_sources(snap))
    try:
        board.days = daily_cost(now - max(SPAN_DAYS) * 86400.0)
    except sqlite3.Error as exc:
        board.history_error = history.problem(exc)
    return board


def restamp(board: Board, now: float) -> None:
    """The same readings seen at `now` (ages, time to resets and next refreshes move on): no file is read."""
    board.view = views.build(board.snapshot, now)


def key_sources(snap: Snapshot | None) -> dict[str, str]:
    """account -> `sk-or-…91bc` (a key from the environment), `env NAME` (not set), `keyring`, `key_command`
    or `no key`; empty when the config cannot be read (the snapshot still shows the figures)."""
    path = snap["config"].get("path") if snap else None
    if not path:
        return {}
    try:
        cfg = config.load(Path(path))
    except (TokError, OSError):
        return {}
    out = {}
    for account in cfg.accounts:
        name = account.name
        try:
            spec = providers.load(account.provider).SECRET
        except Exception:  # an unknown provider or a plugin that cannot load: `tokseg doctor` names it, not this
            out[name] = "?"
            continue
        if spec is None:
            out[name] = "no key"
        elif account.key_command is not None:
            out[name] = "key_command"  # running it could prompt (pass, gpg): never from a dashboard
        elif account.key_env:
            value = os.environ.get(account.key_env, "").strip()
            out[name] = secrets.preview(value) if value else f"env {account.key_env} unset"
        else:
            out[name] = "keyring"
    return out


def daily_cost(since: float) -> dict[tuple[str, str], dict[str, float]]:
    """Cost per local day and currency of each account since `since`, from the first of COST_METRICS it records.

    A counter's use is the sum of its increases with its resets (a new day) taken as new use, a balance's the
    sum of its drops (a top-up is not use): the same steps the burn rate and `tokseg history --by day` use.
    """
    if not history.db_path().exists():
        return {}
    with history.opened() as conn:
        rows = history.samples(conn, since)
    series: dict[tuple[str, str, str], list[history.Point]] = {}
    for ts, account, metric, unit, value in rows:
        if metric in COST_METRICS and unit not in ("%", "tokens"):
            series.setdefault((account, unit, metric), []).append((ts, value))
    chosen: dict[tuple[str, str], str] = {}
    for account, unit, metric in sorted(series, key=lambda key: COST_METRICS.index(key[2])):
        chosen.setdefault((account, unit), metric)
    out: dict[tuple[str, str], dict[str, float]] = {}
    for (account, unit), metric in sorted(chosen.items()):
        per_day = out.setdefault((account, unit), {})
        for ts, used in forecast.steps(series[(account, unit, metric)], metric in forecast.DRAINS):
            day = day_of(ts)
            per_day[day] = per_day.get(day, 0.0) + used
    return out


def day_of(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def last_days(now: float, count: int) -> list[str]:
    """The local dates of the last `count` days, today last."""
    return [day_of(now - (count - 1 - i) * 86400.0) for i in range(count)]
