"""Incremental reading of append-only JSONL logs, with an SQLite index (refresher only).

For each file the index keeps device, inode, size, the offset read up to, the
first bytes (to notice a file replaced in place) and the parser's own state
(Codex keeps running totals). A refresh stats every file and reads only the
bytes past the stored offset, up to the last complete line; a file that
shrank, changed inode or changed its first bytes is read again from zero
after its rows are dropped. Rows are kept per file and key; the global
de-duplication (the same message in several files) happens when rows are
summed (`winners`), so dropping one file never loses another's copy.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

SCHEMA = "1"
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


class Priced(NamedTuple):
    """A winning row as read back for the totals; cost None = model not in the price table."""

    ts: float
    model: str
    uncached: int
    cache_read: int
    write_5m: int
    write_1h: int
    output: int
    cost: float | None
    flags: int


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
            DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS rows;
            CREATE TABLE files (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER,
                                offset INTEGER, head BLOB, state TEXT);
            CREATE TABLE rows (file TEXT, key TEXT, ts REAL, model TEXT, uncached INTEGER, cache_read INTEGER,
                               write_5m INTEGER, write_1h INTEGER, output INTEGER, cost REAL, score INTEGER,
                               flags INTEGER, PRIMARY KEY (file, key)) WITHOUT ROWID;
            CREATE INDEX rows_ts ON rows (ts);
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
        gone = [p for p in known if p not in seen]
        if gone:
            with self.db:
                self.db.executemany("DELETE FROM rows WHERE file = ?", [(p,) for p in gone])
                self.db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in gone])
        return stats

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
                self.db.execute("DELETE FROM rows WHERE file = ?", (path,))
        stats.files_read += 1
        rows: list[Row] = []
        with open(path, "rb") as fh:
            fh.seek(offset)
            for line, end in _lines(fh, offset, stats):
                rows.extend(parse(line, state))
                offset = end
            if not head and offset:
                fh.seek(0)
                head = fh.read(min(HEAD, offset))
        stats.rows += len(rows)
        with self.db:
            self.db.executemany(
                "INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (file, key) DO UPDATE SET "
                "ts=excluded.ts, model=excluded.model, uncached=excluded.uncached, cache_read=excluded.cache_read, "
                "write_5m=excluded.write_5m, write_1h=excluded.write_1h, output=excluded.output, cost=excluded.cost, "
                "score=excluded.score, flags=excluded.flags WHERE excluded.score > rows.score",
                [(path, r.key, r.ts, r.model, r.uncached, r.cache_read, r.write_5m, r.write_1h, r.output, cost(r),
                  r.score, r.flags) for r in rows])
            self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
                            (path, info.st_dev, info.st_ino, info.st_size, offset, head, json.dumps(state)))

    def winners(self, since: float) -> list[Priced]:
        """Rows from `since` on, one per key across all files (the highest score), oldest first."""
        query = """
            SELECT ts, model, uncached, cache_read, write_5m, write_1h, output, cost, flags FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY key ORDER BY score DESC) AS rank
                FROM rows WHERE ts >= ?)
            WHERE rank = 1 ORDER BY ts"""
        return [Priced(*row) for row in self.db.execute(query, (since,))]


def _lines(fh, offset: int, stats: ScanStats) -> Iterator[tuple[bytes, int]]:
    """Complete lines from the current position, each with the offset just past it.

    A last line without its newline is being written: it is left for the next run.
    """
    carry = b""
    while True:
        chunk = fh.read(CHUNK)
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
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files if name.endswith(suffix))
    return sorted(found)
