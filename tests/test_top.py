"""`tokseg top` as text: `--once` frames of every view on a real home, key sources, the demo, and the README frame.

The live app is driven in tests/test_top_app.py (Textual's pilot) and
tests/test_top_tmux.py (a real terminal).
"""

from __future__ import annotations

import re
import sys

import pytest

from tests.conftest import ROOT, run_tokseg, write_config
from tests.test_hot_imports import DUMP

KEY = "sk-or-v1-" + "0123456789abcdef" * 3 + "a1b2"
ACCOUNTS = """\
[settings]
interval = 300

[accounts.credits]
provider = "demo"
kind = "prepaid"

[accounts.claude]
provider = "demo"
kind = "subscription"
label = "claude [b]max\u202e"

[accounts.agent]
provider = "demo"
kind = "agent"

[accounts.router]
provider = "openrouter"
key_env = "TOP_TEST_KEY"
base_url = "http://127.0.0.1:9/api/v1"

[accounts.stored]
provider = "openrouter"
base_url = "http://127.0.0.1:9/api/v1"
"""
README_FRAME = re.compile(r"<!-- top-frame: (?P<command>[^>]*) -->\n```text\n(?P<frame>.*?)```", re.S)


@pytest.fixture
def refreshed_home(config_file, monkeypatch):
    """A home with demo accounts, an agent, and two OpenRouter accounts that fail (nothing listens on port 9)."""
    monkeypatch.setenv("TOP_TEST_KEY", KEY)
    write_config(config_file, ACCOUNTS)
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 1, done.stderr  # the two unreachable accounts fail; the others are fetched
    return config_file


def once(*args: str, width: int = 80) -> str:
    done = run_tokseg("top", "--once", "--width", str(width), *args, env={"COLUMNS": str(width)})
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout  # plain text: no colour escapes in a printed frame
    return done.stdout


def test_accounts_frame_has_every_account_with_its_key_source_and_error_fix(refreshed_home):
    frame = once()
    lines = frame.splitlines()
    assert lines[0].startswith("tokseg top [1 Accounts]"), lines[0]
    header = next(line for line in lines if line.startswith("ACCOUNT"))
    assert header.split()[:4] == ["ACCOUNT", "PROV", "KEY", "STATE"] and "HEADL" in header, header
    row = {line.split()[0]: line for line in lines[lines.index(header) + 1:] if line and not line[0].isspace()}
    assert "sk-or-…a1b2" in row["router"] and KEY not in frame  # a key from the environment: its preview only
    assert "keyring" in row["stored"]  # a keyring key: its source, the keyring is never asked
    assert "no key" in row["credits"] and "error network" in row["router"], frame
    assert "claude [b]max\\u202e" in frame and "\u202e" not in frame  # a label is text: never markup, never a control
    assert "fix: check the connection" in frame  # the fix for the error class, as `tokseg doctor` gives it
    assert "▕" in frame and "5h" in frame and "pace" in frame  # the subscription's gauges with pace
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)


@pytest.mark.parametrize(("args", "expected"), [
    (("--view", "trends"), ["USD · all accounts", "┤", "per account"]),
    (("--view", "breakdown"), ["MODEL", "claude-sonnet-4-5", "by model"]),
    (("--view", "breakdown", "--by", "project"), ["PROJECT", "shop-api", "└ feature/cart"]),
    (("--view", "breakdown", "--by", "agent", "--period", "month"), ["ACCOUNT", "PROVIDER", "agent", "month"]),
    (("--view", "sessions", "--period", "week"), ["STARTED", "BRANCH", "TOOK", "shop-api"]),
    (("--view", "efficiency"), ["CACHE READS", "91%", "PER REQUEST", "1.3%"]),
])
def test_every_view_prints_its_figures(refreshed_home, args, expected):
    frame = once(*args)
    for text in expected:
        assert text in frame, f"{text!r} not in:\n{frame}"
    assert all(len(line) <= 80 for line in frame.splitlines())


def test_a_fresh_home_prints_the_hint_not_a_traceback(home):
    frame = once()
    assert "no snapshot yet" in frame and "Traceback" not in frame


def test_the_frame_never_reads_the_keyring_nor_imports_textual(refreshed_home):
    """`--once` is a reader: no keyring (it could block on an unlock prompt), no TUI library."""
    code = DUMP.format(args=["top", "--once"])
    done = run_tokseg_code(code)
    modules = set(done.split("MODULES=")[-1].strip().split(","))
    assert "keyring" not in modules and "textual" not in modules, sorted(m for m in modules if "key" in m)
    assert "ACCOUNT" in done


def run_tokseg_code(code: str) -> str:
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_textual_the_dashboard_says_how_to_get_it(refreshed_home, tmp_path):
    from tokseg.cli.top import MISSING_TEXTUAL

    shadow = tmp_path / "no-textual" / "textual"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named textual')\n")
    env = {"PYTHONPATH": f"{shadow.parent}:{ROOT}"}
    done = run_tokseg("top", env=env)
    assert done.returncode == 1 and done.stderr.strip() == f"tokseg: {MISSING_TEXTUAL}", done.stderr
    assert "pip install 'tokseg[top]'" in done.stderr and "Traceback" not in done.stderr
    assert "ACCOUNT" in run_tokseg("top", "--once", env=env).stdout  # the text frame needs no TUI library


def test_without_a_terminal_the_dashboard_points_at_once(refreshed_home):
    from tokseg.cli.top import NO_TERMINAL

    done = run_tokseg("top")  # stdin and stdout are pipes here
    assert done.returncode == 1 and done.stderr.strip() == f"tokseg: {NO_TERMINAL}", done.stderr


def test_seed_needs_demo(home):
    done = run_tokseg("top", "--once", "--seed", "1")
    assert done.returncode == 2 and "--seed works with --demo only" in done.stderr


def test_the_readme_frame_is_what_the_command_prints():
    """The README's frame comes from `tokseg top --once --demo --seed 1` at 80 columns; regenerate it from the
    message below when the dashboard changes."""
    match = README_FRAME.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md lacks the `<!-- top-frame: … -->` block"
    command = match.group("command").split()
    assert command[:2] == ["tokseg", "top"] and "--seed" in command
    printed = once(*(a for a in command[2:] if a != "--once"))
    assert match.group("frame") == printed, f"update README.md's frame to:\n{printed}"
    assert "ACCOUNT" in printed and "claude max" in printed and "fix:" in printed


def test_a_terminal_without_block_characters_gets_ascii_gauges_and_charts(refreshed_home):
    import time

    from tokseg.top import board, frames

    time.sleep(1.1)
    run_tokseg("refresh", "--quiet")  # a second reading: the spend between the two is the day's cost so far
    now = time.time()
    accounts = frames.frame(board.load(now), frames.Choice(selected=1, blocks=False), 80)
    trends = frames.frame(board.load(now), frames.Choice("trends", blocks=False), 80)
    text = "\n".join(line for line, _ in accounts + trends)
    assert "[" in text and "#" in text and "5h" in text, text  # the subscription's gauge, in ASCII
    assert "USD · all accounts" in text and " +" in text and "-" in text, text  # the chart's axes, in ASCII
    assert not set(text) & set("▕▏█░▁▂▃▄▅▆▇┤└│"), text
    assert [style for line, style in accounts if line.startswith("claude")] == ["sel"]  # the selected row


def test_the_demo_on_the_real_clock_leaves_nothing_behind(home, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = run_tokseg("top", "--once", "--demo", "--view", "sessions", env={"TMPDIR": str(scratch), "COLUMNS": "80"},
                      timeout=120)
    assert done.returncode == 0, done.stderr
    assert "STARTED" in done.stdout and "claude code" in done.stdout
    assert list(scratch.iterdir()) == []  # the throwaway home is gone
    assert not (home / "cache").exists()  # and the user's own home was never touched
