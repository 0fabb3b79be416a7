"""Gemini CLI logs: exact against the fixtures' ground truth, copies once, what is read when, odd records."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from genai_prices import calc_price, extract_usage

from tests.agent_logs import ZONES, boundary_times, ctx, json_account, local_zone, times_today
from tests.conftest import run_tokseg, write_config
from tests.gemini_chats import Chat, Reply, chat_path, generate, iso, project_hash, random_reply, tmp_dir
from tokseg import context, providers
from tokseg.errors import BadResponse, ConfigError
from tokseg.sources import gemini_logs
from tokseg.sources.gemini_logs import Options

# Each zone's "now" (2 November 2026, local hour) falls on another UTC date, so a day or a month taken in UTC
# instead of local time misses; Los Angeles leaves summer time on 1 November, a day of 25 hours.
NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
PROJECT = project_hash("/home/dev/src/shop-api")


def run(gemini: Path | str, now: float = NOW, account: str = "gem"):
    return gemini_logs.run(ctx(Options(paths=str(gemini)), {"HOME": "/nonexistent"}, now, account))


def truth(replies: list[Reply], since: float, until: float) -> dict[str, dict]:
    """Per model: requests, tokens and USD of the replies in [since, until], each priced on its own.

    genai-prices reads the Gemini API's own usage fields (which Gemini CLI copies into `tokens`) and
    prices them: this is the reference the source must meet, by a path that shares none of its code.
    """
    out: dict[str, dict] = {}
    for reply in replies:
        if not since <= reply.ts <= until:
            continue
        usage = extract_usage({"usageMetadata": reply.usage_metadata()}, provider_id="google").usage
        try:
            cost: float | None = float(calc_price(usage, reply.model, provider_id="google").total_price)
        except LookupError:
            cost = None
        got = out.setdefault(reply.model, {"requests": 0, "input": 0, "cache_read": 0, "output": 0, "cost": None})
        got["requests"] += 1
        got["input"] += (usage.input_tokens or 0) - (usage.cache_read_tokens or 0)
        got["cache_read"] += usage.cache_read_tokens or 0
        got["output"] += usage.output_tokens or 0
        if cost is not None:
            got["cost"] = (got["cost"] or 0.0) + cost
    return out


def figures(reading, period: str) -> dict[str, dict]:
    return {m.model: {"input": m.tokens.input, "cache_read": m.tokens.cache_read, "output": m.tokens.output,
                      "cost": None if m.spent is None else m.spent.amount}
            for m in reading.models if m.period == period}


def assert_exact(reading, period: str, expected: dict[str, dict]) -> None:
    got = figures(reading, period)
    assert set(got) == set(expected)
    for model, want in expected.items():
        assert {k: got[model][k] for k in ("input", "cache_read", "output")} == \
            {k: want[k] for k in ("input", "cache_read", "output")}, model
        if want["cost"] is None:
            assert got[model]["cost"] is None, model
        else:
            assert got[model]["cost"] == pytest.approx(want["cost"], rel=1e-9, abs=1e-12), model
    total = sum(w["cost"] or 0.0 for w in expected.values())
    assert round(reading.spent[period].amount, 2) == round(total, 2)  # to the cent
    assert reading.spent[period].amount == pytest.approx(total, rel=1e-9, abs=1e-12)
    tokens = reading.tokens[period]
    assert (tokens.input, tokens.cache_read, tokens.output, tokens.cache_write) == (
        sum(w["input"] for w in expected.values()), sum(w["cache_read"] for w in expected.values()),
        sum(w["output"] for w in expected.values()), 0)



@pytest.mark.parametrize("zone", ZONES)
def test_tokens_and_cost_are_exact_in_three_time_zones(tmp_path, zone):
    with local_zone(zone):
        now, today, month, times = boundary_times(ZoneInfo(zone), ZONES[zone])
        tree = generate(tmp_path / ".gemini", times)
        reading, stats = run(tmp_path / ".gemini", now, account=zone.replace("/", "-"))
    assert stats.errors == [] and stats.files == len(tree.files)
    assert stats.rows > len(times)  # copies were read, and count once
    assert_exact(reading, "today", truth(tree.replies, today, now))
    month_truth = truth(tree.replies, month, now)
    assert_exact(reading, "month", month_truth)
    assert sum(w["requests"] for w in month_truth.values()) == sum(1 for t in times if month <= t <= now)
    assert month_truth["gemini-exp-9999"]["requests"] == 1  # counted, named and not priced
    assert "1 message from unknown models: gemini-exp-9999 (not priced)" in reading.notes


def test_every_copy_of_a_reply_counts_once_and_a_copy_left_still_counts(tmp_path):
    times = [NOW - 3600 + 60 * n for n in range(24)]
    tree = generate(tmp_path / ".gemini", times)
    expected = truth(tree.replies, 0, NOW)
    assert_exact(run(tmp_path / ".gemini")[0], "today", expected)
    tree.files["backup"].unlink()  # the copy of chat1 goes; the original still holds every reply
    tree.files["chat0"].unlink()  # the legacy chat goes; its migrated .jsonl still holds every reply
    assert_exact(run(tmp_path / ".gemini")[0], "today", expected)


def test_thoughts_are_output_tool_prompts_input_and_cached_tokens_part_of_the_input(tmp_path):
    chat = Chat("s-1", PROJECT, NOW - 300, [Reply("r-1", NOW - 200, "gemini-2.5-flash", input=10_000, output=500,
                                                   cached=6_000, thoughts=1_500, tool=200)])
    chat.write_json(chat_path(tmp_path, PROJECT, chat, ".json"))
    reading = run(tmp_path)[0]
    today = reading.tokens["today"]
    assert (today.input, today.cache_read, today.output, today.total) == (4_200, 6_000, 2_000, 12_200)
    # Gemini 2.5 Flash: $0.30/MTok input, $0.03/MTok cached input, $2.50/MTok output (thinking included).
    assert reading.spent["today"].amount == pytest.approx((4_200 * 0.30 + 6_000 * 0.03 + 2_000 * 2.50) / 1e6)


def test_a_long_prompt_is_priced_at_the_long_context_rate(tmp_path):
    big = Reply("r-big", NOW - 100, "gemini-2.5-pro", input=250_000, output=1_000, cached=200_000)
    chat = Chat("s-big", PROJECT, NOW - 300, [big])
    chat.write_jsonl(chat_path(tmp_path, PROJECT, chat, ".jsonl"))
    # Gemini 2.5 Pro over 200k prompt tokens: $2.50/MTok input, $0.25/MTok cached, $15/MTok output.
    expected = (50_000 * 2.50 + 200_000 * 0.25 + 1_000 * 15) / 1e6
    assert run(tmp_path)[0].spent["today"].amount == pytest.approx(expected)


def test_a_whole_chat_is_read_again_only_when_it_is_rewritten(tmp_path):
    rng = random.Random(3)
    a = Chat("s-a", PROJECT, NOW - 900, [random_reply(rng, NOW - 800)])
    b = Chat("s-b", PROJECT, NOW - 900, [random_reply(rng, NOW - 700)])
    path_a, path_b = chat_path(tmp_path, PROJECT, a, ".json"), chat_path(tmp_path, PROJECT, b, ".json")
    size_a, size_b = a.write_json(path_a), b.write_json(path_b)
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (2, size_a + size_b)
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (0, 0)  # unchanged: not even opened
    a.replies.append(random_reply(rng, NOW - 100))  # the chat grows: Gemini CLI writes the whole file again
    size_a = a.write_json(path_a)
    reading, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (1, size_a)
    assert_exact(reading, "today", truth(a.replies + b.replies, 0, NOW))


def test_an_appended_chat_reads_only_the_new_turn(tmp_path):
    rng = random.Random(4)
    chat = Chat("s-j", PROJECT, NOW - 900, [random_reply(rng, NOW - 800)])
    path = chat_path(tmp_path, PROJECT, chat, ".jsonl")
    assert run(tmp_path)[1].files == 0
    first = chat.write_jsonl(path)
    assert run(tmp_path)[1].bytes_read == first
    added = chat.append(path, random_reply(rng, NOW - 60))
    reading, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read, stats.rescanned) == (1, added, [])
    assert_exact(reading, "today", truth(chat.replies, 0, NOW))


def test_a_half_written_chat_keeps_its_last_figures_until_it_is_whole(tmp_path):
    rng = random.Random(5)
    whole = Chat("s-w", PROJECT, NOW - 900, [random_reply(rng, NOW - 800)])
    lines = Chat("s-l", PROJECT, NOW - 900, [random_reply(rng, NOW - 700)])
    path_w, path_l = chat_path(tmp_path, PROJECT, whole, ".json"), chat_path(tmp_path, PROJECT, lines, ".jsonl")
    whole.write_json(path_w)
    lines.write_jsonl(path_l)
    before = truth(whole.replies + lines.replies, 0, NOW)
    assert_exact(run(tmp_path)[0], "today", before)
    whole.replies.append(random_reply(rng, NOW - 100))
    data = json.dumps(whole.document(), indent=2).encode()
    path_w.write_bytes(data[: len(data) // 2])  # caught mid-rewrite
    new = random_reply(rng, NOW - 50)
    turn = lines.jsonl([new], first=False)
    cut = turn.index(b'"tokens"') + 20  # caught mid-append, inside the reply's record with tokens
    with open(path_l, "ab") as fh:
        fh.write(turn[:cut])
    reading, stats = run(tmp_path)
    assert_exact(reading, "today", before)
    assert len(stats.errors) == 1 and stats.errors[0].startswith(f"{path_w}: ")
    assert any(note.startswith(f"could not read {path_w}") for note in reading.notes)
    path_w.write_bytes(data)
    with open(path_l, "ab") as fh:
        fh.write(turn[cut:])
    lines.replies.append(new)
    reading, stats = run(tmp_path)
    assert stats.errors == []
    assert_exact(reading, "today", truth(whole.replies + lines.replies, 0, NOW))


def odd_chat() -> dict:
    """A chat holding every odd record seen or imaginable; only the three good replies count."""
    good = Reply("r-good", NOW - 500, "gemini-2.5-flash", input=1000, output=100).record()
    undated = {**Reply("r-undated", NOW, "gemini-2.5-flash", input=300, output=30).record(), "timestamp": None}
    unnamed = {**Reply("r-unnamed", NOW - 400, "x", input=70, output=7).record(), "model": ""}
    weird = Reply("r-weird", NOW - 300, "gemini-2.5-flash", input=0, output=0).record()
    weird["tokens"] = {"input": True, "output": -5, "cached": 10**30, "thoughts": "12", "tool": 1.5, "total": 10**40}
    return {"sessionId": "s-odd", "projectHash": PROJECT, "startTime": iso(NOW - 600), "messages": [
        "not a message", 42, None, [good], good, good, undated, unnamed, weird,
        {**good, "id": "r-no-tokens", "tokens": None}, {**good, "id": "r-list-tokens", "tokens": [1, 2]},
        {**good, "id": "r-user", "type": "user"}, {**good, "id": "r-info", "type": "info"},
        {**good, "id": "r-zero", "tokens": {"input": 0, "output": 0, "cached": 0, "thoughts": 0, "tool": 0}},
        {**good, "id": "r-huge", "tokens": {"input": 10**30, "output": 2**64, "cached": 0, "thoughts": 0, "tool": 0}},
    ]}


def test_odd_records_never_crash_and_never_count_twice(tmp_path):
    chats = tmp_dir(tmp_path) / PROJECT / "chats"
    chats.mkdir(parents=True)
    (chats / "session-odd.json").write_text(json.dumps(odd_chat()))
    undated_chat = {**odd_chat(), "sessionId": "s-nostart", "startTime": "yesterday"}
    undated_chat["messages"] = [{**Reply("r-lost", NOW, "gemini-2.5-flash", input=5, output=5).record(),
                                 "timestamp": 17}]
    (chats / "session-nostart.json").write_text(json.dumps(undated_chat))
    for name, text in (("list.json", "[1, 2]"), ("text.json", '"chat"'), ("messages.json", '{"messages": 3}'),
                       ("empty.json", '{}')):
        (chats / name).write_text(text)
    (chats / "junk.jsonl").write_bytes(b'[1]\n"x"\nnot json "tokens"\n{"$set": 5}\n{"$set": {"messages": 7}}\n'
                                       b'{"id": 5, "tokens": {}}\n\xff\xfe "sessionId"\n')
    reading, stats = run(tmp_path)
    assert stats.errors == []
    today = reading.tokens["today"]
    assert (today.input, today.output) == (1000 + 300 + 70, 100 + 30 + 7)
    assert reading.spent["today"].amount == pytest.approx((1300 * 0.30 + 130 * 2.50) / 1e6)
    assert "1 message from unknown models: (no model) (not priced)" in reading.notes
    assert "1 Gemini message without a time of their own, dated at their chat's start" in reading.notes
    assert [(m.model, m.spent) for m in reading.models if m.period == "today" and m.model == "(no model)"] == [
        ("(no model)", None)]


def test_a_chat_without_ids_is_still_counted_once_across_its_copies(tmp_path):
    chat = Chat("s-noid", PROJECT, NOW - 900, [Reply("r", NOW - 800, "gemini-2.5-flash", input=500, output=50)])
    document = chat.document()
    for message in document["messages"]:
        del message["id"]
    for project in (PROJECT, project_hash("/backup")):
        folder = tmp_dir(tmp_path) / project / "chats"
        folder.mkdir(parents=True)
        (folder / "session-noid.json").write_text(json.dumps(document))
    assert run(tmp_path)[0].tokens["today"].output == 50


def test_folders_come_from_the_option_or_gemini_data_dir_in_either_form(tmp_path):
    one, two = tmp_path / "one" / ".gemini", tmp_path / "two"
    rng = random.Random(6)
    first = Chat("s-1", PROJECT, NOW - 900, [random_reply(rng, NOW - 800)])
    second = Chat("s-2", PROJECT, NOW - 900, [random_reply(rng, NOW - 700)])
    first.write_json(chat_path(one, PROJECT, first, ".json"))
    second.write_jsonl(two / "tmp" / PROJECT / "chats" / "session-2.jsonl")
    both = truth(first.replies + second.replies, 0, NOW)
    # GEMINI_DATA_DIR may name a Gemini folder or its tmp/ folder; a folder listed twice is read once.
    env = {"GEMINI_DATA_DIR": f"{one}, {two / 'tmp'},{two}", "HOME": str(tmp_path / "nohome")}
    reading, stats = gemini_logs.run(ctx(Options(), env, NOW, "env"))
    assert stats.files == 2
    assert_exact(reading, "today", both)
    reading, _ = gemini_logs.run(ctx(Options(paths=str(one)), env, NOW, "option"))  # the option wins
    assert_exact(reading, "today", truth(first.replies, 0, NOW))
    home = tmp_path / "someone"
    home.mkdir()
    os.rename(one, home / ".gemini")
    reading, _ = gemini_logs.run(ctx(Options(), {"HOME": str(home)}, NOW, "home"))
    assert_exact(reading, "today", truth(first.replies, 0, NOW))


def test_missing_folders_name_the_fix_and_an_unreadable_only_chat_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="paths.*GEMINI_DATA_DIR"):
        run(tmp_path / "nowhere")
    chats = tmp_dir(tmp_path) / PROJECT / "chats"
    chats.mkdir(parents=True)
    (chats / "session-cut.json").write_text('{"sessionId": "s", "messages": [')
    with pytest.raises(BadResponse, match="session-cut.json"):
        run(tmp_path)


def test_detect_finds_folders_holding_chats_only(tmp_path):
    home = tmp_path / "someone"
    env = {"HOME": str(home), "PATH": str(tmp_path)}
    (home / ".gemini" / "tmp" / PROJECT).mkdir(parents=True)
    assert gemini_logs.detect(env, context.runner(env)) == []  # a project folder, no chats yet
    (home / ".gemini" / "tmp" / PROJECT / "chats").mkdir()
    found = gemini_logs.detect(env, context.runner(env))
    assert [(s.provider, s.account, s.where) for s in found] == [
        ("gemini_logs", "gemini-logs", str(home / ".gemini" / "tmp"))]
    other = tmp_path / "archive"
    (other / PROJECT / "chats").mkdir(parents=True)
    found = gemini_logs.detect({**env, "GEMINI_DATA_DIR": f"{other},{home / '.gemini'},{home / '.gemini' / 'tmp'}"},
                               context.runner(env))
    assert [s.where for s in found] == [f"{other}, {home / '.gemini' / 'tmp'}"]  # each folder once
    assert providers.load("gemini_logs") is gemini_logs


def test_through_the_cli_config_refresh_and_json(tmp_path, config_file):
    now = time.time()
    midnight, times = times_today(now)
    tree = generate(tmp_path / ".gemini", times)
    write_config(config_file, f'[accounts.gem]\nprovider = "gemini_logs"\npaths = "{tmp_path / ".gemini"}"\n')
    done = run_tokseg("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok") and "gem" in done.stdout
    account = json_account("gem")
    expected = truth(tree.replies, midnight, now + 60)
    total = sum(w["cost"] or 0.0 for w in expected.values())
    assert round(account["spent"]["today"]["amount"], 2) == round(total, 2)
    tokens = account["tokens"]["today"]
    assert (tokens["input"], tokens["cache_read"], tokens["output"]) == (
        sum(w["input"] for w in expected.values()), sum(w["cache_read"] for w in expected.values()),
        sum(w["output"] for w in expected.values()))
    by_model = {m["model"] for m in account["models"] if m["period"] == "today"}
    assert by_model == set(expected)
