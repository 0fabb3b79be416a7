"""Reading history in sqlite: one row per account, metric and reading; trends and sparklines.

The refresher appends every reading it takes (slow path only; the hot path
never imports sqlite3). WAL mode lets `tokseg history` read while the
refresher writes, and sqlite's journal keeps the file whole if a writer is
killed mid-transaction: the unfinished transaction is simply absent.

Metrics, with their unit:
    balance           remaining prepaid credit, per currency
    limit_remaining   cap left, in its currency
    spent.PERIOD      spend for today/week/month/block/session, per currency
    window.NAME       a subscription window's used %, unit "%"
    tokens.PERIOD     total tokens for the period, unit "tokens"
    model.spent.PERIOD.MODEL   one model's spend for the period, per currency
    model.tokens.PERIOD.MODEL  one model's total tokens for the period, unit "tokens"

Model names hold dots and slashes, so they come last: the first three
dot-separated parts never do, and the rest is the name whatever it holds.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import dirs

if TYPE_CHECKING:
    from tokseg.schema import ProjectUsageDict, ReadingDict

DB_FILE = "history.sqlite3"
SCHEMA_VERSION = 2  # 2: window_seen (alerts on window resets); the script below only adds tables
SPARK = "▁▂▃▄▅▆▇█"
PREFERRED = ("balance", "limit_remaining", "spent.today", "spent.month", "window.", "tokens.today")
SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    account TEXT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    ts REAL NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (account, metric, unit, ts)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_ts ON samples (ts);
CREATE TABLE IF NOT EXISTS alert_state (
    account TEXT NOT NULL,
    rule TEXT NOT NULL,
    level TEXT NOT NULL,
    fired_level TEXT,
    fired_at REAL,
    PRIMARY KEY (account, rule)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS window_seen (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    resets_at REAL,
    used_pct REAL NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
"""

Point = tuple[float, float]


def db_path() -> Path:
    return dirs.state_dir() / DB_FILE


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the history database in WAL mode, private to the user."""
    path = path or db_path()
    dirs.ensure_private(path.parent)
    fresh = not path.exists()
    conn = sqlite3.connect(str(path), timeout=10.0)
    try:
        if fresh:
            os.chmod(path, 0o600)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut may drop the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            with conn:
                conn.executescript(SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.close()
        raise
    return conn


def set_aside(path: Path | None = None) -> Path:
    """Rename an unreadable database (dropping its -wal/-shm) so the next connect starts a fresh one."""
    path = path or db_path()
    target = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return target


def problem(exc: sqlite3.Error, path: Path | None = None) -> str:
    """One line naming the history database and the fix for an error a command got from it."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        fix = "the disk is full; free some space and run the command again"
    elif "locked" in lowered or "busy" in lowered:
        fix = "another tokseg holds it; try again in a moment"
    elif "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        fix = "it cannot be written; check the file's and its folder's permissions"
    elif "malformed" in lowered or "not a database" in lowered:
        fix = "it is damaged; the next refresh moves it aside and starts a new one"
    else:
        fix = "check the file and the disk"
    return f"{path or db_path()}: {text}; {fix}"


@contextmanager
def opened(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


def metrics(reading: ReadingDict) -> list[tuple[str, str, float]]:
    """(metric, unit, value) for every figure in a reading dict."""
    out = [("balance", m["currency"], m["amount"]) for m in reading.get("balance") or ()]
    left = reading.get("limit_remaining")
    if left:
        out.append(("limit_remaining", left["currency"], left["amount"]))
    out += [(f"spent.{p}", m["currency"], m["amount"]) for p, m in (reading.get("spent") or {}).items()]
    out += [(f"window.{w['name']}", "%", w["used_pct"]) for w in reading.get("windows") or ()]
    out += [(f"tokens.{p}", "tokens", float(t["total"])) for p, t in (reading.get("tokens") or {}).items()]
    for usage in reading.get("models") or ():
        spent, tokens = usage.get("spent"), usage.get("tokens")
        if spent:
            out.append((model_metric("spent", usage["period"], usage["model"]), spent["currency"], spent["amount"]))
        if tokens:
            out.append((model_metric("tokens", usage["period"], usage["model"]), "tokens", float(tokens["total"])))
    for project in reading.get("projects") or ():
        key, period = project_key(project), project["period"]
        if project["spent"]:
            out.append((model_metric("spent", period, key, PROJECT_PREFIX), project["spent"]["currency"],
                        project["spent"]["amount"]))
        out.append((model_metric("tokens", period, key, PROJECT_PREFIX), "tokens", float(project["tokens"]["total"])))
    return out


MODEL_PREFIX = "model."
PROJECT_PREFIX = "project."
GROUP_PREFIXES = (MODEL_PREFIX, PROJECT_PREFIX)


def model_metric(kind: str, period: str, model: str, prefix: str = MODEL_PREFIX) -> str:
    """The metric name of one model's (or, with PROJECT_PREFIX, one project's) `kind` ("spent" or "tokens")
    for `period`."""
    return f"{prefix}{kind}.{period}.{model}"


def split_model_metric(metric: str, prefix: str = MODEL_PREFIX) -> tuple[str, str, str] | None:
    """(kind, period, model or project) of a per-group metric with that prefix, or None for any other metric."""
    if not metric.startswith(prefix):
        return None
    parts = metric.split(".", 3)
    return (parts[1], parts[2], parts[3]) if len(parts) == 4 and parts[3] else None


def is_group_metric(metric: str) -> bool:
    """A per-model or per-project figure: a breakdown, not one of the account's own totals."""
    return any(split_model_metric(metric, prefix) for prefix in GROUP_PREFIXES)


def project_key(project: ProjectUsageDict) -> str:
    """A project's name in history: its folder (two repos may share a folder name), else its label."""
    return project.get("root") or project.get("project") or ""


def record(conn: sqlite3.Connection, account: str, reading: ReadingDict, ts: float) -> int:
    """Append one reading; one transaction, so a crash leaves all of it or none."""
    rows = [(account, metric, unit, ts, float(value)) for metric, unit, value in metrics(reading)]
    with conn:
        conn.executemany("INSERT OR REPLACE INTO samples (account, metric, unit, ts, value) VALUES (?, ?, ?, ?, ?)",
                         rows)
    return len(rows)


def prune(conn: sqlite3.Connection, now: float, days: float) -> int:
    """Drop samples older than the retention; returns how many went."""
    with conn:
        cursor = conn.execute("DELETE FROM samples WHERE ts < ?", (now - days * 86400.0,))
    return cursor.rowcount


def series(conn: sqlite3.Connection, account: str, metric: str, unit: str | None = None,
           since: float = 0.0) -> list[Point]:
    """(ts, value) of one metric, oldest first; `unit` picks a currency when there are several."""
    query = "SELECT ts, value FROM samples WHERE account = ? AND metric = ? AND ts >= ?"
    params: list = [account, metric, since]
    if unit is not None:
        query += " AND unit = ?"
        params.append(unit)
    return conn.execute(query + " ORDER BY ts", params).fetchall()


def samples(conn: sqlite3.Connection, since: float = 0.0, account: str | None = None) -> list[tuple]:
    """Every (ts, account, metric, unit, value) since `since`, for export and `tokseg history`."""
    query = "SELECT ts, account, metric, unit, value FROM samples WHERE ts >= ?"
    params: list = [since]
    if account:
        query += " AND account = ?"
        params.append(account)
    return conn.execute(query + " ORDER BY account, metric, unit, ts", params).fetchall()


def primary_metric(conn: sqlite3.Connection, account: str, since: float = 0.0) -> tuple[str, str] | None:
    """The metric a trend shows when none is named: balance first, then spend, windows, tokens."""
    found = conn.execute("SELECT DISTINCT metric, unit FROM samples WHERE account = ? AND ts >= ? "
                         "ORDER BY metric, unit", (account, since)).fetchall()
    for prefix in PREFERRED:
        for metric, unit in found:
            if metric == prefix or (prefix.endswith(".") and metric.startswith(prefix)):
                return metric, unit
    return None


def spark(values: list[float | None]) -> str:
    """Unicode bars scaled between the lowest and highest value; leading gaps (no data yet) are dropped."""
    while values and values[0] is None:
        values = values[1:]
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span <= 0:
            out.append(SPARK[len(SPARK) // 2])
        else:
            out.append(SPARK[min(len(SPARK) - 1, int((value - low) / span * len(SPARK)))])
    return "".join(out)


def bucketed(points: list[Point], start: float, end: float, width: int) -> list[float | None]:
    """The last value in each of `width` equal buckets; an empty bucket repeats the one before."""
    step = (end - start) / width
    values: list[float | None] = [None] * width
    for ts, value in points:
        if start <= ts <= end:
            values[min(width - 1, int((ts - start) / step))] = value
    last: float | None = None
    for i, slot in enumerate(values):
        if slot is None:
            values[i] = last
        else:
            last = slot
    return values


def sparkline(account: str, hours: float = 24.0, *, metric: str | None = None, unit: str | None = None,
              width: int = 24, now: float | None = None, conn: sqlite3.Connection | None = None) -> str:
    """The account's trend over the last `hours` as `width` bars ("" with no history).

    For `tokseg show` and tooltips; the refresher also compiles the 24-hour
    one into the snapshot (`entry["trend"]`) for hot-path renderers.
    """
    now = time.time() if now is None else now
    since = now - hours * 3600.0
    if conn is None:
        if not db_path().exists():
            return ""
        with opened() as own:
            return sparkline(account, hours, metric=metric, unit=unit, width=width, now=now, conn=own)
    if metric is None:
        chosen = primary_metric(conn, account, since)
        if chosen is None:
            return ""
        metric, unit = chosen
    return spark(bucketed(series(conn, account, metric, unit, since), since, now, width))
