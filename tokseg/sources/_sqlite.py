"""One table of another tool's SQLite database, read without disturbing it: a row source (refresher only).

The database is opened read-only (`mode=ro`): tokseg never creates or
writes it, and in WAL mode a reader never blocks the agent writing it (it
sees the last committed rows). A read is one short transaction fetched
into memory before anything is parsed, so a rollback-journal database is
held only for the fetch, and a database locked for longer than `timeout`
is reported and tried again next time. Nothing is opened while the file
and its -wal keep their inode, size and modification time.

With a `cursor` - a column that grows whenever a row is added or changed:
`rowid` for a table that is only appended to, an update time for one whose
rows change - only rows at or past the last value seen are fetched (those
at it again, as a time may repeat), and they replace their stored copies
key by key. Everything is read again when there is no cursor, when the
file was replaced, or when the table holds fewer rows than last time
(rows were deleted). A reader of a schema it cannot be sure of sets
`optional_cursor`: the cursor is then used only when the table has that
column, and without it every change is read in full. With `keep_deleted`,
rows gone from the table keep counting: a read replaces stored rows only
key by key (for a request that was billed even if the agent deletes it).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

from tokseg.sources._index import Row, ScanStats, Stamp, Update

# parse(record) -> rows; `record` holds the table's `columns`, in order.
RecordParser = Callable[[tuple], Iterable[Row]]


@dataclass(frozen=True)
class SqliteTable:
    """Rows of `table` in each database of `paths`."""

    paths: Sequence[str]
    table: str
    columns: str  # what `parse` is given, e.g. "id, data"
    parse: RecordParser
    cursor: str = ""
    timeout: float = 2.0  # seconds to wait for a lock before giving up until the next refresh
    optional_cursor: bool = False  # the table may lack `cursor`: then it is read whole on every change
    keep_deleted: bool = False  # rows deleted from the table keep their stored copies
    kind: ClassVar[str] = "sqlite"

    def read(self, path: str, known: Stamp | None, stats: ScanStats) -> Update | None:
        info, wal = os.stat(path), _wal_stamp(path)
        prior, same = {}, False
        if known is not None:
            prior, same = json.loads(known.state), (known.dev, known.ino) == (info.st_dev, info.st_ino)
            if same and (known.size, known.mtime_ns, prior.get("wal")) == (info.st_size, info.st_mtime_ns, wal):
                return None
        since = prior.get("cursor") if same and self.cursor else None
        count, records, since = self._fetch(path, since, prior.get("count", 0))
        stats.files_read += 1
        stats.fetched += len(records)
        rows = [row for record in records for row in self.parse(record[1:])]
        stats.rows += len(rows)
        cursor = max((record[0] for record in records if record[0] is not None), default=since)
        state = json.dumps({"wal": wal, "cursor": cursor, "count": count})
        stamp = Stamp(self.kind, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, 0, b"", state)
        return Update(stamp, rows, "keys" if since is not None or self.keep_deleted else "all")

    def _fetch(self, path: str, since: object, before: int) -> tuple[int, list[tuple], object]:
        """(row count, records, the cursor value read from - None for all) in one read transaction."""
        uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        try:
            db.execute("BEGIN")  # the count and the records from one snapshot
            cursor = self._cursor(db)
            count = db.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0] if cursor else 0
            if count < before or not cursor:
                since = None
            query = f"SELECT {cursor or 'NULL'}, {self.columns} FROM {self.table}"
            if since is None:
                return count, db.execute(query).fetchall(), None
            return count, db.execute(f"{query} WHERE {cursor} >= ?", (since,)).fetchall(), since
        finally:
            db.close()

    def _cursor(self, db: sqlite3.Connection) -> str:
        """The cursor column, or "" when it is optional and the table does not have it."""
        if not self.cursor or not self.optional_cursor:
            return self.cursor
        names = {str(row[1]).lower() for row in db.execute(f"PRAGMA table_info({self.table})")}
        return self.cursor if self.cursor.lower() in names else ""


def _wal_stamp(path: str) -> list[int] | None:
    """The -wal file's size and time; a missing or empty one (no pending writes) is None."""
    try:
        info = os.stat(path + "-wal")
    except FileNotFoundError:
        return None
    return [info.st_size, info.st_mtime_ns] if info.st_size else None
