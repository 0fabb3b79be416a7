"""The first run: a segment that says how to start, and `tokseg setup` from sources found to a snippet."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, write_lines
from tests.conftest import run_tokseg
from tests.test_discover import clear_env
from tokseg.cli.setup import detect_host


@pytest.fixture
def claude_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A home with one Claude Code session log and nothing else to find."""
    user = tmp_path / "user"
    write_lines(user / ".claude" / "projects" / "-home-dev-shop" / "s1.jsonl", [claude_row("msg_1", time.time() - 60)])
    clear_env(monkeypatch)
    monkeypatch.delenv("TMUX", raising=False)
    return {"HOME": str(user), "PATH": "/usr/bin:/bin", "SHELL": "/bin/zsh", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def test_no_accounts_says_how_to_start(home, tmp_path):
    assert run_tokseg("refresh", "--quiet").returncode == 0  # no config yet: nothing to fetch
    assert run_tokseg().stdout.strip() == "tok: tokseg setup"
    assert json.loads(run_tokseg("--json").stdout)["text"] == "tok: tokseg setup"
    for command in (("show",), ("refresh",), ("list",)):
        assert "run `tokseg setup`" in run_tokseg(*command).stdout, command
    doctor = run_tokseg("doctor").stdout
    assert "no accounts yet: `tokseg setup`" in doctor and "all good" not in doctor


def test_setup_yes_adds_what_it_finds_refreshes_and_prints_the_tmux_snippet(home, claude_user):
    done = run_tokseg("setup", "--yes", env={**claude_user, "TMUX": "/tmp/tmux-0/default,1,0"}, input="")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "Added claude-logs" in done.stdout and "1 ok" in done.stdout
    assert "For tmux" in done.stdout and "~/.tmux.conf" in done.stdout
    assert "run-shell -b" in done.stdout and "status-right" in done.stdout  # the tmux snippet itself
    shown = run_tokseg(env=claude_user).stdout.strip()
    assert shown.startswith("claude-logs $") and "tokseg setup" not in shown, shown  # the first refresh's figure
    assert "claude_logs" in (Path(home) / "config" / "config.toml").read_text()


def test_setup_for_starship_prints_the_shell_hook_too(home, claude_user):
    """starship shows what the shell's hook exports, so setup hands out both halves."""
    done = run_tokseg("setup", "--yes", "--host", "starship", env={**claude_user, "SHELL": "/usr/bin/fish"}, input="")
    assert done.returncode == 0, done.stderr
    starship_part, _, shell_part = done.stdout.partition("and, for the hook that hands starship the segment, to ")
    assert "[env_var.TOKSEG_STARSHIP]" in starship_part and "~/.config/starship.toml" in starship_part
    assert shell_part.startswith("~/.config/fish/") and "_tokseg_starship --on-event fish_prompt" in shell_part


def test_setup_asks_and_no_answer_is_no(home, claude_user):
    done = run_tokseg("setup", env=claude_user, input="")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "Nothing added" in done.stdout and "No accounts yet" in done.stdout
    assert not (Path(home) / "config" / "config.toml").exists()


def test_setup_interactive_yes_and_the_shell_snippet(home, claude_user):
    done = run_tokseg("setup", env=claude_user, input="y\n\n")  # yes to the log source, no key provider
    assert "Added claude-logs" in done.stdout, done.stdout
    assert "For zsh" in done.stdout and "add-zsh-hook precmd" in done.stdout


def test_setup_with_nothing_found_points_at_add_and_demo(home, tmp_path, monkeypatch):
    clear_env(monkeypatch)
    env = {"HOME": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin"}
    done = run_tokseg("setup", "--yes", env=env)
    assert done.returncode == 0
    assert "No usage sources found" in done.stdout and "`tokseg add PROVIDER`" in done.stdout
    assert "`tokseg demo`" in done.stdout


def test_host_detection_order(tmp_path, monkeypatch):
    from tokseg.cli import setup

    monkeypatch.setattr(setup, "_tmux_running", lambda: False)  # whatever servers this machine runs
    xdg = tmp_path / "xdg"
    assert detect_host({"TMUX": "x", "SHELL": "/bin/fish"}) == "tmux"
    assert detect_host({"SHELL": "/usr/bin/fish", "XDG_CONFIG_HOME": str(xdg)}) == "fish"
    assert detect_host({"SHELL": "/bin/sh", "XDG_CONFIG_HOME": str(xdg)}) == "bash"
    (xdg / "starship.toml").parent.mkdir(parents=True)
    (xdg / "starship.toml").write_text("")
    assert detect_host({"SHELL": "/bin/zsh", "XDG_CONFIG_HOME": str(xdg)}) == "starship"
    (xdg / "waybar").mkdir()
    (xdg / "waybar" / "config").write_text("{}")
    assert detect_host({"SHELL": "/bin/zsh", "XDG_CONFIG_HOME": str(xdg)}) == "waybar"
