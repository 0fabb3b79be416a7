"""Row sources beyond JSONL: whole files re-read on change, another tool's SQLite read read-only.

The formats here are small synthetic ones built for the tests (a chat
database with one JSON document per message, thread files holding a list
of messages); what is checked is the readers and the shared index: what is
read when, de-duplication across files and readers, pricing by each row's
vendor, and what happens when an input cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from tokseg import pricing
from tokseg.errors import BadResponse
from tokseg.sources import _spend
from tokseg.sources._index import Row
from tokseg.sources._sqlite import SqliteTable
from tokseg.sources._whole import WholeFiles

NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
SOURCE, ACCOUNT = "synthetic_logs", "synthetic"


def message(msg_id: str, minutes_ago: float, *, vendor: str = "openai", model: str = "gpt-5", input: int = 1000,
            output: int = 100, read: int = 0) -> dict:
    """One request as both synthetic formats store it: JSON with its vendor, model, time (ms) and tokens."""
    return {"id": msg_id, "vendor": vendor, "model": model, "time": int((NOW - 60 * minutes_ago) * 1000),
            "tokens": {"input": input, "output": output, "cache_read": read}}


def to_rows(msg: dict) -> list[Row]:
    tokens = msg["tokens"]
    total = tokens["input"] + tokens["cache_read"] + tokens["output"]
    return [Row(msg["id"], msg["time"] / 1000, msg["vendor"], msg["model"], tokens["input"], tokens["cache_read"],
                0, 0, tokens["output"], total)]


def parse_thread(data: bytes, path: str) -> list[Row]:
    return [row for msg in json.loads(data)["messages"] for row in to_rows(msg)]


def parse_record(record: tuple) -> list[Row]:
    return to_rows(json.loads(record[0]))


def write_thread(path: Path, *messages: dict) -> int:
    data = json.dumps({"thread": path.stem, "messages": list(messages)}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def make_db(path: Path, wal: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
        db.execute("CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_updated INTEGER, data TEXT)")
    db.close()
    return path


def put(path: Path, *messages: dict, updated: int | None = None) -> None:
    """Insert or change messages, as the agent would; `time_updated` defaults to the message's time."""
    db = sqlite3.connect(path)
    with db:
        db.executemany("INSERT OR REPLACE INTO message VALUES (?, 's1', ?, ?)",
                       [(m["id"], updated if updated is not None else m["time"], json.dumps(m)) for m in messages])
    db.close()


def table(path: Path, **kw) -> SqliteTable:
    return SqliteTable([str(path)], "message", "data", parse_record, **kw)


def threads(*paths: Path) -> WholeFiles:
    return WholeFiles([str(p) for p in paths], parse_thread)


def run(*readers):
    return _spend.run(ACCOUNT, SOURCE, list(readers), NOW)


def output(reading) -> int:
    return reading.tokens["today"].output


def cost(vendor: str, model: str, inp: int, out: int, read: int = 0) -> float:
    usage = Usage(input_tokens=inp + read, cache_read_tokens=read, output_tokens=out)
    return float(calc_price(usage, model, provider_id=vendor).total_price)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_totals() -> dict:
    """The index's figures as stored, without syncing it."""
    index = _spend.index_for(SOURCE, ACCOUNT, pricing.VERSION)
    try:
        return index.totals(0, NOW)
    finally:
        index.close()


def test_whole_files_are_read_again_only_when_they_change(tmp_path):
    a, b = tmp_path / "T-a.json", tmp_path / "T-b.json"
    size_a = write_thread(a, message("m1", 50, output=100))
    size_b = write_thread(b, message("m2", 40, output=200))
    reading, stats = run(threads(a, b))
    assert (stats.files_read, stats.bytes_read, output(reading)) == (2, size_a + size_b, 300)
    _, stats = run(threads(a, b))
    assert (stats.files_read, stats.bytes_read) == (0, 0)  # unchanged: not even opened
    size_b = write_thread(b, message("m2", 40, output=200), message("m3", 5, output=400))
    reading, stats = run(threads(a, b))
    assert (stats.files_read, stats.bytes_read, output(reading)) == (1, size_b, 700)  # m2 once, m3 added
    write_thread(b, message("m2", 40, output=200), message("m3", 5, output=500))  # same size, new content
    later = b.stat().st_mtime_ns + 1_000_000_000
    os.utime(b, ns=(later, later))
    reading, stats = run(threads(a, b))
    assert (stats.files_read, output(reading)) == (1, 800)
    write_thread(b, message("m3", 5, output=500))  # a message gone from the file is gone from the figures
    assert output(run(threads(a, b))[0]) == 600


def test_copies_across_files_and_readers_count_once(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100), message("m2", 20, output=10))
    legacy = tmp_path / "legacy"
    write_thread(legacy / "T-1.json", message("m1", 30, output=60), message("m3", 10, output=1))  # m1 half-streamed
    write_thread(legacy / "T-2.json", message("m2", 20, output=10))
    files = sorted(legacy.iterdir())
    reading, stats = run(table(db, cursor="time_updated"), threads(*files))
    assert stats.rows == 5
    assert output(reading) == 100 + 10 + 1  # the fuller copy of m1 wins; m2 once
    assert reading.spent["today"].amount == pytest.approx(cost("openai", "gpt-5", 3000, 111), rel=1e-9)
    reading, _ = run(threads(*files))  # the database is no longer listed: the files' copies count
    assert output(reading) == 60 + 10 + 1


def test_each_row_is_priced_by_its_own_vendor(tmp_path):
    path = tmp_path / "T-mixed.json"
    write_thread(path, message("m1", 30, vendor="openai", model="gpt-5", input=2000, output=300),
                 message("m2", 20, vendor="anthropic", model="claude-sonnet-4-5", input=1000, output=50, read=4000),
                 message("m3", 10, vendor="nonesuch", model="gpt-5", input=10, output=10))
    reading, _ = run(threads(path))
    expected = cost("openai", "gpt-5", 2000, 300) + cost("anthropic", "claude-sonnet-4-5", 1000, 50, read=4000)
    assert reading.spent["today"].amount == pytest.approx(expected, rel=1e-9)
    by_model = {m.model: m.spent.amount for m in reading.models if m.period == "today" and m.spent}
    assert by_model == pytest.approx({"gpt-5": cost("openai", "gpt-5", 2000, 300),
                                      "claude-sonnet-4-5": cost("anthropic", "claude-sonnet-4-5", 1000, 50, 4000)})
    assert "1 message from unknown models: nonesuch/gpt-5 (not priced)" in reading.notes


def test_one_price_table_per_vendor():
    prices = pricing.Prices()
    assert prices.pricer("openai") is prices.pricer("openai")
    assert prices.cost("openai", "gpt-5", 1000, 0, 0, 0, 100) == pytest.approx(cost("openai", "gpt-5", 1000, 100))
    assert prices.cost("anthropic", "gpt-5", 1000, 0, 0, 0, 100) is None


def test_database_rows_past_the_cursor_are_read_and_changed_rows_replace_theirs(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100), updated=1)
    put(db, message("m2", 20, output=10), updated=2)
    reading, stats = run(table(db, cursor="time_updated"))
    assert (stats.fetched, output(reading)) == (2, 110)
    _, stats = run(table(db, cursor="time_updated"))
    assert (stats.files_read, stats.fetched) == (0, 0)  # database and -wal unchanged: not opened
    put(db, message("m3", 5, output=1), updated=3)
    reading, stats = run(table(db, cursor="time_updated"))
    assert (stats.fetched, output(reading)) == (2, 111)  # m2 again (a time may repeat), then m3
    put(db, message("m1", 30, output=40), updated=4)  # changed in place, here even to fewer tokens
    reading, stats = run(table(db, cursor="time_updated"))
    assert (stats.fetched, output(reading)) == (2, 51)


def test_database_without_a_cursor_is_read_again_in_full_when_it_changes(tmp_path):
    db = make_db(tmp_path / "chat.db", wal=False)
    put(db, message("m1", 30, output=100), message("m2", 20, output=10))
    assert run(table(db))[1].fetched == 2
    assert run(table(db))[1].fetched == 0
    put(db, message("m3", 5, output=1))
    reading, stats = run(table(db))
    assert (stats.fetched, output(reading)) == (3, 111)


def test_rows_deleted_from_the_database_no_longer_count(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100), message("m2", 20, output=10), message("m3", 10, output=1))
    assert output(run(table(db, cursor="rowid"))[0]) == 111
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE id = 'm1'")
    conn.close()
    reading, stats = run(table(db, cursor="rowid"))
    assert (stats.fetched, output(reading)) == (2, 11)  # fewer rows than last time: all read again


def database_files(folder: Path) -> dict[str, str]:
    """Digests of the database and its -wal (the -shm is SQLite's shared lock memory, which every reader marks)."""
    return {p.name: digest(p) for p in folder.glob("chat.db*") if not p.name.endswith("-shm")}


def test_database_is_left_byte_identical_and_readable_while_the_agent_writes(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100))
    agent = sqlite3.connect(db, timeout=0, isolation_level=None)  # never waits: fails at once on any lock
    agent.execute("BEGIN IMMEDIATE")
    late = message("m2", 1, output=7)
    agent.execute("INSERT INTO message VALUES ('m2', 's1', ?, ?)", (late["time"], json.dumps(late)))
    before = database_files(tmp_path)
    reading, stats = run(table(db, cursor="time_updated"))
    assert (stats.errors, output(reading)) == ([], 100)  # the committed rows; the open write is not seen
    assert database_files(tmp_path) == before
    agent.execute("COMMIT")
    before = database_files(tmp_path)
    reading, _ = run(table(db, cursor="time_updated"))
    assert output(reading) == 107
    assert database_files(tmp_path) == before
    agent.close()


def test_reading_a_rollback_journal_database_leaves_no_lock_behind(tmp_path):
    db = make_db(tmp_path / "chat.db", wal=False)
    put(db, message("m1", 30, output=100))
    before = digest(db)
    assert output(run(table(db))[0]) == 100
    agent = sqlite3.connect(db, timeout=0, isolation_level=None)
    agent.execute("BEGIN EXCLUSIVE")  # fails at once if any lock of ours were left
    agent.execute("ROLLBACK")
    agent.close()
    assert digest(db) == before


def test_a_locked_database_keeps_its_last_rows_and_says_so(tmp_path):
    db = make_db(tmp_path / "chat.db", wal=False)
    put(db, message("m1", 30, output=100))
    thread = tmp_path / "T-1.json"
    write_thread(thread, message("m2", 20, output=10))
    readers = (table(db, timeout=0.05), threads(thread))
    assert output(run(*readers)[0]) == 110
    put(db, message("m3", 5, output=1))  # changed, then held locked while the refresh comes
    agent = sqlite3.connect(db, isolation_level=None)
    agent.execute("BEGIN EXCLUSIVE")
    reading, stats = run(*readers)
    assert output(reading) == 110
    assert stats.errors == [f"{db}: database is locked"]
    assert f"could not read {db}: database is locked (tried again next refresh)" in reading.notes
    agent.execute("ROLLBACK")
    agent.close()
    reading, stats = run(*readers)
    assert (output(reading), stats.errors) == (111, [])
    assert not any(note.startswith("could not read") for note in reading.notes)


def test_a_half_written_whole_file_keeps_its_last_rows(tmp_path):
    a, b = tmp_path / "T-a.json", tmp_path / "T-b.json"
    write_thread(a, message("m1", 30, output=100))
    write_thread(b, message("m2", 20, output=10))
    assert output(run(threads(a, b))[0]) == 110
    b.write_bytes(b.read_bytes()[:25])  # caught while the agent rewrites it
    reading, stats = run(threads(a, b))
    assert output(reading) == 110
    assert len(stats.errors) == 1 and stats.errors[0].startswith(f"{b}: ")
    write_thread(b, message("m2", 20, output=10), message("m3", 1, output=1))
    assert output(run(threads(a, b))[0]) == 111


def test_an_only_input_that_cannot_be_read_is_an_error_and_the_index_stays(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100))
    assert output(run(table(db))[0]) == 100
    kept = stored_totals()
    db.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(BadResponse, match=f"could not read {db}: file is not a database"):
        run(table(db))
    assert stored_totals() == kept
    db.unlink()  # vanished, still listed
    with pytest.raises(BadResponse, match="No such file or directory"):
        run(table(db))
    assert stored_totals() == kept
    reading, stats = run()  # no longer listed: forgotten
    assert (stats.files, output(reading)) == (0, 0)


def test_pending_wal_frames_are_read_and_left_where_they_are(tmp_path):
    """A database copied while the agent had changes only in its -wal (as after a crash): nothing is checkpointed."""
    live = make_db(tmp_path / "live" / "chat.db")
    agent = sqlite3.connect(live, isolation_level=None)
    agent.execute("PRAGMA wal_autocheckpoint=0")
    agent.execute("INSERT INTO message VALUES ('m1', 's1', 1, ?)", (json.dumps(message("m1", 30, output=100)),))
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("chat.db", "chat.db-wal"):
        (copy / name).write_bytes((live.parent / name).read_bytes())
    agent.close()
    before = database_files(copy)
    assert os.path.getsize(copy / "chat.db-wal") > 0
    reading, stats = run(table(copy / "chat.db"))
    assert (stats.errors, output(reading)) == ([], 100)
    assert database_files(copy) == before


def test_an_optional_cursor_is_used_only_where_the_table_has_it(tmp_path):
    with_column = make_db(tmp_path / "new.db")
    put(with_column, message("m1", 30, output=100), updated=1)
    without = tmp_path / "old.db"
    with sqlite3.connect(without) as conn:
        conn.execute("CREATE TABLE message (id TEXT PRIMARY KEY, data TEXT)")
        conn.execute("INSERT INTO message VALUES ('m2', ?)", (json.dumps(message("m2", 20, output=10)),))
    conn.close()
    readers = (table(with_column, cursor="time_updated", optional_cursor=True),
               SqliteTable([str(without)], "message", "data", parse_record, cursor="time_updated",
                           optional_cursor=True))
    reading, stats = run(*readers)
    assert (stats.errors, stats.fetched, output(reading)) == ([], 2, 110)
    put(with_column, message("m3", 5, output=1), updated=2)
    with sqlite3.connect(without) as conn:
        conn.execute("INSERT INTO message VALUES ('m4', ?)", (json.dumps(message("m4", 4, output=1000)),))
    conn.close()
    reading, stats = run(*readers)
    assert (stats.fetched, output(reading)) == (2 + 2, 1111)  # from the cursor on; the other table whole


def test_the_logs_own_cost_prices_a_row_only_where_the_table_has_no_price(tmp_path):
    def parse(data: bytes, path: str) -> list[Row]:
        return [row._replace(logged_cost=msg["logged"]) for msg in json.loads(data)["messages"]
                for row in to_rows(msg)]

    path = tmp_path / "T-costs.json"
    write_thread(path, {**message("m1", 30, input=2000, output=300), "logged": 50.0},  # priced: the table wins
                 {**message("m2", 20, vendor="nonesuch", model="house-1"), "logged": 0.25},
                 {**message("m3", 10, vendor="nonesuch", model="house-2"), "logged": 0.0})  # 0: no cost of its own
    reading, _ = run(WholeFiles([str(path)], parse))
    assert reading.spent["today"].amount == pytest.approx(cost("openai", "gpt-5", 2000, 300) + 0.25, rel=1e-9)
    assert "1 message from unknown models: nonesuch/house-2 (not priced)" in reading.notes


def test_with_keep_deleted_rows_gone_from_the_database_still_count(tmp_path):
    db = make_db(tmp_path / "chat.db")
    put(db, message("m1", 30, output=100), message("m2", 20, output=10))
    assert output(run(table(db, cursor="rowid", keep_deleted=True))[0]) == 110
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM message WHERE id = 'm1'")
    conn.close()
    put(db, message("m2", 20, output=15))  # changed in place: its stored copy is replaced
    reading, stats = run(table(db, cursor="rowid", keep_deleted=True))
    assert (stats.fetched, output(reading)) == (1, 115)  # fewer rows: read in full, and m1 still counts
