"""A first scan read by worker processes gives the index, the figures and the errors a sequential scan gives."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, ctx, user_row, write_lines
from tokseg.sources import _parallel, claude_logs

NOW = time.time()


def tree(root: Path) -> None:
    """Sessions with streamed replies, the same message copied into several files with equal scores (the
    first file in order wins), sidechain replays, a line cut short, and a file that cannot be read."""
    for s in range(9):
        lines = [user_row(NOW - 9000 + s)]
        for n in range(40):
            ts = NOW - 8000 + s * 300 + n
            lines += [claude_row(f"m{s}-{n}", ts, output=10, cwd=f"/home/dev/app{s % 3}"),
                      claude_row(f"m{s}-{n}", ts + 1, output=90, cwd=f"/home/dev/app{s % 3}", session=f"s{s}")]
        lines += [claude_row("shared", NOW - 100, output=50, session=f"copy{s}"),
                  claude_row("side", NOW - 50, output=70, sidechain=s % 2 == 0, session=f"side{s}")]
        write_lines(root / "projects" / f"-home-dev-app{s % 3}" / f"{s:02d}.jsonl", lines)
    with open(root / "projects" / "-home-dev-app0" / "00.jsonl", "a") as fh:
        fh.write('{"type": "assistant", "message": {"id": "cut"')
    (root / "projects" / "-home-dev-app1" / "99.jsonl").symlink_to(root / "missing")


def scan(root: Path, account: str):
    reading, stats = claude_logs.run(ctx(claude_logs.Options(paths=str(root)), {"HOME": "/nonexistent"}, NOW, account))
    return reading.to_dict(), stats


def index_rows(home: Path, account: str) -> list[tuple]:
    db = sqlite3.connect(str(next((home / "state").rglob(f"claude_logs-{account}.sqlite3"))))
    try:
        return [db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in ("rows", "best", "files")]
    finally:
        db.close()


def test_workers_give_what_one_process_gives(tmp_path, home, monkeypatch):
    root = tmp_path / "claude"
    tree(root)
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1 << 60)
    alone, alone_stats = scan(root, "alone")
    forked = []
    real = _parallel._forked
    monkeypatch.setattr(_parallel, "_forked", lambda *a: forked.append(1) or real(*a))
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(_parallel, "WINDOW", 1)
    shared, shared_stats = scan(root, "shared")
    assert forked == [1]
    assert shared == alone and alone["spent"]["today"]["amount"] > 0
    assert len(alone_stats.errors) == 1 and "99.jsonl" in alone_stats.errors[0]
    for field in ("files", "files_read", "bytes_read", "rows", "errors", "rescanned"):
        assert getattr(shared_stats, field) == getattr(alone_stats, field), field
    assert index_rows(home, "shared") == index_rows(home, "alone")
    best = dict((row[1], row[0]) for row in index_rows(home, "shared")[1])
    assert best["shared"].endswith("00.jsonl")  # equal copies: the first file in order wins, as before


def test_a_rescan_after_a_forked_first_scan_reads_only_new_bytes(tmp_path, home, monkeypatch):
    root = tmp_path / "claude"
    tree(root)
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    first, _ = scan(root, "cc")
    added = write_lines(root / "projects" / "-home-dev-app2" / "05.jsonl", [claude_row("late", NOW - 10, output=5)],
                        mode="a")
    later, stats = scan(root, "cc")
    assert (stats.files_read, stats.bytes_read) == (1, added)
    assert later["tokens"]["today"]["total"] > first["tokens"]["today"]["total"]


@pytest.mark.parametrize("cores", [1, None])
def test_one_core_or_no_fork_stays_sequential(tmp_path, monkeypatch, cores):
    root = tmp_path / "claude"
    tree(root)
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    if cores:
        monkeypatch.setattr(_parallel.os, "cpu_count", lambda: cores)
    else:
        monkeypatch.delattr(_parallel.os, "fork")
    monkeypatch.setattr(_parallel, "_forked", lambda *a: pytest.fail("forked"))
    reading, stats = scan(root, "cc")
    assert stats.files_read == 9 and reading["spent"]["today"]["amount"] > 0


def test_walk_lists_what_os_walk_lists(tmp_path):
    """Symlinks to folders are not followed, symlinks to files (even broken ones) are listed, a folder
    named like a log is not, and a missing root or a file given as the root lists nothing."""
    from tokseg.sources._tail import walk

    def by_os_walk(root: str) -> list[str]:
        return sorted(os.path.join(folder, name) for folder, _, names in os.walk(root)
                      for name in names if name.endswith(".jsonl"))

    for name in ("a/b/x.jsonl", "a/y.jsonl", "c/z.jsonl", "a/notes.txt"):
        write_lines(tmp_path / name, ["{}"])
    (tmp_path / "a" / "dir.jsonl").mkdir()
    (tmp_path / "a" / "linked").symlink_to(tmp_path / "c")
    (tmp_path / "a" / "link.jsonl").symlink_to(tmp_path / "c" / "z.jsonl")
    (tmp_path / "a" / "broken.jsonl").symlink_to(tmp_path / "gone")
    for root in (tmp_path, tmp_path / "a", tmp_path / "missing", tmp_path / "a" / "y.jsonl", tmp_path / "a" / "linked"):
        assert walk(str(root)) == by_os_walk(str(root)), root
    assert len(walk(str(tmp_path))) == 5
