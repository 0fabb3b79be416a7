"""Claude Code logs: de-duplication, incremental reading, rescans, pricing notes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, ctx, user_row, write_lines
from tokseg import pricing
from tokseg.errors import ConfigError
from tokseg.sources import _spend, claude_logs
from tokseg.sources.claude_logs import Options

# 2026-11-22 15:00 local time: "today" and "this month" do not depend on the machine's zone.
NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
# Reference B1/C2: input 6, 5-minute write 244, read 87 250, output 637 on Sonnet 4.5 costs $0.036663.
STREAMED_COST = 0.036663


@pytest.fixture
def claude_dir(tmp_path: Path) -> Path:
    return tmp_path / "claude"


def session(claude_dir: Path, name: str = "6f1c2b7e", project: str = "-home-dev-src-shop-api") -> Path:
    return claude_dir / "projects" / project / f"{name}.jsonl"


def run(claude_dir: Path | str, now: float = NOW, account: str = "cc"):
    return claude_logs.run(ctx(Options(paths=str(claude_dir)), {"HOME": "/nonexistent"}, now, account))


def streamed(msg: str, ts: float, **kw) -> list[str]:
    """One request streamed as two rows (text, then tool_use) with a growing output count."""
    return [claude_row(msg, ts, output=12, **kw), claude_row(msg, ts + 3, output=637, text="tool_use", **kw)]


def test_streamed_rows_are_counted_once_with_the_final_output(claude_dir):
    write_lines(session(claude_dir), [user_row(NOW - 600), *streamed("msg_01VC", NOW - 590)])
    reading, stats = run(claude_dir)
    today = reading.tokens["today"]
    assert (today.input, today.cache_write, today.cache_read, today.output) == (6, 244, 87250, 637)
    assert reading.spent["today"].amount == pytest.approx(STREAMED_COST, abs=1e-9)
    assert stats.rows == 2  # both rows were read; one counts


def test_copies_in_other_sessions_and_sidechain_replays_count_once(claude_dir):
    write_lines(session(claude_dir, "a"), streamed("msg_shared", NOW - 900))
    # A resumed session copies the message; a /btw sidechain replays it under a new request id.
    write_lines(session(claude_dir, "b"), [claude_row("msg_shared", NOW - 900, output=637)])
    write_lines(session(claude_dir, "a") .parent / "a" / "subagents" / "side.jsonl",
                [claude_row("msg_shared", NOW - 100, request="req_replay", write_5m=0, output=637, sidechain=True)])
    reading, _ = run(claude_dir)
    assert reading.tokens["today"].output == 637
    assert reading.tokens["today"].cache_write == 244
    assert reading.spent["today"].amount == pytest.approx(STREAMED_COST, abs=1e-9)


def test_rows_without_request_id_still_deduplicate_by_message_id(claude_dir):
    write_lines(session(claude_dir), streamed("msg_proxy", NOW - 60, request=None))
    reading, _ = run(claude_dir)
    assert reading.tokens["today"].output == 637


def test_append_between_refreshes_reads_only_the_new_bytes(claude_dir):
    path = session(claude_dir)
    first = write_lines(path, [user_row(NOW - 3600), *streamed("msg_1", NOW - 3500)] * 1)
    reading, stats = run(claude_dir)
    assert stats.bytes_read == first
    appended = write_lines(path, streamed("msg_2", NOW - 60), mode="a")
    reading, stats = run(claude_dir)
    assert stats.bytes_read == appended
    assert stats.rescanned == []
    assert reading.tokens["today"].output == 2 * 637
    # Nothing new: nothing read at all.
    _, stats = run(claude_dir)
    assert (stats.bytes_read, stats.files_read) == (0, 0)


def test_offsets_stop_before_a_half_written_line(claude_dir):
    path = session(claude_dir)
    complete = write_lines(path, streamed("msg_1", NOW - 300))
    tail = claude_row("msg_2", NOW - 10, output=50)
    with open(path, "ab") as fh:
        fh.write(tail[:40].encode())
    reading, _ = run(claude_dir)
    index = _spend.index_for(claude_logs.NAME, "cc", pricing.VERSION)
    assert index.offsets() == {str(path): complete}
    index.close()
    with open(path, "ab") as fh:
        fh.write((tail[40:] + "\n").encode())
    reading, stats = run(claude_dir)
    assert stats.bytes_read == len(tail) + 1
    assert reading.tokens["today"].output == 637 + 50


def test_truncated_file_is_read_again_from_the_start(claude_dir):
    path = session(claude_dir)
    write_lines(path, streamed("msg_1", NOW - 300) + streamed("msg_2", NOW - 200))
    assert run(claude_dir)[0].tokens["today"].output == 2 * 637
    size = write_lines(path, [claude_row("msg_3", NOW - 100, output=40)])  # rewritten shorter
    reading, stats = run(claude_dir)
    assert stats.rescanned == [str(path)]
    assert stats.bytes_read == size
    assert reading.tokens["today"].output == 40


def test_rotated_file_with_a_new_inode_is_rescanned(claude_dir):
    path = session(claude_dir)
    write_lines(path, streamed("msg_1", NOW - 300))
    run(claude_dir)
    os.rename(path, path.with_suffix(".old"))  # rotated away (no longer .jsonl)...
    write_lines(path, streamed("msg_1", NOW - 300) + [claude_row("msg_2", NOW - 50, output=9)])  # ...and a new file
    reading, stats = run(claude_dir)
    assert stats.rescanned == [str(path)]
    assert reading.tokens["today"].output == 637 + 9


def test_file_rewritten_in_place_with_other_content_is_rescanned(claude_dir):
    path = session(claude_dir)
    write_lines(path, [claude_row("msg_a", NOW - 300, output=5)])
    run(claude_dir)
    with open(path, "r+b") as fh:  # same inode, grown, but the start is different: not an append
        fh.write(b"\n" * 10)
    write_lines(path, [claude_row("msg_b", NOW - 20, output=7)], mode="a")
    reading, stats = run(claude_dir)
    assert stats.rescanned == [str(path)]
    assert reading.tokens["today"].output == 7


def test_deleted_file_no_longer_counts(claude_dir):
    keep, drop = session(claude_dir, "keep"), session(claude_dir, "drop")
    write_lines(keep, [claude_row("msg_k", NOW - 30, output=3)])
    write_lines(drop, [claude_row("msg_d", NOW - 30, output=4)])
    assert run(claude_dir)[0].tokens["today"].output == 7
    drop.unlink()
    assert run(claude_dir)[0].tokens["today"].output == 3


def test_unknown_model_is_counted_and_named_not_priced(claude_dir):
    write_lines(session(claude_dir), [
        *streamed("msg_known", NOW - 500),
        claude_row("msg_x1", NOW - 400, model="foo-1", output=100),
        claude_row("msg_x2", NOW - 300, model="foo-1", output=100),
        claude_row("msg_syn", NOW - 200, model="<synthetic>", input=0, write_5m=0, read=0, output=0),
    ])
    reading, _ = run(claude_dir)
    assert "2 messages from unknown models: foo-1 (not priced)" in reading.notes
    assert reading.spent["today"].amount == pytest.approx(STREAMED_COST, abs=1e-9)
    assert reading.tokens["today"].output == 637 + 200


def test_one_hour_cache_writes_are_priced_apart(claude_dir):
    write_lines(session(claude_dir, "five"), [claude_row("m5", NOW - 100, input=0, write_5m=10_000, read=0, output=0)])
    write_lines(session(claude_dir, "hour", "other"),
                [claude_row("m1h", NOW - 100, input=0, write_5m=0, write_1h=10_000, read=0, output=0)])
    reading, _ = run(claude_dir)
    # Sonnet 4.5: 5-minute writes $3.75/MTok, 1-hour writes $6/MTok.
    assert reading.spent["today"].amount == pytest.approx(10_000 * (3.75 + 6) / 1e6, abs=1e-9)
    write_lines(session(claude_dir, "old", "third"),
                [claude_row("mo", NOW - 100, input=0, write_5m=10_000, read=0, output=0, split=False)])
    reading, _ = run(claude_dir)  # an older build without the split: all writes at the 5-minute rate
    assert reading.spent["today"].amount == pytest.approx(10_000 * (3.75 + 6 + 3.75) / 1e6, abs=1e-9)


def test_periods_today_month_and_block(claude_dir):
    write_lines(session(claude_dir), [
        claude_row("m_month", NOW - 3 * 86400, output=1000),  # earlier this month
        claude_row("m_today", NOW - 8 * 3600, output=100),  # this morning, before the block
        claude_row("m_block1", NOW - 2 * 3600, output=10),
        claude_row("m_block2", NOW - 600, output=1),
    ])
    reading, _ = run(claude_dir)
    assert reading.tokens["month"].output == 1111
    assert reading.tokens["today"].output == 111
    assert reading.tokens["block"].output == 11
    assert reading.headline.kind == "spent" and reading.headline.key == "today"
    assert [(m.period, m.model, m.tokens.output) for m in reading.models] == [
        ("today", "claude-sonnet-4-5-20250929", 111), ("month", "claude-sonnet-4-5-20250929", 1111),
        ("block", "claude-sonnet-4-5-20250929", 11)]
    # No activity for 5 hours: no current block.
    later, _ = run(claude_dir, now=NOW + 6 * 3600)
    assert "block" not in later.spent


def test_config_dir_list_and_defaults_come_from_the_environment(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    write_lines(session(one), [claude_row("m1", NOW - 60, output=1)])
    write_lines(session(two), [claude_row("m2", NOW - 60, output=2)])
    env = {"CLAUDE_CONFIG_DIR": f"{one}, {two}", "HOME": str(tmp_path / "nohome")}
    reading, _ = claude_logs.run(ctx(Options(), env, NOW))
    assert reading.tokens["today"].output == 3
    home = tmp_path / "home"
    write_lines(session(home / ".claude"), [claude_row("m3", NOW - 60, output=4)])
    write_lines(session(home / ".config" / "claude"), [claude_row("m4", NOW - 60, output=8)])
    reading, _ = claude_logs.run(ctx(Options(), {"HOME": str(home)}, NOW, account="defaults"))
    assert reading.tokens["today"].output == 12


def test_missing_folders_name_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="paths.*CLAUDE_CONFIG_DIR"):
        run(tmp_path / "nowhere")


def test_when_the_winning_copy_goes_the_copy_left_in_another_file_counts(claude_dir):
    write_lines(session(claude_dir, "full"), streamed("msg_shared", NOW - 900))
    write_lines(session(claude_dir, "partial"), [claude_row("msg_shared", NOW - 900, output=12)])
    assert run(claude_dir)[0].tokens["today"].output == 637
    session(claude_dir, "full").unlink()
    assert run(claude_dir)[0].tokens["today"].output == 12


def test_fast_mode_requests_are_said_to_be_priced_at_standard_rates(claude_dir):
    fast = claude_row("msg_fast", NOW - 60, model="claude-opus-4-7", output=220).replace(
        '"service_tier": "standard"', '"service_tier": "standard", "speed": "fast"')
    write_lines(session(claude_dir), [fast, claude_row("msg_std", NOW - 30, output=5)])
    reading, _ = run(claude_dir)
    assert "1 fast-mode message priced at standard rates" in reading.notes


def test_spend_and_tokens_per_model_for_today_month_and_block(claude_dir):
    haiku, sonnet = "claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"
    plain = {"model": haiku, "input": 1000, "write_5m": 0, "read": 0, "output": 2000}
    write_lines(session(claude_dir, "old"), [claude_row("m_h1", NOW - 3 * 86400, **plain)])
    write_lines(session(claude_dir), [
        claude_row("m_h2", NOW - 8 * 3600, **plain),
        claude_row("m_x", NOW - 8 * 3600 + 60, model="foo-1", output=100),
        *streamed("msg_s", NOW - 590),  # the current block opens at 14:00 with this one
    ])
    reading, _ = run(claude_dir)
    # Haiku 4.5: $1/MTok input, $5/MTok output.
    haiku_cost = (1000 * 1 + 2000 * 5) / 1e6
    got = [(m.period, m.model, None if m.spent is None else round(m.spent.amount, 9), m.tokens.to_dict())
           for m in reading.models]
    sonnet_tokens = {"input": 6, "output": 637, "cache_read": 87250, "cache_write": 244, "total": 88137}
    haiku_tokens = {"input": 1000, "output": 2000, "cache_read": 0, "cache_write": 0, "total": 3000}
    foo_tokens = {"input": 6, "output": 100, "cache_read": 87250, "cache_write": 244, "total": 87600}
    assert got == [
        ("today", sonnet, round(STREAMED_COST, 9), sonnet_tokens),
        ("today", haiku, round(haiku_cost, 9), haiku_tokens),
        ("today", "foo-1", None, foo_tokens),  # no price: no spend, never $0
        ("month", sonnet, round(STREAMED_COST, 9), sonnet_tokens),
        ("month", haiku, round(2 * haiku_cost, 9), {k: 2 * v for k, v in haiku_tokens.items()}),
        ("month", "foo-1", None, foo_tokens),
        ("block", sonnet, round(STREAMED_COST, 9), sonnet_tokens),
    ]
    assert reading.spent["month"].amount == pytest.approx(STREAMED_COST + 2 * haiku_cost, abs=1e-9)
    assert not any(note.startswith(("today:", "month:")) for note in reading.notes)  # no duplicate text
    assert reading.to_dict()["models"][0] == {"model": sonnet, "period": "today",
                                              "spent": {"amount": round(STREAMED_COST, 6), "currency": "USD"},
                                              "tokens": sonnet_tokens}


def test_an_index_left_by_an_older_version_is_rebuilt_from_the_logs(claude_dir):
    """An index from before the vendor column (schema 2) is dropped and the logs are read again."""
    size = write_lines(session(claude_dir), streamed("msg_1", NOW - 300))
    index = _spend.index_for(claude_logs.NAME, "cc", pricing.VERSION)
    index.db.executescript(f"""
        DROP TABLE files; DROP TABLE rows; DROP TABLE best;
        CREATE TABLE files (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER,
                            offset INTEGER, head BLOB, state TEXT);
        CREATE TABLE rows (key TEXT, file TEXT, ts REAL, model TEXT, uncached INTEGER, cache_read INTEGER,
                           write_5m INTEGER, write_1h INTEGER, output INTEGER, cost REAL, score INTEGER,
                           flags INTEGER, PRIMARY KEY (file, key)) WITHOUT ROWID;
        CREATE TABLE best (key TEXT PRIMARY KEY, file TEXT, ts REAL, model TEXT, uncached INTEGER,
                           cache_read INTEGER, write_5m INTEGER, write_1h INTEGER, output INTEGER, cost REAL,
                           score INTEGER, flags INTEGER);
        INSERT INTO files VALUES ('{session(claude_dir)}', 0, 0, {size}, {size}, x'', '{{}}');
        UPDATE meta SET value = '2/2/{pricing.VERSION}' WHERE key = 'version';
    """)
    index.close()
    reading, stats = run(claude_dir)
    assert stats.bytes_read == size
    assert reading.spent["today"].amount == pytest.approx(STREAMED_COST, abs=1e-9)


def test_odd_counts_are_not_reported_and_a_huge_one_does_not_crash_the_index(claude_dir):
    huge = claude_row("msg_huge", NOW - 60, input=10**30, write_5m=0, read=0, output=7)
    odd = claude_row("msg_odd", NOW - 30, input=0, write_5m=0, read=0, output=5).replace(
        '"input_tokens": 0', '"input_tokens": true').replace('"cache_read_input_tokens": 0',
                                                              '"cache_read_input_tokens": -4')
    write_lines(session(claude_dir), [huge, odd])
    today = run(claude_dir)[0].tokens["today"]
    assert (today.input, today.cache_read, today.output) == (0, 0, 12)
