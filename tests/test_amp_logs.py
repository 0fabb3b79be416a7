"""Amp logs: exact against the fixtures' ground truth, copies and forks once, what is read when, odd records."""

from __future__ import annotations

import json
import random
import time
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
from tests.amp_threads import UNKNOWN_MODEL, Request, Thread, generate, iso, random_request, thread_path
from tokseg import context, providers
from tokseg.errors import BadResponse, ConfigError
from tokseg.sources import amp_logs
from tokseg.sources.amp_logs import Options

# Each zone's "now" (2 November 2026, local hour) falls on another UTC date, so a day or a month taken in UTC
# instead of local time misses; Los Angeles leaves summer time on 1 November, a day of 25 hours.
NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
WORKSPACE = "/home/dev/src/shop-api"


def run(amp: Path | str, now: float = NOW, account: str = "amp"):
    return amp_logs.run(ctx(Options(paths=str(amp)), {"HOME": "/nonexistent"}, now, account))


def truth(requests: list[Request], since: float, until: float) -> dict[str, dict]:
    """Per model: requests, tokens and USD of the requests in [since, until], each priced on its own.

    genai-prices reads each vendor's own usage fields (Anthropic's, OpenAI's, Google's) with these
    counts and prices them: the reference the source must meet, by a path that shares none of its code.
    """
    out: dict[str, dict] = {}
    for request in requests:
        if not since <= request.ts <= until:
            continue
        got = out.setdefault(request.model, {"requests": 0, "input": 0, "cache_read": 0, "cache_write": 0,
                                             "output": 0, "cost": None})
        got["requests"] += 1
        if request.model == UNKNOWN_MODEL:
            got["input"] += request.input
            got["output"] += request.output
            continue
        vendor, body, flavor = request.vendor_usage()
        usage = extract_usage(body, provider_id=vendor, api_flavor=flavor).usage
        got["input"] += (usage.input_tokens or 0) - (usage.cache_read_tokens or 0) - (usage.cache_write_tokens or 0)
        got["cache_read"] += usage.cache_read_tokens or 0
        got["cache_write"] += usage.cache_write_tokens or 0
        got["output"] += usage.output_tokens or 0
        got["cost"] = (got["cost"] or 0.0) + float(calc_price(usage, request.model, provider_id=vendor).total_price)
    return out



@pytest.mark.parametrize("zone", ZONES)
def test_tokens_and_cost_are_exact_in_three_time_zones(tmp_path, zone):
    with local_zone(zone):
        now, today, month, times = boundary_times(ZoneInfo(zone), ZONES[zone])
        tree = generate(tmp_path / "amp", times)
        reading, stats = run(tmp_path / "amp", now, account=zone.replace("/", "-"))
    assert stats.errors == [] and stats.files == len(tree.files)
    assert stats.rows > len(times)  # the fork's and the copy's rows were read, and count once
    assert_exact(reading, "today", truth(tree.requests, today, now))
    month_truth = truth(tree.requests, month, now)
    assert_exact(reading, "month", month_truth)
    assert sum(w["requests"] for w in month_truth.values()) == sum(1 for t in times if month <= t <= now)
    assert month_truth[UNKNOWN_MODEL]["requests"] == 1  # counted, named and not priced
    assert f"1 message from unknown models: unknown/{UNKNOWN_MODEL} (not priced)" in reading.notes
    assert any(note.endswith("from a thread's usage ledger, without a cache split: all input priced as uncached")
               for note in reading.notes)


def test_a_copied_thread_and_a_fork_count_once_and_a_copy_left_still_counts(tmp_path):
    tree = generate(tmp_path / "amp", [NOW - 3600 + 60 * n for n in range(24)])
    fork = tree.threads[1]
    assert fork.parent == tree.threads[0].id and len(fork.copied) == 2
    expected = truth(tree.requests, 0, NOW)
    assert_exact(run(tmp_path / "amp")[0], "today", expected)
    tree.files["thread2"].unlink()  # the original goes; its copy under another name still holds its requests
    assert_exact(run(tmp_path / "amp")[0], "today", expected)
    tree.files["thread1"].unlink()  # the fork goes: its own requests go, the turns it copied stay in the parent
    left = [r for r in tree.requests if r not in fork.requests]
    assert len(left) == len(tree.requests) - len(fork.requests) and all(r in left for r in fork.copied)
    assert_exact(run(tmp_path / "amp")[0], "today", truth(left, 0, NOW))


def test_rows_carry_the_workspace_and_the_thread_id(tmp_path):
    thread = Thread("T-7d1c", NOW - 900, "/home/dev/my notes", requests=[random_request(random.Random(1), NOW - 800)])
    rows = amp_logs.parse_thread(thread.data(), "T-7d1c.json")
    assert [(r.project, r.session) for r in rows] == [("/home/dev/my notes", "T-7d1c")]
    document = thread.document()
    document["env"]["initial"]["trees"] = [{"uri": "https://github.com/dev/notes"}]  # no local folder: not guessed
    del document["id"]
    assert [(r.project, r.session) for r in amp_logs.parse_thread(json.dumps(document).encode(), "x")] == [("", "")]


def test_cache_reads_and_writes_are_apart_from_the_input_as_in_anthropics_fields(tmp_path):
    request = Request(NOW - 200, "claude-sonnet-4-5-20250929", input=3_000, output=500, read=40_000, write=2_000)
    Thread("T-a", NOW - 300, WORKSPACE, requests=[request]).write(tmp_path / "threads" / "T-a.json")
    today = run(tmp_path)[0].tokens["today"]
    assert (today.input, today.cache_read, today.cache_write, today.output) == (3_000, 40_000, 2_000, 500)
    # A record whose totalInputTokens equals its inputTokens counted the cache in the input: taken out once.
    usage = {**request.usage(), "inputTokens": 45_000, "totalInputTokens": 45_000}
    assert amp_logs.uncached(usage, 40_000, 2_000) == 3_000
    assert amp_logs.uncached(request.usage(), 40_000, 2_000) == 3_000
    # Claude Sonnet 4.5: $3/MTok input, $0.30 cache read, $3.75 5-minute cache write, $15 output.
    expected = (3_000 * 3 + 40_000 * 0.30 + 2_000 * 3.75 + 500 * 15) / 1e6
    assert run(tmp_path)[0].spent["today"].amount == pytest.approx(expected)


def test_each_model_is_priced_by_its_vendor_and_an_unknown_one_is_shown_unpriced():
    assert [amp_logs.vendor(m) for m in ("claude-opus-4-5", "gpt-5", "o3-mini", "gemini-2.5-pro",
                                         "anthropic/claude-haiku-4-5", "grok-4", "")] == [
        "anthropic", "openai", "openai", "google", "anthropic", "unknown", "unknown"]


def test_the_ledger_counts_only_where_no_message_usage_says_the_same():
    a, b = Request(NOW - 500, "claude-haiku-4-5", 100, 10), Request(NOW - 400, "claude-haiku-4-5", 200, 20)
    both = Thread("T-b", NOW - 600, WORKSPACE, "both", [a, Request(b.ts, b.model, 200, 20, ledger_only=True)])
    rows = amp_logs.parse_thread(both.data(), "T-b.json")
    assert sorted((r.uncached, r.flags) for r in rows) == [(100, 0), (200, amp_logs.FLAG_LEDGER)]
    unnamed = Thread("T-u", NOW - 600, WORKSPACE, "unnamed", [a, b])  # events name no message: usage counts
    assert sorted((r.uncached, r.flags) for r in amp_logs.parse_thread(unnamed.data(), "T-u.json")) == [
        (100, 0), (200, 0)]
    ledger = Thread("T-l", NOW - 600, WORKSPACE, "ledger", [a, b])  # no usage anywhere: the ledger counts
    assert sorted((r.uncached, r.flags) for r in amp_logs.parse_thread(ledger.data(), "T-l.json")) == [
        (100, amp_logs.FLAG_LEDGER), (200, amp_logs.FLAG_LEDGER)]


def test_a_thread_is_read_again_only_when_it_is_rewritten(tmp_path):
    rng = random.Random(3)
    a = Thread("T-a", NOW - 900, WORKSPACE, requests=[random_request(rng, NOW - 800)])
    b = Thread("T-b", NOW - 900, WORKSPACE, "both", [random_request(rng, NOW - 700)])
    path_a, path_b = thread_path(tmp_path, a), thread_path(tmp_path, b)
    size_a, size_b = a.write(path_a), b.write(path_b)
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (2, size_a + size_b)
    _, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (0, 0)  # unchanged: not even opened
    size_a = a.grow(path_a, random_request(rng, NOW - 100))  # the thread grows: Amp writes it whole again
    reading, stats = run(tmp_path)
    assert (stats.files_read, stats.bytes_read) == (1, size_a)
    assert_exact(reading, "today", truth(a.requests + b.requests, 0, NOW))


def test_a_half_written_thread_keeps_its_last_figures_until_it_is_whole(tmp_path):
    rng = random.Random(5)
    thread = Thread("T-h", NOW - 900, WORKSPACE, requests=[random_request(rng, NOW - 800)])
    other = Thread("T-o", NOW - 900, WORKSPACE, requests=[random_request(rng, NOW - 700)])
    path = thread_path(tmp_path, thread)
    thread.write(path)
    other.write(thread_path(tmp_path, other))
    before = truth(thread.requests + other.requests, 0, NOW)
    assert_exact(run(tmp_path)[0], "today", before)
    thread.requests.append(random_request(rng, NOW - 100))
    data = thread.data()
    path.write_bytes(data[: len(data) // 2])  # caught mid-rewrite
    reading, stats = run(tmp_path)
    assert_exact(reading, "today", before)
    assert len(stats.errors) == 1 and stats.errors[0].startswith(f"{path}: ")
    assert any(note.startswith(f"could not read {path}") for note in reading.notes)
    path.write_bytes(data)
    reading, stats = run(tmp_path)
    assert stats.errors == []
    assert_exact(reading, "today", truth(thread.requests + other.requests, 0, NOW))


def odd_thread() -> dict:
    """A thread holding every odd record seen or imaginable; only three requests count."""
    good = Request(NOW - 500, "claude-haiku-4-5", 1_000, 100)
    undated = {**good.usage(), "timestamp": None, "inputTokens": 300, "outputTokens": 30}
    unnamed = {**good.usage(), "timestamp": iso(NOW - 400), "model": "", "inputTokens": 70, "outputTokens": 7}
    weird = {**good.usage(), "timestamp": iso(NOW - 300), "inputTokens": True, "outputTokens": -5,
             "cacheReadInputTokens": 10**30, "cacheCreationInputTokens": "12", "totalInputTokens": 1.5}
    messages: list = ["not a message", 42, None, [good.usage()], {"role": "assistant", "usage": [1, 2]},
                      {"messageId": 1, "usage": good.usage()}, {"messageId": 1, "usage": good.usage()},
                      {"messageId": 2, "usage": undated}, {"messageId": 3, "usage": unnamed},
                      {"messageId": 4, "usage": weird}, {"messageId": 5, "usage": {**good.usage(), "inputTokens": 0,
                                                                                   "outputTokens": 0}},
                      {"messageId": 6, "usage": {**good.usage(), "timestamp": iso(NOW - 200),
                                                 "inputTokens": 2**64, "outputTokens": 10**13}}]
    events = [None, "x", {"toMessageId": 1, **good.event(1)}, {"tokens": "lots"}, {"tokens": {"input": 5}},
              {**good.event(None), "timestamp": "yesterday"}]
    return {"id": "T-odd", "created": round((NOW - 600) * 1000), "env": {"initial": {"trees": "nope"}},
            "messages": messages, "usageLedger": {"events": events}}


def test_odd_records_never_crash_and_never_count_twice(tmp_path):
    folder = tmp_path / "threads"
    folder.mkdir()
    (folder / "T-odd.json").write_text(json.dumps(odd_thread()))
    for name, text in (("T-list.json", "[1, 2]"), ("T-text.json", '"thread"'), ("T-messages.json", '{"messages": 3}'),
                       ("T-empty.json", "{}"), ("T-ledger.json", '{"usageLedger": {"events": 7}}'),
                       ("T-created.json", json.dumps({"created": "soon", "messages": [{"usage": {
                           "model": "claude-haiku-4-5", "inputTokens": 9, "outputTokens": 9}}]}))):
        (folder / name).write_text(text)
    reading, stats = run(tmp_path)
    assert stats.errors == [] and stats.files == 7
    today = reading.tokens["today"]
    assert (today.input, today.output) == (1_000 + 300 + 70, 100 + 30 + 7)
    # Claude Haiku 4.5: $1/MTok input, $5/MTok output; "(no model)" has no price.
    assert reading.spent["today"].amount == pytest.approx((1_300 * 1 + 130 * 5) / 1e6)
    assert "1 message from unknown models: unknown/(no model) (not priced)" in reading.notes
    assert "1 Amp request without a time of their own, dated at their thread's start" in reading.notes


def test_undated_requests_of_threads_without_an_id_do_not_merge(tmp_path):
    folder = tmp_path / "threads"
    folder.mkdir()
    for n in range(2):
        usage = {"model": "claude-haiku-4-5", "inputTokens": 100 + n, "outputTokens": 10}
        (folder / f"T-{n}.json").write_text(json.dumps({"created": round((NOW - 60) * 1000), "messages": [
            {"messageId": 1, "usage": usage}]}))
    assert run(tmp_path)[0].tokens["today"].input == 201


def test_folders_come_from_the_option_amp_data_dir_or_xdg_data_home(tmp_path):
    one, two = tmp_path / "one" / "amp", tmp_path / "two"
    rng = random.Random(6)
    first = Thread("T-1", NOW - 900, WORKSPACE, requests=[random_request(rng, NOW - 800)])
    second = Thread("T-2", NOW - 900, WORKSPACE, requests=[random_request(rng, NOW - 700)])
    first.write(thread_path(one, first))
    second.write(thread_path(two, second))
    # AMP_DATA_DIR may name a data folder or its threads/ folder; a folder listed twice is read once.
    env = {"AMP_DATA_DIR": f"{one}, {two / 'threads'},{two}", "HOME": str(tmp_path / "nohome")}
    reading, stats = amp_logs.run(ctx(Options(), env, NOW, "env"))
    assert stats.files == 2
    assert_exact(reading, "today", truth(first.requests + second.requests, 0, NOW))
    reading, _ = amp_logs.run(ctx(Options(paths=str(one)), env, NOW, "option"))  # the option wins
    assert_exact(reading, "today", truth(first.requests, 0, NOW))
    reading, _ = amp_logs.run(ctx(Options(), {"HOME": "/nonexistent", "XDG_DATA_HOME": str(one.parent)}, NOW, "x"))
    assert_exact(reading, "today", truth(first.requests, 0, NOW))
    home = tmp_path / "someone"
    second.write(thread_path(home / ".local" / "share" / "amp", second))
    reading, _ = amp_logs.run(ctx(Options(), {"HOME": str(home), "XDG_DATA_HOME": " "}, NOW, "home"))
    assert_exact(reading, "today", truth(second.requests, 0, NOW))


def test_missing_folders_name_the_fix_and_an_unreadable_only_thread_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="paths.*AMP_DATA_DIR"):
        run(tmp_path / "nowhere")
    (tmp_path / "threads").mkdir()
    (tmp_path / "threads" / "T-cut.json").write_text('{"id": "T-cut", "messages": [')
    with pytest.raises(BadResponse, match="T-cut.json"):
        run(tmp_path)


def test_detect_finds_folders_holding_threads_only(tmp_path):
    home = tmp_path / "someone"
    env = {"HOME": str(home), "PATH": str(tmp_path)}
    threads = home / ".local" / "share" / "amp" / "threads"
    threads.mkdir(parents=True)
    (threads / "index.json").write_text("{}")
    assert amp_logs.detect(env, context.runner(env)) == []  # a threads folder, no thread yet
    Thread("T-d", NOW, WORKSPACE).write(threads / "T-d.json")
    found = amp_logs.detect(env, context.runner(env))
    assert [(s.provider, s.account, s.where) for s in found] == [("amp_logs", "amp-logs", str(threads))]
    other = tmp_path / "xdg"
    Thread("T-e", NOW, WORKSPACE).write(other / "amp" / "threads" / "T-e.json")
    found = amp_logs.detect({**env, "XDG_DATA_HOME": str(other)}, context.runner(env))
    assert [s.where for s in found] == [str(other / "amp" / "threads")]
    assert providers.load("amp_logs") is amp_logs


def test_through_the_cli_config_refresh_and_json(tmp_path, config_file):
    now = time.time()
    midnight, times = times_today(now)
    tree = generate(tmp_path / "amp", times)
    account = refreshed_through_cli(config_file, "amp-logs", "amp_logs", tmp_path / "amp")
    assert_json_today(account, truth(tree.requests, midnight, now + 60))
