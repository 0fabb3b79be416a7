"""One account's index of log rows, fed by row sources of any format (refresher only).

A row source (`RowSource`) lists its inputs - files or databases - and,
given what the index remembers of one (its `Stamp`), says whether it
changed and what rows it now holds (`Update`). The index is the only
writer: it stores rows per input and key (`rows`) and keeps the copy that
wins across all inputs - the highest score - in `best` as rows arrive, so
copies of a request in several files, or in a database and a folder, count
once, and a refresh costs the new input plus one indexed sum. When an
input's rows go, its keys are re-decided from the copies the others hold.

The columns come from `Row`: adding a field there adds it to both tables,
and the column list is part of the stored version, so old indexes rebuild.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Protocol, get_type_hints

from tokseg import dirs
from tokseg.sources import _parallel

SCHEMA = "3"


class Row(NamedTuple):
    """One request's usage, normalised; `score` decides which copy of a key wins (higher wins).

    `vendor` is the price table's provider id for the request (`anthropic`, `openai`, ...);
    `flags` are the source's own bits (see `Flag` in `_spend`); `project` is the agent's working
    directory as logged (named for display by `_projects`), `session` the agent's session id and
    `branch` the git branch it was on; each is "" where the log does not say. `logged_cost` is the
    agent's own USD figure for the request (0 where it gives none): it prices the row only when the
    price table has no price for its model.
    """

    key: str
    ts: float
    vendor: str
    model: str
    uncached: int
    cache_read: int
    write_5m: int
    write_1h: int
    output: int
    score: int
    flags: int = 0
    project: str = ""
    session: str = ""
    branch: str = ""
    logged_cost: float = 0.0


class Totals(NamedTuple):
    """One model's sums over a period; `unpriced` counts requests whose model has no price."""

    requests: int
    uncached: int
    cache_read: int
    write_5m: int
    write_1h: int
    output: int
    cost: float
    unpriced: int


class Group(NamedTuple):
    """One group's sums (`Index.groups`): the grouping columns' values, and its first and last request."""

    values: tuple[str, ...]
    totals: Totals
    first: float
    last: float


class Stamp(NamedTuple):
    """What the index remembers of one input to tell whether it changed; each reader uses what it needs."""

    kind: str  # the reader that wrote it; another reader's stamp means "never read"
    dev: int
    ino: int
    size: int
    mtime_ns: int
    offset: int  # appended files: bytes read so far
    head: bytes  # appended files: the first bytes, to notice a file replaced in place
    state: str  # the reader's own JSON: a parser's running state, a database's WAL stamp and cursor


Replaces = Literal["nothing", "keys", "all"]


class Update(NamedTuple):
    """An input's new stamp and rows, and which of its stored rows they replace.

    nothing: the rows add to the input's (a copy of a key with a higher score wins);
    keys: stored rows with the same keys go first (a database row changed in place);
    all: every stored row of the input goes first (a file read again from the start).
    """

    stamp: Stamp
    rows: list[Row]
    replaces: Replaces


@dataclass
class ScanStats:
    """What a sync did: the figures tests and the benchmark check."""

    files: int = 0  # inputs listed
    files_read: int = 0  # inputs that had changed and were read
    rescanned: list[str] = field(default_factory=list)
    bytes_read: int = 0  # log bytes parsed
    check_bytes: int = 0  # first bytes re-read to confirm a file is the same one
    fetched: int = 0  # database records fetched
    rows: int = 0  # usage rows the parsers produced
    errors: list[str] = field(default_factory=list)  # "path: reason" per input that could not be read


class RowSource(Protocol):
    """Inputs of one format and how to read one of them."""

    @property
    def kind(self) -> str:
        """Names the reader in the stamps it writes."""
        ...

    @property
    def paths(self) -> Sequence[str]:
        """The inputs, as listed now; inputs no longer listed are forgotten."""
        ...

    def read(self, path: str, known: Stamp | None, stats: ScanStats) -> Update | None:
        """None when the input is unchanged since `known`; raises OSError, ValueError or sqlite3.Error."""
        ...


Coster = Callable[[Row], "float | None"]
_TYPES = {str: "TEXT", float: "REAL", int: "INTEGER", bytes: "BLOB"}
_STORED = {"file": str, **get_type_hints(Row), "cost": float}  # column -> Python type, in table order
STORED = tuple(_STORED)
_COLUMNS = ", ".join(f"{name} {_TYPES[kind]}" for name, kind in _STORED.items())
_WINNER = ", ".join(f"{name}=excluded.{name}" for name in STORED if name not in ("file", "key"))
_STAMP_COLUMNS = ", ".join(f"{name} {_TYPES[kind]}" for name, kind in get_type_hints(Stamp).items())
_UPSERT_ROW = (f"INSERT INTO rows VALUES ({','.join('?' * len(STORED))}) ON CONFLICT (file, key) "
               f"DO UPDATE SET {_WINNER} WHERE excluded.score > rows.score")
_UPSERT_BEST = (f"INSERT INTO best VALUES ({','.join('?' * len(STORED))}) ON CONFLICT (key) "
                f"DO UPDATE SET file=excluded.file, {_WINNER} WHERE excluded.score > best.score")
_INPUT_ERRORS = (OSError, ValueError, sqlite3.Error)


def _same_size(path: str, stored: tuple) -> bool:
    """Whether the file still has the stored device, inode and size; a stat that fails is the reader's to report."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino, info.st_size) == stored


def _winners(rows: list[Row]) -> Iterable[Row]:
    """Each key's row the upserts would keep - the highest score, the first of equals - so that only it is
    priced and written: a streamed reply logs each of its blocks, all under one key."""
    best: dict[str, Row] = {}
    for row in rows:
        held = best.get(row.key)
        if held is None or row.score > held.score:
            best[row.key] = row
    return best.values()


class Index:
    """One account's index: the inputs read so far and their rows."""

    def __init__(self, path: Path, version: str) -> None:
        dirs.ensure_private(path.parent)
        self.db = sqlite3.connect(str(path), timeout=10)
        os.chmod(path, 0o600)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._setup(f"{SCHEMA}/{','.join(STORED)}/{version}")

    def _setup(self, version: str) -> None:
        """A schema, column or pricing change makes stored rows wrong: start again from the logs."""
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        found = self.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if found and found[0] == version:
            return
        self.db.executescript(f"""
            DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS rows; DROP TABLE IF EXISTS best;
            CREATE TABLE files (path TEXT PRIMARY KEY, {_STAMP_COLUMNS});
            CREATE TABLE rows ({_COLUMNS}, PRIMARY KEY (file, key)) WITHOUT ROWID;
            CREATE INDEX rows_key ON rows (key);
            CREATE TABLE best ({_COLUMNS}, PRIMARY KEY (key));
            CREATE INDEX best_ts ON best (ts);
            CREATE INDEX best_file ON best (file);
        """)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))

    def close(self) -> None:
        self.db.close()

    def offsets(self) -> dict[str, int]:
        """Stored read offset per file (for tests and `doctor`)."""
        return dict(self.db.execute("SELECT path, offset FROM files"))

    def sync(self, sources: Iterable[RowSource], cost: Coster) -> ScanStats:
        """Bring the index up to date with every source's inputs; inputs no longer listed are forgotten.

        An input that cannot be read keeps its stored rows and stamp (so it is
        tried again next time) and is named in `stats.errors`.
        """
        stats = ScanStats()
        held = {row[0]: row[1:] for row in self.db.execute("SELECT path, kind, dev, ino, size FROM files")}
        inputs, seen = self._listed(sources, held, stats)
        for (_, path, _), outcome in zip(inputs, _parallel.read_all(inputs, stats, _INPUT_ERRORS)):
            if isinstance(outcome, BaseException):
                reason = outcome.strerror if isinstance(outcome, OSError) and outcome.strerror else str(outcome)
                stats.errors.append(f"{path}: {reason}")
            elif outcome is not None:
                self._apply(path, outcome, cost, stored=path in held)
        for path in held.keys() - seen:
            with self.db:
                self._drop(path)
                self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        return stats

    def _listed(self, sources: Iterable[RowSource], held: dict[str, tuple], stats: ScanStats,
                ) -> tuple[list[_parallel.Input], set[str]]:
        """The inputs to read, each with its stored stamp when its reader wrote it, and every input listed.

        A reader whose inputs are unchanged while device, inode and size are (`unchanged_by_size`) has
        those inputs checked here with one stat, and the full stamp is loaded only for those that changed:
        a rescan of thousands of files that finds nothing new stays a stat per file.
        """
        seen: set[str] = set()
        inputs: list[_parallel.Input] = []
        for source in sources:
            by_size = getattr(source, "unchanged_by_size", False)
            for path in source.paths:
                if path in seen:
                    continue
                seen.add(path)
                stats.files += 1
                mine = held.get(path)
                if mine is None or mine[0] != source.kind:
                    inputs.append((source, path, None))
                elif not (by_size and _same_size(path, mine[1:])):
                    row = self.db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
                    inputs.append((source, path, Stamp(*row[1:])))
        return inputs, seen

    def _apply(self, path: str, update: Update, cost: Coster, stored: bool) -> None:
        """Store an input's update in one transaction: a crash leaves the old rows or the new, never half."""
        values = [(path, *row, cost(row)) for row in _winners(update.rows)]
        with self.db:
            if update.replaces == "all" and stored:
                self._drop(path)
            elif update.replaces == "keys":
                self._drop(path, {row.key for row in update.rows})
            self.db.executemany(_UPSERT_ROW, values)
            self.db.executemany(_UPSERT_BEST, values)
            self.db.execute(f"INSERT OR REPLACE INTO files VALUES ({','.join('?' * (1 + len(Stamp._fields)))})",
                            (path, *update.stamp))

    def _drop(self, path: str, keys: set[str] | None = None) -> None:
        """Forget an input's rows (all, or those of `keys`); keys it won go to the best copy left elsewhere."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS dropped (key TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM dropped")
        if keys is None:
            self.db.execute("INSERT INTO dropped SELECT key FROM best WHERE file = ?", (path,))
            self.db.execute("DELETE FROM rows WHERE file = ?", (path,))
        else:
            self.db.executemany("INSERT OR IGNORE INTO dropped SELECT key FROM best WHERE key = ? AND file = ?",
                                [(key, path) for key in keys])
            self.db.executemany("DELETE FROM rows WHERE file = ? AND key = ?", [(path, key) for key in keys])
        self.db.execute("DELETE FROM best WHERE key IN (SELECT key FROM dropped)")
        columns = ", ".join(STORED)
        self.db.execute(f"""
            INSERT INTO best SELECT {columns} FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY key ORDER BY score DESC) AS rank
                FROM rows WHERE key IN (SELECT key FROM dropped))
            WHERE rank = 1""")

    def totals(self, since: float, until: float) -> dict[str, Totals]:
        """Per-model sums of the winning copies with `since <= ts <= until`."""
        query = """
            SELECT model, COUNT(*), SUM(uncached), SUM(cache_read), SUM(write_5m), SUM(write_1h), SUM(output),
                   TOTAL(cost), SUM(cost IS NULL) FROM best WHERE ts BETWEEN ? AND ? GROUP BY model"""
        return {row[0]: Totals(*row[1:]) for row in self.db.execute(query, (since, until))}

    def groups(self, since: float, until: float, by: tuple[str, ...]) -> list[Group]:
        """Sums of the winning copies in the period per distinct value of the `by` columns."""
        unknown = set(by) - set(Row._fields)
        if unknown:
            raise ValueError(f"not a row column: {sorted(unknown)}")
        columns = ", ".join(by)
        query = f"""
            SELECT {columns}, COUNT(*), SUM(uncached), SUM(cache_read), SUM(write_5m), SUM(write_1h), SUM(output),
                   TOTAL(cost), SUM(cost IS NULL), MIN(ts), MAX(ts)
            FROM best WHERE ts BETWEEN ? AND ? GROUP BY {columns}"""
        width = len(by)
        return [Group(tuple(row[:width]), Totals(*row[width:-2]), row[-2], row[-1])
                for row in self.db.execute(query, (since, until))]

    def unpriced(self, since: float, until: float) -> dict[tuple[str, str], int]:
        """Winning requests in the period whose vendor's table has no price for their model, per (vendor, model)."""
        query = """SELECT vendor, model, COUNT(*) FROM best WHERE ts BETWEEN ? AND ? AND cost IS NULL
                   GROUP BY vendor, model"""
        return {(vendor, model): n for vendor, model, n in self.db.execute(query, (since, until))}

    def vendors(self, since: float, until: float) -> set[str]:
        """The vendors of the winning requests in the period."""
        query = "SELECT DISTINCT vendor FROM best WHERE ts BETWEEN ? AND ?"
        return {vendor for (vendor,) in self.db.execute(query, (since, until))}

    def flagged(self, since: float, until: float, flag: int) -> int:
        """How many winning requests in the period carry `flag`."""
        query = "SELECT COUNT(*) FROM best WHERE ts BETWEEN ? AND ? AND flags & ? != 0"
        return self.db.execute(query, (since, until, flag)).fetchone()[0]

    def times(self, since: float, until: float) -> list[float]:
        """Timestamps of the winning requests in the period, oldest first."""
        return [ts for (ts,) in self.db.execute("SELECT ts FROM best WHERE ts BETWEEN ? AND ? ORDER BY ts",
                                                (since, until))]
