"""Append-only JSONL logs, read incrementally: the first row source (refresher only).

For each file the index keeps device, inode, size, the offset read up to, the
first bytes (to notice a file replaced in place) and the parser's own state
(Codex keeps running totals). A refresh stats every file and reads only the
bytes past the stored offset, up to the last complete line; a file that
shrank, changed inode or changed its first bytes is read again from zero,
its stored rows replaced.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, ClassVar

from tokseg.sources._index import Replaces, Row, ScanStats, Stamp, Update

CHUNK = 4 << 20
HEAD = 64

# parse(line, state) -> rows; `state` is the file's JSON-serialisable parser state, mutated in place.
Parser = Callable[[bytes, dict], Iterable[Row]]


@dataclass(frozen=True)
class JsonlFiles:
    """Log files that only grow, one JSON object a line."""

    paths: Sequence[str]
    parse: Parser
    kind: ClassVar[str] = "jsonl"
    parallel: ClassVar[bool] = True  # reading touches only the file: a first scan may read it in a worker
    unchanged_by_size: ClassVar[bool] = True  # same device, inode and size: nothing new (see `read`)

    def read(self, path: str, known: Stamp | None, stats: ScanStats) -> Update | None:
        info = os.stat(path)
        offset, state, head = 0, {}, b""
        replaces: Replaces = "all"
        if known is not None:
            if (known.dev, known.ino, known.size) == (info.st_dev, info.st_ino, info.st_size):
                return None
            if _appended(path, known, info, stats):
                offset, state, head = known.offset, json.loads(known.state), known.head
                replaces = "nothing"
            else:
                stats.rescanned.append(path)
        stats.files_read += 1
        rows: list[Row] = []
        with open(path, "rb") as fh:
            fh.seek(offset)
            for line, end in _lines(fh, offset, info.st_size, stats):
                rows.extend(self.parse(line, state))
                offset = end
            if not head and offset:
                fh.seek(0)
                head = fh.read(min(HEAD, offset))
        stats.rows += len(rows)
        stamp = Stamp(self.kind, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, offset, head,
                      json.dumps(state))
        return Update(stamp, rows, replaces)


def _appended(path: str, known: Stamp, info: os.stat_result, stats: ScanStats) -> bool:
    """Same inode, not shorter than what was read, same first bytes: the file only grew."""
    if (known.dev, known.ino) != (info.st_dev, info.st_ino) or info.st_size < known.offset:
        return False
    if not known.head:
        return True
    with open(path, "rb") as fh:
        now_head = fh.read(len(known.head))
    stats.check_bytes += len(now_head)
    return now_head == known.head


def _lines(fh: BinaryIO, offset: int, size: int, stats: ScanStats) -> Iterator[tuple[bytes, int]]:
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
    """Every file under `root` ending in `suffix`, sorted; a missing root gives none.

    As `os.walk` lists them (a symlink to a folder is not followed, one to a file is listed), with the
    paths joined by `os.scandir` itself: thousands of session files are listed at every refresh.
    """
    found: list[str] = []
    folders = [root]
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    if entry.name.endswith(suffix):
                        found.append(entry.path)
                elif not entry.is_symlink():
                    folders.append(entry.path)
    return sorted(found)
