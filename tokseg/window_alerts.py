"""Subscription windows for alerts: each window's warn/crit level, and when a window has reset.

Levels use the account's window thresholds: `window_warn_pct` / `window_crit_pct` of
`[budgets.ACCOUNT]` when either is set (as the budget checks do), else the account's own
`warn_pct` / `crit_pct` (80 / 95 by default), the ones that colour its segment.

A reset is told from two readings of one window, the one seen last and the new one:

1. the last one named a reset time, and that time has come (the new reading was taken at most
   the tolerance before it);
2. the new one shows a new period: its reset time is more than the tolerance after the last one,
   or its used % fell by at least RESET_DROP_PCT points (a provider that names no reset time
   once the window is idle, or does not move it yet);
3. its used % is below the last one (a window that had no use is not news when it rolls over).

The tolerance is JITTER_S, or a quarter of the window's length when that is shorter: providers
give reset times that move by seconds from one answer to the next, which is never a reset, and
a reset time that moves while it is still ahead is a provider changing its mind, not a reset.
A window with no reset time is never reported as reset. The last reading of each window lives
in the history database (`window_seen`); `pending` marks a reset not yet notified (quiet hours).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tokseg import budgets

if TYPE_CHECKING:
    from tokseg.config import Account, Config
    from tokseg.schema import BudgetCheck, WindowDict

JITTER_S = 300.0
RESET_DROP_PCT = 10.0
NEVER = 101.0  # a threshold no used % reaches


@dataclass(frozen=True)
class Seen:
    """The last reading of one window: its reset time and used %."""

    resets_at: float | None
    used_pct: float


def thresholds(cfg: Config, account: Account) -> tuple[float, float]:
    """(warn, crit) in percent used for this account's windows."""
    limits = cfg.budgets.for_account(account.name)
    if limits.window_warn_pct is not None or limits.window_crit_pct is not None:
        return limits.window_warn_pct or NEVER, limits.window_crit_pct or NEVER
    found = account.thresholds or {}
    return float(found.get("warn_pct", NEVER)), float(found.get("crit_pct", NEVER))


def check(window: WindowDict, warn: float, crit: float) -> BudgetCheck:
    """The window as a check under rule `window.NAME`, the rule budget checks of windows use too."""
    pct = float(window["used_pct"])
    return {"rule": f"window.{window['name']}", "used": pct, "limit": 100.0, "unit": "%", "pct": pct,
            "state": budgets.by_pct(pct, warn, crit)}


def tolerance(window: WindowDict) -> float:
    length = window.get("length_s")
    return min(JITTER_S, length / 4) if isinstance(length, (int, float)) and length > 0 else JITTER_S


def has_reset(last: Seen, window: WindowDict, at: float) -> bool:
    """Whether `window`, read at `at`, began a new period since `last` (the rules in the module docstring)."""
    if last.resets_at is None or at < last.resets_at - tolerance(window):
        return False
    used, resets_at = float(window["used_pct"]), window.get("resets_at")
    moved_on = resets_at is not None and resets_at > last.resets_at + tolerance(window)
    dropped = last.used_pct - used >= RESET_DROP_PCT
    return (moved_on or dropped) and used < last.used_pct


def observe(conn: sqlite3.Connection, account: str, window: WindowDict, at: float) -> bool:
    """Record this reading of the window; True while a reset seen now or earlier waits to be notified."""
    name = window["name"]
    row = conn.execute("SELECT resets_at, used_pct, pending FROM window_seen WHERE account = ? AND name = ?",
                       (account, name)).fetchone()
    pending = bool(row and row[2]) or (row is not None and has_reset(Seen(row[0], row[1]), window, at))
    now_seen = (window.get("resets_at"), float(window["used_pct"]), int(pending))
    if row is None or tuple(row) != now_seen:  # an unchanged window (a kept reading) costs no write
        with conn:
            conn.execute("INSERT INTO window_seen (account, name, resets_at, used_pct, pending) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (account, name) DO UPDATE SET resets_at = excluded.resets_at, "
                         "used_pct = excluded.used_pct, pending = excluded.pending", (account, name, *now_seen))
    return pending


def settle(conn: sqlite3.Connection, account: str, name: str) -> None:
    """The waiting reset of this window is handled (sent, or held back by the cooldown)."""
    with conn:
        conn.execute("UPDATE window_seen SET pending = 0 WHERE account = ? AND name = ?", (account, name))
