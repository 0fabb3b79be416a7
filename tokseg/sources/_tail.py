"""Incremental reading of append-only JSONL logs, with an SQLite index (refresher only).

For each file the index keeps device, inode, size, the offset read up to, the
first bytes (to notice a file replaced in place) and the parser's own state
(Codex keeps running totals). A refresh stats every file and reads only the
bytes past the stored offset, up to the last complete line; a file that
shrank, changed inode or changed its first bytes is read again from zero
after its rows are dropped.

Rows are kept per file and key (`rows`), and the copy that wins across all
files - the highest score - is kept up to date in `best` as rows arrive, so
a refresh costs the new bytes plus one indexed sum, not a pass over history.
When a file's rows are dropped, its keys are re-decided from the copies the
other files still hold.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

SCHEMA = "2"
COLUMNS = "key, file, ts, model, uncached, cache_read, write_5m, write_1h, output, cost, score, flags"
UPDATE_WINNER = ("ts=excluded.ts, model=excluded.model, uncached=excluded.uncached, cache_read=excluded.cache_read, "
                 "write_5m=excluded.write_5m, write_1h=excluded.write_1h, output=excluded.output, "
                 "cost=excluded.cost, score=excluded.score, flags=excluded.flags")
CHUNK = 4 << 20
HEAD = 64


class Row(NamedTuple):
    """One request's usage, normalised; `score` decides which copy of a key wins (higher wins)."""

    key: str
    ts: float
    model: str
    uncached: int
    cache_read: int
    write_5m: int
    write_1h: int
    output: int
    score: int
    flags: int = 0


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


# parse(line, state) -> rows; `state` is the file's JSON-serialisable parser state, mutated in place.
Parser = Callable[[bytes, dict], Iterable[Row]]
Coster = Callable[[Row], "float | None"]


@dataclass
class ScanStats:
    """What a sync did: the figures tests and the benchmark check."""

    files: int = 0
    files_read: int = 0
    rescanned: list[str] = field(default_factory=list)
    bytes_read: int = 0  # log bytes parsed
    check_bytes: int = 0  # first bytes re-read to confirm a file is the same one
    rows: int = 0


class Index:
    """One account's index: files read so far and their rows."""

    def __init__(self, path: Path, version: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=10)
        os.chmod(path, 0o600)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._setup(f"{SCHEMA}/{version}")

    def _setup(self, version: str) -> None:
        """A schema or pricing change makes stored costs wrong: start again from the logs."""
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        found = self.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if found and found[0] == version:
            return
        self.db.executescript("""
            DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS rows; DROP TABLE IF EXISTS best;
            CREATE TABLE files (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER,
                                offset INTEGER, head BLOB, state TEXT);
            CREATE TABLE rows (key TEXT, file TEXT, ts REAL, model TEXT, uncached INTEGER, cache_read INTEGER,
                               write_5m INTEGER, write_1h INTEGER, output INTEGER, cost REAL, score INTEGER,
                               flags INTEGER, PRIMARY KEY (file, key)) WITHOUT ROWID;
            CREATE INDEX rows_key ON rows (key);
            CREATE TABLE best (key TEXT PRIMARY KEY, file TEXT, ts REAL, model TEXT, uncached INTEGER,
                               cache_read INTEGER, write_5m INTEGER, write_1h INTEGER, output INTEGER, cost REAL,
                               score INTEGER, flags INTEGER);
            CREATE INDEX best_ts ON best (ts);
            CREATE INDEX best_file ON best (file);
        """)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))

    def close(self) -> None:
        self.db.close()

    def offsets(self) -> dict[str, int]:
        """Stored read offset per file (for tests and `doctor`)."""
        return dict(self.db.execute("SELECT path, offset FROM files"))

    def sync(self, paths: Iterable[str], parse: Parser, cost: Coster) -> ScanStats:
        """Bring the index up to date with `paths`; files no longer there are forgotten."""
        stats = ScanStats()
        known = {row[0]: row for row in self.db.execute("SELECT path, dev, ino, size, offset, head, state FROM files")}
        seen = set()
        for path in paths:
            seen.add(path)
            stats.files += 1
            try:
                self._sync_file(path, known.get(path), parse, cost, stats)
            except OSError:
                continue  # vanished or unreadable between listing and reading: next run will see
        for path in known:
            if path not in seen:
                with self.db:
                    self._drop_rows(path)
                    self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        return stats

    def _drop_rows(self, path: str) -> None:
        """Forget a file's rows; keys it won go to the best copy left in other files."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS dropped (key TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM dropped")
        self.db.execute("INSERT INTO dropped SELECT key FROM best WHERE file = ?", (path,))
        self.db.execute("DELETE FROM best WHERE file = ?", (path,))
        self.db.execute("DELETE FROM rows WHERE file = ?", (path,))
        self.db.execute(f"""
            INSERT INTO best SELECT {COLUMNS} FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY key ORDER BY score DESC) AS rank
                FROM rows WHERE key IN (SELECT key FROM dropped))
            WHERE rank = 1""")

    def _sync_file(self, path: str, known: tuple | None, parse: Parser, cost: Coster, stats: ScanStats) -> None:
        info = os.stat(path)
        offset, state, head = 0, {}, b""
        if known is not None:
            _, dev, ino, size, offset, head, state_text = known
            if (dev, ino, size) == (info.st_dev, info.st_ino, info.st_size):
                return
            same = (dev, ino) == (info.st_dev, info.st_ino) and info.st_size >= offset
            if same and head:
                with open(path, "rb") as fh:
                    now_head = fh.read(len(head))
                stats.check_bytes += len(now_head)
                same = now_head == head
            if same:
                state = json.loads(state_text)
            else:
                stats.rescanned.append(path)
                offset, state, head = 0, {}, b""
                with self.db:
                    self._drop_rows(path)
        stats.files_read += 1
        rows: list[Row] = []
        with open(path, "rb") as fh:
            fh.seek(offset)
            for line, end in _lines(fh, offset, info.st_size, stats):
                rows.extend(parse(line, state))
                offset = end
            if not head and offset:
                fh.seek(0)
                head = fh.read(min(HEAD, offset))
        stats.rows += len(rows)
        values = [(r.key, path, r.ts, r.model, r.uncached, r.cache_read, r.write_5m, r.write_1h, r.output, cost(r),
                   r.score, r.flags) for r in rows]
        with self.db:
            self.db.executemany(f"INSERT INTO rows VALUES ({','.join('?' * 12)}) ON CONFLICT (file, key) "
                                f"DO UPDATE SET {UPDATE_WINNER} WHERE excluded.score > rows.score", values)
            self.db.executemany(f"INSERT INTO best VALUES ({','.join('?' * 12)}) ON CONFLICT (key) "
                                f"DO UPDATE SET file=excluded.file, {UPDATE_WINNER} WHERE excluded.score > best.score",
                                values)
            self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
                            (path, info.st_dev, info.st_ino, info.st_size, offset, head, json.dumps(state)))

    def totals(self, since: float, until: float) -> dict[str, Totals]:
        """Per-model sums of the winning copies with `since <= ts <= until`."""
        query = """
            SELECT model, COUNT(*), SUM(uncached), SUM(cache_read), SUM(write_5m), SUM(write_1h), SUM(output),
                   TOTAL(cost), SUM(cost IS NULL) FROM best WHERE ts BETWEEN ? AND ? GROUP BY model"""
        return {row[0]: Totals(*row[1:]) for row in self.db.execute(query, (since, until))}

    def flagged(self, since: float, until: float, flag: int) -> int:
        """How many winning requests in the period carry `flag`."""
        query = "SELECT COUNT(*) FROM best WHERE ts BETWEEN ? AND ? AND flags & ? != 0"
        return self.db.execute(query, (since, until, flag)).fetchone()[0]

    def times(self, since: float, until: float) -> list[float]:
        """Timestamps of the winning requests in the period, oldest first."""
        return [ts for (ts,) in self.db.execute("SELECT ts FROM best WHERE ts BETWEEN ? AND ? ORDER BY ts",
                                                (since, until))]


def _lines(fh, offset: int, size: int, stats: ScanStats) -> Iterator[tuple[bytes, int]]:
    """Complete lines from `offset` (the current position) up to `size`, each with the offset just past it.

    Reading stops at the size the file had when it was stat'ed, so the stored
    size and offset describe the same moment; a last line without its newline
    is being written and is left for the next run.
    """
    carry = b""
    while offset + len(carry) < size:
        chunk = fh.read(min(CHUNK, size - offset - len(carry)))
        if not chunk:
            return
        stats.bytes_read += len(chunk)
        data = carry + chunk
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            yield data[start:end], offset + end + 1
            start = end + 1
        offset += start
        carry = data[start:]
        # `offset` now points at the first byte of `carry` in the file.


def walk(root: str, suffix: str = ".jsonl") -> list[str]:
    """Every file under `root` ending in `suffix`, sorted; a missing root gives none."""
    found: list[str] = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files if name.endswith(suffix))
    return sorted(found)
