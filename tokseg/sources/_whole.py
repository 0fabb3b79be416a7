"""Files an agent rewrites whole (a JSON chat or thread per file): a row source (refresher only).

Such a file has no append point, so it is read again in full whenever its
device, inode, size or modification time change, and the rows it gives
replace all of its stored rows. A file caught half-written fails to parse:
its stored rows and stamp stay, and the next refresh tries again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from tokseg.sources._index import Row, ScanStats, Stamp, Update

# parse(data, path) -> rows; raises ValueError when the data is not (yet) a whole document.
WholeParser = Callable[[bytes, str], Iterable[Row]]


@dataclass(frozen=True)
class WholeFiles:
    """Files re-read in full when they change; a file's rows are replaced as a whole."""

    paths: Sequence[str]
    parse: WholeParser
    kind: ClassVar[str] = "whole"

    def read(self, path: str, known: Stamp | None, stats: ScanStats) -> Update | None:
        info = os.stat(path)  # a stat, not an open: a folder may hold thousands of unchanged files
        stamp = Stamp(self.kind, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, 0, b"", "")
        if stamp == known:
            return None
        with open(path, "rb") as fh:  # a change after the stat leaves an older stamp: read again next time
            data = fh.read()
        stats.files_read += 1
        stats.bytes_read += len(data)
        rows = list(self.parse(data, path))
        stats.rows += len(rows)
        return Update(stamp, rows, "all")
