"""OpenCode logs: exact against the store's ground truth, copies once, what is read when, a busy database, odd records."""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from genai_prices import calc_price, extract_usage

from tests.agent_logs import (
    ZONES,
    assert_exact,
    assert_json_today,
    boundary_times,
    ctx,
    local_zone,
    refreshed_through_cli,
    times_today,
)
from tests.opencode_store import LOCAL, ZEN, Database, Reply, generate, ms, random_reply, write_file
from tokseg import context, providers
from tokseg.errors import BadResponse, ConfigError
from tokseg.sources import opencode_logs
from tokseg.sources.opencode_logs import Options

# Each zone's "now" (2 November 2026, local hour) falls on another UTC date, so a day or a month taken in UTC
# instead of local time misses; Los Angeles leaves summer time on 1 November, a day of 25 hours.
NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
# The test's own reading of OpenCode's providerIDs as price-table vendors.
PRICE_TABLE = {"xai": "x-ai", "amazon-bedrock": "aws", "fireworks-ai": "fireworks"}


def run(data: Path | str, now: float = NOW, account: str = "oc"):
    return opencode_logs.run(ctx(Options(paths=str(data)), {"HOME": "/nonexistent"}, now, account))


def price(reply: Reply) -> tuple[dict, float | None]:
    """A reply's tokens and USD, from the vendor's own usage fields by genai-prices, sharing no code with the source.

    OpenCode's own cost stands in only where the price table has no price for the model and OpenCode logged one.
    """
    flavor = {"api_flavor": "chat"} if reply.api == "openai" else {}
    usage = extract_usage(reply.vendor_usage(), provider_id=reply.api, **flavor).usage
    read, write = usage.cache_read_tokens or 0, usage.cache_write_tokens or 0
    tokens = {"input": (usage.input_tokens or 0) - read - write, "cache_read": read, "cache_write": write,
              "output": usage.output_tokens or 0}
    try:
        cost: float | None = float(calc_price(usage, reply.model, provider_id=PRICE_TABLE.get(reply.provider,
                                                                                               reply.provider)).total_price)
    except LookupError:
        cost = reply.cost if reply.cost > 0 else None
    return tokens, cost


def truth(replies: list[Reply], since: float, until: float) -> dict[str, dict]:
    """Per model: requests, tokens and USD of the replies in [since, until], each priced on its own."""
    out: dict[str, dict] = {}
    for reply in replies:
        if not since <= reply.ts <= until:
            continue
        tokens, cost = price(reply)
        got = out.setdefault(reply.model, {"requests": 0, "input": 0, "cache_read": 0, "cache_write": 0, "output": 0,
                                           "cost": None})
        got["requests"] += 1
        for name, value in tokens.items():
            got[name] += value
        if cost is not None:
            got["cost"] = (got["cost"] or 0.0) + cost
    return out



@pytest.mark.parametrize("zone", ZONES)
def test_tokens_and_cost_are_exact_in_three_time_zones(tmp_path, zone):
    with local_zone(zone):
        now, today, month, times = boundary_times(ZoneInfo(zone), ZONES[zone])
        tree = generate(tmp_path / "opencode", times)
        reading, stats = run(tmp_path / "opencode", now, account=zone.replace("/", "-"))
    legacy = list((tmp_path / "opencode" / "storage" / "message").glob("ses_*/msg_*.json"))
    assert stats.errors == [] and stats.files == 2 + len(legacy)  # both databases and the message files only
    assert stats.rows > len(times)  # copies were read, and count once
    assert_exact(reading, "today", truth(tree.replies, today, now))
    month_truth = truth(tree.replies, month, now)
    assert_exact(reading, "month", month_truth)
    assert sum(w["requests"] for w in month_truth.values()) == sum(1 for t in times if month <= t <= now)
    assert month_truth[LOCAL[1]] == {**month_truth[LOCAL[1]], "requests": 1, "cost": None}  # counted, not priced
    assert month_truth[ZEN[1]]["cost"] == pytest.approx(0.0421)  # no price table: OpenCode's own cost
    assert f"1 message from unknown models: {LOCAL[0]}/{LOCAL[1]} (not priced)" in reading.notes


def test_reasoning_is_output_input_is_uncached_and_a_priced_model_ignores_opencodes_cost(tmp_path):
    db = Database(tmp_path / "opencode.db")
    db.put(Reply("msg_a", "ses_1", NOW - 300, "anthropic", "claude-sonnet-4-5", "anthropic", input=2_000,
                 output=400, reasoning=600, read=50_000, write=3_000, cost=99.0))
    db.close()
    reading = run(tmp_path)[0]
    today = reading.tokens["today"]
    assert (today.input, today.cache_read, today.cache_write, today.output) == (2_000, 50_000, 3_000, 1_000)
    # Claude Sonnet 4.5: $3/MTok input, $0.30 cache reads, $3.75 5-minute cache writes, $15 output (thinking too).
    assert reading.spent["today"].amount == pytest.approx((2_000 * 3 + 50_000 * 0.30 + 3_000 * 3.75 + 1_000 * 15) / 1e6)


def test_every_copy_of_a_reply_counts_once_and_a_copy_left_still_counts(tmp_path):
    times = [NOW - 7200 + 120 * n for n in range(48)]
    tree = generate(tmp_path, times)
    expected = truth(tree.replies, 0, NOW)
    assert_exact(run(tmp_path)[0], "today", expected)
    migrated = _in_database(tmp_path)
    for path in (tmp_path / "storage" / "message").rglob("msg_*.json"):
        if path.parent.name in migrated:  # the database holds these: OpenCode may delete the files
            path.unlink()
    assert_exact(run(tmp_path)[0], "today", expected)
    tree.files["beta"].unlink()  # the copied reply still counts from opencode.db; the rest of beta's session goes
    beta = {r.session for r in tree.replies[-4:]}
    copied = next(r for r in tree.replies if r.session in beta)
    left = [r for r in tree.replies if r.session not in beta or r is copied]
    assert_exact(run(tmp_path)[0], "today", truth(left, 0, NOW))


def _in_database(folder: Path) -> set[str]:
    with sqlite3.connect(f"file:{folder / 'opencode.db'}?mode=ro", uri=True) as db:
        found = {session for (session,) in db.execute("SELECT DISTINCT session_id FROM message")}
    db.close()
    return found


def test_only_changed_rows_and_files_are_read(tmp_path):
    rng = random.Random(3)
    db = Database(tmp_path / "opencode.db")
    first = [random_reply(rng, NOW - 3000 + 100 * n, "ses_1") for n in range(10)]
    for reply in first:
        db.put(reply)
    old = random_reply(rng, NOW - 2000, "ses_0")
    path = write_file(tmp_path, old)
    _, stats = run(tmp_path)
    assert (stats.files, stats.files_read, stats.fetched, stats.bytes_read) == (2, 2, 20, path.stat().st_size)
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.fetched, stats.bytes_read) == (0, 0, 0)  # nothing changed: nothing opened
    new = random_reply(rng, NOW - 60, "ses_1")
    db.put(new)
    reading, stats = run(tmp_path)
    # the last row seen again (a time may repeat), the question and the reply: never the whole table
    assert (stats.files_read, stats.fetched, stats.bytes_read) == (1, 3, 0)
    assert_exact(reading, "today", truth([*first, new, old], 0, NOW))
    path.write_text(json.dumps(replace(old, output=old.output + 5).file()))
    reading, stats = run(tmp_path)
    assert (stats.files_read, stats.fetched, stats.bytes_read) == (1, 0, path.stat().st_size)
    assert reading.tokens["today"].output == sum(r.output + r.reasoning for r in [*first, new, old]) + 5
    db.close()  # OpenCode quits: its last checkpoint rewrites the database, which is read again from the cursor
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.fetched) == (1, 1)


def test_a_deleted_session_still_counts_it_was_billed(tmp_path):
    rng = random.Random(9)
    db = Database(tmp_path / "opencode.db")
    replies = [random_reply(rng, NOW - 900 + 60 * n, f"ses_{n % 2}") for n in range(6)]
    for reply in replies:
        db.put(reply)
    assert_exact(run(tmp_path)[0], "today", truth(replies, 0, NOW))
    db.db.execute("DELETE FROM message WHERE session_id = 'ses_0'")
    reading, stats = run(tmp_path)
    assert stats.fetched == 6  # the three replies and questions left: fewer rows, read in full
    assert_exact(reading, "today", truth(replies, 0, NOW))
    db.close()


def test_a_table_without_time_updated_is_read_again_in_full_when_it_changes(tmp_path):
    rng = random.Random(4)
    replies = [random_reply(rng, NOW - 900 + 60 * n, "ses_1") for n in range(5)]
    db = sqlite3.connect(tmp_path / "opencode.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT)")
    db.executemany("INSERT INTO message VALUES (?, ?, ?)", [(r.msg_id, r.session, json.dumps(r.data()))
                                                             for r in replies[:4]])
    assert run(tmp_path)[1].fetched == 4
    db.execute("INSERT INTO message VALUES (?, ?, ?)", (replies[4].msg_id, "ses_1", json.dumps(replies[4].data())))
    reading, stats = run(tmp_path)
    assert stats.fetched == 5
    assert_exact(reading, "today", truth(replies, 0, NOW))
    db.close()


def database_files(folder: Path) -> dict[str, str]:
    """Digests of the database and its -wal (the -shm is SQLite's shared lock memory, which every reader marks)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("opencode.db*")
            if not p.name.endswith("-shm")}


def test_a_write_in_progress_never_blocks_the_read_and_the_database_is_left_as_it_was(tmp_path):
    rng = random.Random(5)
    db = Database(tmp_path / "opencode.db")
    done = random_reply(rng, NOW - 600, "ses_1")
    db.put(done)
    db.db.execute("PRAGMA wal_autocheckpoint=0")
    agent = sqlite3.connect(tmp_path / "opencode.db", timeout=0, isolation_level=None)  # fails at once on a lock
    agent.execute("BEGIN IMMEDIATE")
    late = random_reply(rng, NOW - 60, "ses_1")
    agent.execute("INSERT INTO message VALUES (?, 'ses_1', ?, ?, ?)", (late.msg_id, ms(late.ts), ms(late.ts),
                                                                       json.dumps(late.data())))
    before = database_files(tmp_path)
    reading, stats = run(tmp_path)
    assert stats.errors == []
    assert_exact(reading, "today", truth([done], 0, NOW))  # the committed rows; the open write is not seen
    assert database_files(tmp_path) == before
    agent.execute("COMMIT")
    before = database_files(tmp_path)
    assert_exact(run(tmp_path)[0], "today", truth([done, late], 0, NOW))
    assert database_files(tmp_path) == before
    agent.close()
    db.close()


def test_a_busy_database_keeps_its_last_rows_and_says_so(tmp_path):
    rng = random.Random(6)
    db = Database(tmp_path / "opencode.db")
    kept = [random_reply(rng, NOW - 600, "ses_1")]
    db.put(kept[0])
    legacy = random_reply(rng, NOW - 900, "ses_0")
    write_file(tmp_path, legacy)
    assert_exact(run(tmp_path)[0], "today", truth([*kept, legacy], 0, NOW))
    db.db.execute("PRAGMA locking_mode=EXCLUSIVE")  # the agent holds the database to itself (a long checkpoint)
    later = random_reply(rng, NOW - 60, "ses_1")
    db.put(later)
    reading, stats = run(tmp_path)
    assert stats.errors == [f"{tmp_path / 'opencode.db'}: database is locked"]
    assert_exact(reading, "today", truth([*kept, legacy], 0, NOW))
    assert f"could not read {tmp_path / 'opencode.db'}: database is locked (tried again next refresh)" in reading.notes
    db.close()
    reading, stats = run(tmp_path)
    assert stats.errors == []
    assert_exact(reading, "today", truth([*kept, later, legacy], 0, NOW))


def test_project_and_session_are_the_logged_working_directory_and_session_id(tmp_path):
    reply = Reply("msg_p", "ses_p", NOW - 100, "openai", "gpt-5", "openai", input=10, output=5, cwd="/srv/app")
    row, = opencode_logs.parse_record((b"msg_p", b"ses_p", json.dumps(reply.data()).encode()))
    assert (row.key, row.project, row.session, row.vendor) == ("msg_p", "/srv/app", "ses_p", "openai")
    rooted = {**reply.data(), "path": {"root": "/srv/repo"}}
    row, = opencode_logs.parse_file(json.dumps({**rooted, "id": "msg_q", "sessionID": "ses_q"}).encode(), "x")
    assert (row.key, row.project, row.session) == ("msg_q", "/srv/repo", "ses_q")
    row, = opencode_logs.parse_record(("msg_r", "ses_r", json.dumps({**reply.data(), "path": None})))
    assert row.project == ""


def odd_rows(db: Database) -> None:
    """Every odd record seen or imaginable; only the good ones count."""
    good = Reply("msg_good", "ses_odd", NOW - 500, "openai", "gpt-5", "openai", input=1000, output=100)
    db.put(good)
    data = good.data()
    for msg_id, value in (
            ("msg_text", "not json"), ("msg_list", "[1, 2]"), ("msg_null", "null"), ("msg_bytes", b"\xff\xfe{"),
            ("msg_user", json.dumps({**data, "role": "user"})), ("msg_norole", json.dumps({**data, "role": None})),
            ("msg_notokens", json.dumps({**data, "tokens": None})), ("msg_listtokens", json.dumps({**data, "tokens": [1]})),
            ("msg_notime", json.dumps({**data, "time": {"created": "yesterday"}})),
            ("msg_farfuture", json.dumps({**data, "time": {"created": 10**20}})),
            ("msg_weird", json.dumps({**data, "tokens": {"input": True, "output": -5, "reasoning": "12",
                                                          "cache": {"read": 10**30, "write": 1.5}}})),
            ("msg_zero", json.dumps({**data, "tokens": {"input": 0, "output": 0, "cache": {"read": 0, "write": 0}}})),
            ("msg_nomodel", json.dumps({**data, "modelID": "", "providerID": 7, "cost": 0,
                                        "tokens": {"input": 70, "output": 7, "cache": "none"}})),
            ("msg_oddcost", json.dumps({**data, "modelID": "own-model", "providerID": "ollama", "cost": 1e300,
                                        "tokens": {"input": 30, "output": 3}})),
    ):
        db.raw(msg_id, "ses_odd", value, ms(NOW - 400))
    nan = json.dumps({**data, "modelID": "own-model", "providerID": "ollama", "cost": "NaN here",
                      "tokens": {"input": 20, "output": 2}}).replace('"NaN here"', "NaN")  # JavaScript never writes it
    db.raw("msg_nancost", "ses_odd", nan, ms(NOW - 400))


def test_odd_records_never_crash_and_never_count_twice(tmp_path):
    db = Database(tmp_path / "opencode.db")
    odd_rows(db)
    db.close()
    folder = tmp_path / "storage" / "message" / "ses_odd"
    folder.mkdir(parents=True)
    for name, text in (("msg_list.json", "[1]"), ("msg_text.json", '"x"'), ("msg_empty.json", "{}"),
                       ("notes.json", json.dumps({"role": "assistant", "tokens": {"input": 10**6}}))):
        (folder / name).write_text(text)
    noid = Reply("", "ses_odd", NOW - 450, "openai", "gpt-5", "openai", input=400, output=40).file()
    del noid["id"]
    (folder / "msg_noid.json").write_text(json.dumps(noid))
    (tmp_path / "storage" / "message" / "msg_stray.json").write_text(json.dumps(noid))  # not in a session folder
    reading, stats = run(tmp_path)
    assert stats.errors == []
    today = reading.tokens["today"]
    assert (today.input, today.output) == (1000 + 400 + 70 + 30 + 20, 100 + 40 + 7 + 3 + 2)
    # GPT-5: $1.25/MTok input, $10/MTok output; the rest has no price and no usable cost of OpenCode's.
    assert reading.spent["today"].amount == pytest.approx((1400 * 1.25 + 140 * 10) / 1e6)
    assert "3 messages from unknown models: /(no model), ollama/own-model (not priced)" in reading.notes


def test_a_half_written_legacy_file_keeps_its_last_figures_until_it_is_whole(tmp_path):
    rng = random.Random(7)
    a, b = random_reply(rng, NOW - 900, "ses_1"), random_reply(rng, NOW - 800, "ses_1")
    write_file(tmp_path, a)
    path = write_file(tmp_path, b)
    before = truth([a, b], 0, NOW)
    assert_exact(run(tmp_path)[0], "today", before)
    grown = replace(b, output=b.output + 50)
    data = json.dumps(grown.file(), indent=2).encode()
    path.write_bytes(data[: len(data) // 2])  # caught mid-rewrite
    reading, stats = run(tmp_path)
    assert_exact(reading, "today", before)
    assert len(stats.errors) == 1 and stats.errors[0].startswith(f"{path}: ")
    path.write_bytes(data)
    assert_exact(run(tmp_path)[0], "today", truth([a, grown], 0, NOW))


def test_folders_come_from_the_option_or_xdg_data_home(tmp_path):
    rng = random.Random(8)
    one, two = tmp_path / "one", tmp_path / "xdg" / "opencode"
    first, second = random_reply(rng, NOW - 900, "ses_1"), random_reply(rng, NOW - 800, "ses_2")
    write_file(one, first)
    db = Database(two / "opencode.db")
    db.put(second)
    db.close()
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "nohome")}
    reading, stats = opencode_logs.run(ctx(Options(), env, NOW, "xdg"))
    assert stats.files == 1
    assert_exact(reading, "today", truth([second], 0, NOW))
    reading, _ = opencode_logs.run(ctx(Options(paths=f"{one}, {two},{one}"), env, NOW, "option"))  # the option wins
    assert_exact(reading, "today", truth([first, second], 0, NOW))
    home = tmp_path / "someone"
    (home / ".local" / "share").mkdir(parents=True)
    os.rename(one, home / ".local" / "share" / "opencode")
    reading, _ = opencode_logs.run(ctx(Options(), {"HOME": str(home)}, NOW, "home"))
    assert_exact(reading, "today", truth([first], 0, NOW))


def test_missing_folders_name_the_fix_and_an_unreadable_only_database_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="paths.*XDG_DATA_HOME"):
        run(tmp_path / "nowhere")
    (tmp_path / "opencode.db").write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(BadResponse, match="opencode.db: file is not a database"):
        run(tmp_path)


def test_detect_finds_the_data_folder_only_when_it_holds_messages(tmp_path):
    home = tmp_path / "someone"
    env = {"HOME": str(home), "PATH": str(tmp_path)}
    (home / ".local" / "share" / "opencode" / "log").mkdir(parents=True)
    assert opencode_logs.detect(env, context.runner(env)) == []  # OpenCode ran, nothing stored yet
    Database(home / ".local" / "share" / "opencode" / "opencode.db").close()
    found = opencode_logs.detect(env, context.runner(env))
    assert [(s.provider, s.account, s.where) for s in found] == [
        ("opencode_logs", "opencode-logs", str(home / ".local" / "share" / "opencode"))]
    xdg = tmp_path / "xdg"
    (xdg / "opencode" / "storage" / "message").mkdir(parents=True)
    assert [s.where for s in opencode_logs.detect({**env, "XDG_DATA_HOME": str(xdg)}, context.runner(env))] == [
        str(xdg / "opencode")]
    assert providers.load("opencode_logs") is opencode_logs


def test_through_the_cli_config_refresh_and_json(tmp_path, config_file):
    now = time.time()
    midnight, times = times_today(now)
    tree = generate(tmp_path / "opencode", times)
    account = refreshed_through_cli(config_file, "oc", "opencode_logs", tmp_path / "opencode")
    assert_json_today(account, truth(tree.replies, midnight, now + 60))
