"""What the refresher derives after each run: history, forecasts, budget states, alerts, metrics file.

`after_run` is the refresher's one call into this: it appends the run's
readings to history, prunes it, compiles each account's forecast, budget
checks and 24-hour trend into the snapshot (so the hot path shows them
without touching sqlite), evaluates alerts and writes the Prometheus file.
A failure here is logged and never costs the run its snapshot.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import alerts, budgets, forecast, history, prometheus, store

if TYPE_CHECKING:
    from tokseg.config import Config
    from tokseg.refresh import Outcome
    from tokseg.schema import ReadingDict, Snapshot

SPEND_PERIODS = ("today", "week", "month")
LOOKBACK_S = 6 * 3600.0  # the last reading before a period starts, to count use across its start

log = logging.getLogger("tokseg.refresh")


def after_run(cfg: Config, outcomes: list[Outcome], now: float) -> None:
    if not outcomes:
        return
    try:
        with history.opened() as conn:
            for outcome in outcomes:
                if outcome.ok and outcome.reading is not None:
                    history.record(conn, outcome.account, outcome.reading, now)
            history.prune(conn, now, cfg.settings.history_days)
            snap = store.update(lambda s: annotate(s, cfg, conn, now))
            alerts.evaluate(conn, cfg, snap, now)
        if cfg.settings.prometheus_file:
            prometheus.write(Path(cfg.settings.prometheus_file).expanduser(),
                             prometheus.render(snap, prometheus.identity(cfg.settings.metrics)))
    except sqlite3.OperationalError as exc:  # busy or unwritable: try again next run
        log.warning("history unavailable this run: %s", exc)
    except sqlite3.DatabaseError as exc:  # not a database / malformed: keep it for inspection, start afresh
        log.error("history database unreadable (%s); moved to %s, a new one starts next run", exc, history.set_aside())
    except Exception:  # history is an extra: the segment must keep working without it
        log.exception("history/forecast/alerts step failed")


def annotate(snap: Snapshot, cfg: Config, conn: sqlite3.Connection, now: float) -> None:
    """Write forecast, budget, budget_state and trend into each account entry; the total into snap["budget"]."""
    totals: dict[str, tuple[float, str]] = {}
    for account in cfg.accounts:
        entry = snap["accounts"].get(account.name)
        if entry is None:
            continue
        reading = entry.get("reading")
        if not reading:
            entry.update({"forecast": None, "budget": [], "budget_state": "ok", "trend": ""})
            continue
        limits = cfg.budgets.for_account(account.name)
        spend = period_spend(conn, account.name, reading, now)
        checks = budgets.account_checks(limits, reading, spend)
        entry["forecast"] = forecast.forecast(conn, account.name, reading, now, cfg.settings.burn_window_hours, limits)
        entry["budget"] = checks
        entry["budget_state"] = budgets.worst(checks)
        chosen = forecast.target(reading)
        entry["trend"] = history.sparkline(account.name, 24.0, metric=chosen[0] if chosen else None,
                                           unit=chosen[1] if chosen else None, now=now, conn=conn)
        if account.enabled:
            for period, (amount, currency) in spend.items():
                if currency == cfg.budgets.currency:
                    totals[period] = (totals.get(period, (0.0, currency))[0] + amount, currency)
    checks = budgets.spend_checks(cfg.budgets.total, totals)
    snap["budget"] = {"state": budgets.worst(checks), "currency": cfg.budgets.currency, "checks": checks}


def period_spend(conn: sqlite3.Connection, account: str, reading: ReadingDict,
                 now: float) -> dict[str, tuple[float, str]]:
    """Spend today/this week/this month: as reported, else the balance's drain in history since the period began."""
    spent = reading.get("spent") or {}
    out = {p: (spent[p]["amount"], spent[p]["currency"]) for p in SPEND_PERIODS if p in spent}
    balances = reading.get("balance") or []
    if not balances:
        return out
    currency = balances[0]["currency"]
    for period in SPEND_PERIODS:
        if period in out:
            continue
        start = forecast.period_start(period, now)
        points = history.series(conn, account, "balance", currency, start - LOOKBACK_S)
        before = [p for p in points if p[0] < start][-1:]
        out[period] = (round(forecast.use(before + [p for p in points if p[0] >= start], drain=True), 6), currency)
    return out
