"""Codex logs: running totals, re-emits, forks, copies, lanes, resets, incremental reads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from tests.agent_logs import codex_meta, codex_tokens, codex_turn, ctx, write_lines
from tokseg.errors import ConfigError
from tokseg.sources import codex_logs as codex
from tokseg.sources.codex_logs import Options

NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
T0 = NOW - 3600


def rollout(home: Path, name: str) -> Path:
    return home / "sessions" / "2026" / "11" / "22" / f"rollout-2026-11-22T14-00-00-{name}.jsonl"


def run(home: Path, now: float = NOW, account: str = "cx"):
    return codex.run(ctx(Options(paths=str(home)), {"HOME": "/nonexistent"}, now, account))


def total(reading) -> tuple[int, int, int]:
    """(input incl. cached, cached, output) of today's tokens."""
    t = reading.tokens["today"]
    return t.input + t.cache_read, t.cache_read, t.output


def expected_cost(inp: int, cached: int, out: int, model: str = "gpt-5.3-codex") -> float:
    return float(calc_price(Usage(input_tokens=inp, cache_read_tokens=cached, output_tokens=out), model,
                            provider_id="openai").total_price)


def parent_lines() -> list[str]:
    """Reference B2's five lines: the second token_count is a re-emit of the first."""
    return [
        codex_meta(T0),
        codex_turn(T0 + 1),
        codex_tokens(T0 + 70, (12000, 9000, 900, 300)),
        codex_tokens(T0 + 72, (12000, 9000, 900, 300)),
        codex_tokens(T0 + 220, (30500, 24000, 1500, 420), last=(18500, 15000, 600, 120), lane=None),
    ]


def test_reemitted_totals_count_once(tmp_path):
    write_lines(rollout(tmp_path, "a"), parent_lines())
    reading, _ = run(tmp_path)
    assert total(reading) == (30500, 24000, 1500)  # 32 000 tokens, not 44 900
    assert reading.spent["today"].amount == pytest.approx(expected_cost(30500, 24000, 1500), rel=1e-9)


def test_fork_replaying_its_parent_counts_once(tmp_path):
    write_lines(rollout(tmp_path, "parent"), parent_lines())
    fork_at = T0 + 600
    write_lines(rollout(tmp_path, "child"), [
        codex_meta(fork_at, spawn=True),
        codex_turn(fork_at),
        # The parent's history replayed in one burst stamped at the child's creation second.
        codex_tokens(fork_at + 0.1, (12000, 9000, 900, 300)),
        codex_tokens(fork_at + 0.2, (12000, 9000, 900, 300)),
        codex_tokens(fork_at + 0.3, (30500, 24000, 1500, 420)),
        # The child's own work continues the running total.
        codex_tokens(fork_at + 40, (40500, 30000, 1800, 500)),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (40500, 30000, 1800)


def test_forked_from_id_marks_a_fork_too(tmp_path):
    write_lines(rollout(tmp_path, "child"), [
        codex_meta(T0, forked_from="0199-parent"), codex_turn(T0),
        codex_tokens(T0 + 0.5, (50000, 40000, 2000, 0)),
        codex_tokens(T0 + 30, (51000, 40500, 2100, 0)),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (1000, 500, 100)


def test_history_copied_into_a_resumed_file_counts_once(tmp_path):
    write_lines(rollout(tmp_path, "first"), parent_lines())
    # A resumed session starts a new file with the later part of the old one's events, then goes on.
    write_lines(rollout(tmp_path, "resumed"), [
        codex_meta(T0 + 900), codex_turn(T0 + 900),
        codex_tokens(T0 + 220, (30500, 24000, 1500, 420), lane=None),
        codex_tokens(T0 + 950, (31500, 24000, 1600, 420), lane=None),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (31500, 24000, 1600)


def test_interleaved_lanes_keep_their_own_totals(tmp_path):
    write_lines(rollout(tmp_path, "lanes"), [
        codex_meta(T0), codex_turn(T0),
        codex_tokens(T0 + 10, (1000, 0, 100, 0), lane="codex"),
        codex_tokens(T0 + 20, (5_000_000, 0, 9000, 0), lane="codex_bengalfox"),
        codex_tokens(T0 + 30, (1500, 0, 150, 0), lane="codex"),
        codex_tokens(T0 + 40, (5_000_100, 0, 9010, 0), lane="codex_bengalfox"),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (1500 + 5_000_100, 0, 150 + 9010)


def test_backwards_step_is_not_usage_unless_the_counter_really_reset(tmp_path):
    write_lines(rollout(tmp_path, "stale"), [
        codex_meta(T0), codex_turn(T0),
        codex_tokens(T0 + 10, (10000, 0, 1000, 0)),
        codex_tokens(T0 + 20, (9000, 0, 900, 0), last=(9000, 0, 900, 0)),  # stale, out of order
        codex_tokens(T0 + 30, (12000, 0, 1200, 0)),
    ])
    write_lines(rollout(tmp_path, "reset"), [
        codex_meta(T0), codex_turn(T0),
        codex_tokens(T0 + 10, (70000, 0, 7000, 0), lane="other"),
        codex_tokens(T0 + 20, (3000, 0, 300, 0), last=(3000, 0, 300, 0), lane="other"),  # compaction reset
        codex_tokens(T0 + 30, (5000, 0, 500, 0), last=(2000, 0, 200, 0), lane="other"),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (12000 + 70000 + 5000, 0, 1200 + 7000 + 500)


def test_appended_events_read_only_new_bytes_and_keep_running_totals(tmp_path):
    path = rollout(tmp_path, "a")
    lines = parent_lines()
    first = write_lines(path, lines[:3])
    reading, stats = run(tmp_path)
    assert stats.bytes_read == first
    assert total(reading) == (12000, 9000, 900)
    appended = write_lines(path, lines[3:], mode="a")
    reading, stats = run(tmp_path)
    assert stats.bytes_read == appended and stats.rescanned == []
    assert total(reading) == (30500, 24000, 1500)


def test_missing_model_is_priced_as_the_first_codex_model_and_said(tmp_path):
    write_lines(rollout(tmp_path, "old"), [codex_meta(T0), codex_tokens(T0 + 10, (1000, 0, 100, 0))])
    reading, _ = run(tmp_path)
    assert "1 Codex event without a model priced as gpt-5" in reading.notes
    assert reading.spent["today"].amount == pytest.approx(expected_cost(1000, 0, 100, "gpt-5"), rel=1e-9)


def test_archived_copy_of_a_live_session_is_skipped_and_codex_home_is_read(tmp_path):
    live = rollout(tmp_path, "a")
    write_lines(live, parent_lines())
    write_lines(tmp_path / "archived_sessions" / live.name, parent_lines())
    write_lines(tmp_path / "archived_sessions" / "rollout-old.jsonl",
                [codex_meta(T0), codex_turn(T0), codex_tokens(T0 + 5, (100, 0, 10, 0), lane="archived")])
    reading, _ = codex.run(ctx(Options(), {"CODEX_HOME": str(tmp_path), "HOME": "/nonexistent"}, NOW))
    assert total(reading) == (30500 + 100, 24000, 1500 + 10)


def test_missing_home_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="paths.*CODEX_HOME"):
        run(tmp_path / "nowhere")


def test_spend_and_tokens_per_model_follow_the_turn_context(tmp_path):
    write_lines(rollout(tmp_path, "a"), [
        codex_meta(T0),
        codex_turn(T0 + 1, "gpt-5.3-codex"),
        codex_tokens(T0 + 70, (12000, 9000, 900, 300)),
        codex_turn(T0 + 100, "gpt-5"),  # the user switched models mid-session
        codex_tokens(T0 + 220, (30500, 24000, 1500, 420), last=(18500, 15000, 600, 120)),
    ])
    earlier = NOW - 3 * 86400  # this month, not today, not in the block
    write_lines(rollout(tmp_path, "old"), [codex_meta(earlier), codex_turn(earlier + 1, "gpt-5"),
                                           codex_tokens(earlier + 60, (1000, 0, 100, 0))])
    reading, _ = run(tmp_path)
    got = {(m.period, m.model): (m.spent.amount, m.tokens.to_dict()) for m in reading.models}
    assert set(got) == {(p, m) for p in ("today", "month", "block") for m in ("gpt-5.3-codex", "gpt-5")}

    def tokens(inp: int, cached: int, out: int) -> dict:
        return {"input": inp - cached, "output": out, "cache_read": cached, "cache_write": 0, "total": inp + out}

    for period in ("today", "block"):
        codex_spent, codex_tokens_ = got[(period, "gpt-5.3-codex")]
        assert codex_tokens_ == tokens(12000, 9000, 900)
        assert codex_spent == pytest.approx(expected_cost(12000, 9000, 900), rel=1e-9)
        gpt5_spent, gpt5_tokens = got[(period, "gpt-5")]
        assert gpt5_tokens == tokens(18500, 15000, 600)
        assert gpt5_spent == pytest.approx(expected_cost(18500, 15000, 600, "gpt-5"), rel=1e-9)
    month_spent, month_tokens = got[("month", "gpt-5")]
    assert month_tokens == tokens(19500, 15000, 700)
    month_cost = sum(expected_cost(*usage, "gpt-5") for usage in ((18500, 15000, 600), (1000, 0, 100)))
    assert month_spent == pytest.approx(month_cost, rel=1e-9)
    assert got[("month", "gpt-5.3-codex")] == got[("today", "gpt-5.3-codex")]
    # Per period, the dearer model comes first.
    today = [m for m in reading.models if m.period == "today"]
    assert today[0].spent.amount >= today[1].spent.amount


def test_a_running_total_beyond_any_real_count_is_skipped_not_a_crash(tmp_path):
    write_lines(rollout(tmp_path, "huge"), [
        codex_meta(T0), codex_turn(T0),
        codex_tokens(T0 + 10, (1000, 0, 100, 0)),
        codex_tokens(T0 + 20, (10**30, 0, 200, 0)),
        codex_tokens(T0 + 30, (1500, 0, 150, 0)),
    ])
    reading, _ = run(tmp_path)
    assert total(reading) == (1500, 0, 150)
