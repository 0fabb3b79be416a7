"""Burn rate and "when does it run out", from the history of one metric.

Two shapes of series:
- a drain (balance, limit left) only falls with use; a rise is a top-up and
  counts as zero use, never as negative burn;
- a counter (spend per period, window used %, tokens) only rises with use;
  a large fall is a reset (new day, new window) and the new value is the
  use since that reset. A small fall is a correction and counts as zero.

The burn rate is the use over a sliding window divided by the hours the
samples span. The forecast is projected from the latest reading.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tokseg import history
from tokseg.budgets import PERIODS, Limits

if TYPE_CHECKING:
    from tokseg.schema import ForecastDict, ReadingDict

DRAINS = ("balance", "limit_remaining")
RESET_FRACTION = 0.5  # a counter falling below half its last value was reset
MIN_SPAN_S = 600.0  # two readings seconds apart say nothing about a rate


def steps(points: list[history.Point], drain: bool) -> list[history.Point]:
    """(ts, use since the previous sample) for every sample after the first."""
    out = []
    for (_, before), (ts, after) in zip(points, points[1:]):
        if drain:
            used = max(0.0, before - after)
        elif after >= before:
            used = after - before
        else:
            used = after if after < before * RESET_FRACTION else 0.0
        out.append((ts, used))
    return out


def use(points: list[history.Point], drain: bool) -> float:
    """Total use along a series, with top-ups and resets detected."""
    return sum(used for _, used in steps(points, drain))


def burn(points: list[history.Point], drain: bool) -> tuple[float, float] | None:
    """(use per hour, hours spanned), or None when the samples span too little time."""
    if len(points) < 2:
        return None
    span = points[-1][0] - points[0][0]
    if span < MIN_SPAN_S:
        return None
    return use(points, drain) / (span / 3600.0), span / 3600.0


def target(reading: ReadingDict) -> tuple[str, str, str, float, float | None] | None:
    """(metric, unit, kind, current value, resets_at) a forecast follows, from the reading's headline."""
    head = reading.get("headline") or {}
    kind, key = head.get("kind"), head.get("key", "")
    windows = {w["name"]: w for w in reading.get("windows") or ()}
    spent = reading.get("spent") or {}
    if kind == "window" and key in windows:
        return f"window.{key}", "%", "window", windows[key]["used_pct"], windows[key].get("resets_at")
    if kind == "spent" and key in spent:
        return f"spent.{key}", spent[key]["currency"], "spend", spent[key]["amount"], None
    left = reading.get("limit_remaining")
    if kind == "limit_remaining" and left:
        return "limit_remaining", left["currency"], "limit", left["amount"], None
    if reading.get("balance"):
        first = reading["balance"][0]
        return "balance", first["currency"], "balance", first["amount"], None
    if windows:
        window = next(iter(windows.values()))
        return f"window.{window['name']}", "%", "window", window["used_pct"], window.get("resets_at")
    for period in ("today", "month"):
        if period in spent:
            return f"spent.{period}", spent[period]["currency"], "spend", spent[period]["amount"], None
    return None


def forecast(conn: sqlite3.Connection, account: str, reading: ReadingDict, now: float, window_hours: float,
             limits: Limits | None = None) -> ForecastDict | None:
    """The snapshot's `forecast` for one account, or None without enough history.

    runs_out_at: balance/limit reaches zero; a window reaches 100% (None if
    it resets first); spend reaches the period's budget (None without one,
    or if the period ends first).
    """
    chosen = target(reading)
    if chosen is None:
        return None
    metric, unit, kind, value, resets_at = chosen
    rate = burn(history.series(conn, account, metric, unit, now - window_hours * 3600.0), metric in DRAINS)
    if rate is None:
        return None
    per_hour, span_h = rate
    runs_out_at = None
    if per_hour > 0:
        if kind in ("balance", "limit"):
            runs_out_at = now + max(0.0, value) / per_hour * 3600.0
        elif kind == "window":
            full_at = now + max(0.0, 100.0 - value) / per_hour * 3600.0
            runs_out_at = None if resets_at and full_at >= resets_at else full_at
        else:
            runs_out_at = _budget_reached(metric, value, per_hour, now, limits)
    return {"metric": metric, "unit": unit, "kind": kind, "burn_per_hour": round(per_hour, 6),
            "span_h": round(span_h, 3), "runs_out_at": None if runs_out_at is None else round(runs_out_at, 1),
            "resets_at": resets_at}


def _budget_reached(metric: str, value: float, per_hour: float, now: float, limits: Limits | None) -> float | None:
    period = metric.split(".", 1)[1]
    budget_key = {p: k for k, p in PERIODS.items()}.get(period)
    limit = getattr(limits, budget_key) if limits and budget_key else None
    if limit is None:
        return None
    at = now + max(0.0, limit - value) / per_hour * 3600.0
    return at if at < period_start(period, now, ahead=True) else None


def period_start(period: str, now: float, ahead: bool = False) -> float:
    """Local start of the day/week/month holding `now` (or of the next one, `ahead`)."""
    local = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start = local - timedelta(days=local.weekday())
        end = start + timedelta(days=7)
    elif period == "month":
        start = local.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        start, end = local, local + timedelta(days=1)
    return (end if ahead else start).timestamp()
