"""`tokseg statusline` (hot path) and the claude_statusline provider that serves its file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, ctx, write_lines
from tests.conftest import run_tokseg, write_config
from tokseg import statusline
from tokseg.errors import BadResponse
from tokseg.providers import claude_statusline

FORBIDDEN = {"click", "requests", "keyring", "filelock", "platformdirs", "tomllib", "sqlite3", "subprocess",
             "logging", "pathlib", "dataclasses", "typing", "datetime", "threading", "argparse", "shutil",
             "tempfile", "genai_prices", "pydantic", "urllib3"}


def hook_input(now: float, **changes) -> str:
    """Reference A1's example, whole (every documented key), with resets in the future of `now`."""
    data = {
        "hook_event_name": "Status", "session_id": "6f1c2b7e-2f4d-4a51-9a0e-3c1d2b9e7a10",
        "transcript_path": "/home/dev/.claude/projects/-home-dev-src-shop-api/6f1c2b7e.jsonl",
        "cwd": "/home/dev/src/shop-api", "model": {"id": "claude-opus-4-7", "display_name": "Opus 4.7"},
        "workspace": {"current_dir": "/home/dev/src/shop-api", "project_dir": "/home/dev/src/shop-api"},
        "version": "2.1.130", "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 1.8421, "total_duration_ms": 2257641, "total_api_duration_ms": 951022,
                 "total_lines_added": 214, "total_lines_removed": 37},
        "context_window": {"total_input_tokens": 55208, "total_output_tokens": 9120, "context_window_size": 200000,
                           "current_usage": {"input_tokens": 8, "output_tokens": 512,
                                             "cache_creation_input_tokens": 1200, "cache_read_input_tokens": 54000},
                           "used_percentage": 28, "remaining_percentage": 72},
        "exceeds_200k_tokens": False,
        "rate_limits": {"five_hour": {"used_percentage": 42.4, "resets_at": int(now) + 4320 + 30},
                        "seven_day": {"used_percentage": "18", "resets_at": int(now) + 5 * 86400}},
    }
    data.update(changes)
    return json.dumps(data)


def stored(home: Path) -> Path:
    return home / "cache" / statusline.STORE_FILE


def test_valid_input_prints_the_segment_and_stores_the_figures(home):
    now = time.time()
    result = run_tokseg("statusline", input=hook_input(now))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == "claude 5h 42% ↻1h12m · 7d 18% · ctx 28% · $1.84 sess\n"
    path = stored(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["windows"]["5h"]["used_pct"] == 42.4
    assert data["windows"]["7d"] == {"used_pct": 18.0, "resets_at": float(int(now) + 5 * 86400)}
    assert (data["cost_usd"], data["model"], data["session_id"]) == (1.8421, "Opus 4.7", "6f1c2b7e-2f4d-4a51-9a0e-3c1d2b9e7a10")
    assert [p.name for p in path.parent.iterdir()] == [statusline.STORE_FILE]  # no temp file left behind


def test_without_rate_limits_the_model_and_cost_show(home):
    result = run_tokseg("statusline", input=hook_input(time.time(), rate_limits=None, model="claude-sonnet-4-5"))
    assert result.stdout == "claude claude-sonnet-4-5 · ctx 28% · $1.84 sess\n"
    assert json.loads(stored(home).read_text())["windows"] == {}


@pytest.mark.parametrize("garbage", ["", "not json", "[1, 2]", '{"model": ', "\xff\xfe", "null"])
def test_bad_input_prints_a_marker_and_exits_zero(home, garbage):
    result = run_tokseg("statusline", input=garbage)
    assert (result.returncode, result.stdout, result.stderr) == (0, "claude ?\n", "")
    assert not stored(home).exists()


@pytest.mark.parametrize(("changes", "expected"), [
    ({"cost": {"total_cost_usd": 1e400}}, "claude 5h 42% ↻1h12m · 7d 18% · ctx 28%"),
    ({"cost": {"total_cost_usd": -5}}, "claude 5h 42% ↻1h12m · 7d 18% · ctx 28%"),
    ({"cost": {"total_cost_usd": "nan"}}, "claude 5h 42% ↻1h12m · 7d 18% · ctx 28%"),
    ({"rate_limits": {"five_hour": {"used_percentage": -3, "resets_at": 0}}}, "claude Opus 4.7 · ctx 28% · $1.84 sess"),
    ({"rate_limits": {"five_hour": {"used_percentage": "inf"}}}, "claude Opus 4.7 · ctx 28% · $1.84 sess"),
    ({"rate_limits": {"five_hour": {"used_percentage": 7, "resets_at": 1e20}}}, "claude 5h 7.0% · ctx 28% · $1.84 sess"),
    ({"rate_limits": {"five_hour": {"used_percentage": 7, "resets_at": 1e400}}}, "claude 5h 7.0% · ctx 28% · $1.84 sess"),
])
def test_impossible_figures_are_not_reported_and_the_rest_shows(home, changes, expected):
    """A figure that cannot be a cost, a percentage or a reset (negative, not finite, a reset years
    away) is dropped alone: the segment, the stored file and the provider show the rest."""
    result = run_tokseg("statusline", input=hook_input(time.time(), **changes))
    assert (result.returncode, result.stdout, result.stderr) == (0, expected + "\n", "")
    text = stored(home).read_text()
    assert "Infinity" not in text and "NaN" not in text and "-" not in json.dumps(json.loads(text)["windows"])
    claude_statusline.fetch(ctx(claude_statusline.Options(), {}, time.time()))  # no BadResponse from the stored file


def test_hostile_model_names_are_one_short_safe_line(home):
    name = "Opus\x1b]52;c;aGk=\x07\u202e\n" + "x" * 500
    result = run_tokseg("statusline", input=hook_input(time.time(), rate_limits=None, model={"display_name": name}))
    line = result.stdout.rstrip("\n")
    assert "\n" not in line and "\x1b" not in line and "\u202e" not in line and "\x07" not in line
    assert line.startswith("claude Opus]52;c;aGk= xxx") and len(line) < 100, line
    assert len(json.loads(stored(home).read_text())["model"]) == statusline.MAX_NAME


def test_unwritable_cache_still_prints_the_segment(home):
    (home / "cache").write_text("a file where the folder should be")
    result = run_tokseg("statusline", input=hook_input(time.time()))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("claude 5h 42%")


def test_unchanged_figures_are_not_rewritten_each_render(home):
    now = 1_800_000_000.0
    figures = statusline.parse(hook_input(now).encode(), now)
    path = str(stored(home))
    assert statusline.store(figures, path, now) is True
    inode = os.stat(path).st_ino
    assert statusline.store(figures, path, now + 5) is False
    assert os.stat(path).st_ino == inode
    changed = statusline.parse(hook_input(now, cost={"total_cost_usd": 2.5}).encode(), now)
    assert statusline.store(changed, path, now + 6) is True
    assert statusline.store(figures, path, now + 5 + statusline.REWRITE_AFTER_S) is True


def test_statusline_imports_nothing_heavy(home):
    """Modules the command imports beyond what the interpreter itself loads at start-up."""
    def imported(*args: str, stdin: str = "") -> set[str]:
        out = subprocess.run([sys.executable, "-X", "importtime", *args], input=stdin, capture_output=True,
                             text=True, env=os.environ.copy(), timeout=30)
        return {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}

    baseline = imported("-c", "pass")
    command = imported("-m", "tokseg", "statusline", stdin=hook_input(time.time()))
    assert "tokseg.statusline" in command  # the measurement saw our modules
    heavy = {m for m in command - baseline if m.split(".")[0] in FORBIDDEN}
    assert heavy == set()


def test_provider_serves_the_stored_figures(home):
    now = time.time()
    run_tokseg("statusline", input=hook_input(now))
    reading = claude_statusline.fetch(ctx(claude_statusline.Options(), {}, now + 60))
    windows = {w.name: w for w in reading.windows}
    assert windows["5h"].used_pct == 42.4 and windows["5h"].resets_at == int(now) + 4350
    assert (windows["5h"].length_s, windows["7d"].length_s) == (5 * 3600, 7 * 86400)
    assert reading.spent["session"].amount == pytest.approx(1.8421)
    assert reading.headline.key == "5h"
    assert "model Opus 4.7" in reading.notes and "context 28% full" in reading.notes
    # After the 5-hour reset and a long silence, the old percentage is not shown as current.
    later = claude_statusline.fetch(ctx(claude_statusline.Options(), {}, now + 5 * 3600))
    assert {w.name: w.used_pct for w in later.windows}["5h"] == 0.0
    assert "5h window has reset since the last Claude Code update" in later.notes
    assert any(note.startswith("figures are 4h59m old") for note in later.notes), later.notes


def test_provider_without_a_stored_file_says_how_to_set_it_up(home):
    with pytest.raises(BadResponse, match="statusLine"):
        claude_statusline.fetch(ctx(claude_statusline.Options(), {}, time.time()))


def test_refresher_merges_status_line_and_log_sources_into_the_snapshot(config_file, home, tmp_path):
    now = time.time()
    run_tokseg("statusline", input=hook_input(now))
    logs = tmp_path / "claude"
    write_lines(logs / "projects" / "p" / "s.jsonl", [claude_row("msg_1", now - 60, output=637)])
    write_config(config_file, f'[accounts.claude]\nprovider = "claude_statusline"\n\n'
                              f'[accounts.cc]\nprovider = "claude_code"\npaths = "{logs}"\n')
    result = run_tokseg("refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    snap = json.loads((home / "cache" / "snapshot.json").read_text())
    assert snap["accounts"]["claude"]["reading"]["windows"][0]["name"] == "5h"
    assert snap["accounts"]["cc"]["reading"]["tokens"]["today"]["output"] == 637
    segment = run_tokseg("--account", "claude")
    assert segment.stdout.startswith("claude 5h 42%"), segment.stdout


def context_window(**changes) -> dict:
    """Reference A1's context_window, every documented key, with `changes` applied (None removes a key)."""
    window = {"total_input_tokens": 55208, "total_output_tokens": 9120, "context_window_size": 200000,
              "current_usage": {"input_tokens": 8, "output_tokens": 512, "cache_creation_input_tokens": 1200,
                                "cache_read_input_tokens": 54000},
              "used_percentage": 63, "remaining_percentage": 37}
    window.update(changes)
    return {k: v for k, v in window.items() if v is not None}


def test_context_fill_in_the_default_line_and_the_stored_figures(home):
    result = run_tokseg("statusline", input=hook_input(time.time(), context_window=context_window()))
    assert (result.returncode, result.stdout, result.stderr) == (0, "claude 5h 42% ↻1h12m · 7d 18% · ctx 63% · $1.84 sess\n", "")
    assert json.loads(stored(home).read_text())["context_pct"] == 63.0


def test_older_versions_without_context_window_show_no_context(home):
    payload = json.loads(hook_input(time.time()))
    del payload["context_window"], payload["exceeds_200k_tokens"]
    result = run_tokseg("statusline", input=json.dumps(payload))
    assert result.stdout == "claude 5h 42% ↻1h12m · 7d 18% · $1.84 sess\n"
    assert json.loads(stored(home).read_text())["context_pct"] is None
    reading = claude_statusline.fetch(ctx(claude_statusline.Options(), {}, time.time()))
    assert reading.context_pct is None and "context_pct" not in reading.to_dict()


@pytest.mark.parametrize(("window", "shown"), [
    (context_window(used_percentage="63.5"), "ctx 64%"),  # a number sent as a string
    (context_window(used_percentage=7.5), "ctx 7.5%"),
    (context_window(used_percentage=0, current_usage=None), "ctx 0%"),  # after /clear
    (context_window(used_percentage=100), "ctx 100%"),
    (context_window(used_percentage=169), None),  # no window is 169 % full
    (context_window(used_percentage=-4), None),
    (context_window(used_percentage="nan"), None),
    (context_window(used_percentage=True), None),
    (context_window(used_percentage=None), None),  # token counts only: not worked out from them
    (context_window(used_percentage=None, remaining_percentage=None), None),
    ("full", None),
    (None, None),
])
def test_odd_context_figures_show_nothing_and_the_rest_shows(home, window, shown):
    result = run_tokseg("statusline", input=hook_input(time.time(), context_window=window))
    middle = f" · {shown}" if shown else ""
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"claude 5h 42% ↻1h12m · 7d 18%{middle} · $1.84 sess\n"


def test_context_template_field_and_json_through_a_claude_statusline_account(config_file, home):
    from tests.test_json_schemas import valid

    write_config(config_file, '[accounts.cc]\nprovider = "claude_statusline"\n')
    run_tokseg("statusline", input=hook_input(time.time(), context_window=context_window()))
    assert run_tokseg("refresh").returncode == 0
    shown = run_tokseg("--template", "{cc.context}|{cc.context.value}|{cc.context.value:.0f}")
    assert shown.stdout == "63%|63.0|63\n"
    document = json.loads(run_tokseg("--json").stdout)
    assert document["accounts"][0]["context_pct"] == 63.0
    valid("segment", document)
    check = run_tokseg("format", "check", "{cc.context} {cc.context.value}")
    assert check.returncode == 0, check.stdout + check.stderr

    run_tokseg("statusline", input=hook_input(time.time(), context_window=None))
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg("--template", "[{cc.context}]").stdout == "[]\n"
    assert json.loads(run_tokseg("--json").stdout)["accounts"][0]["context_pct"] is None


def test_a_snapshot_whose_context_is_not_a_number_shows_none(config_file, home):
    write_config(config_file, '[accounts.cc]\nprovider = "claude_statusline"\n')
    run_tokseg("statusline", input=hook_input(time.time(), context_window=context_window()))
    assert run_tokseg("refresh").returncode == 0
    path = home / "cache" / "snapshot.json"
    snap = json.loads(path.read_text())
    snap["accounts"]["cc"]["reading"]["context_pct"] = "63"
    path.write_text(json.dumps(snap))
    shown = run_tokseg("--template", "[{cc.context}] {cc.5h.pct}")
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, "[] 42.4\n", "")
