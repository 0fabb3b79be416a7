"""A snippet calls a tokseg its host can find: plain `tokseg` on the PATH, else this install's full path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hosts import DEMO_ACCOUNTS, Tmux, attach_client, need, poll, status_row, tmux_env  # noqa: F401
from tokseg import command_path
from tokseg.cli import init

SCRIPT = Path(sys.executable).parent / "tokseg"  # the console script of the install under test
BARE_PATH = "/usr/bin:/bin"


def run_script(*args: str, path: str, **env: str) -> subprocess.CompletedProcess:
    """The installed `tokseg` script itself, with only `path` as PATH (as a bar started elsewhere sees it)."""
    return subprocess.run([str(SCRIPT), *args], env={**os.environ, "PATH": path, **env},
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("host", sorted(init.HOSTS))
def test_only_the_command_uses_are_rewritten(host):
    plain = init.snippet(host)
    full = init.snippet(host, "/opt/x/bin/tokseg")
    assert full.replace("/opt/x/bin/tokseg", "tokseg") == plain
    if host != "i3status":  # i3status reads a file the refresher writes; it runs nothing
        assert "/opt/x/bin/tokseg" in full, host
    prose = [line for line in full.splitlines()
             if command_path.COMMENT.match(line) and not command_path.COMMENTED_SETTING.match(line)]
    assert not any("/opt/x/bin" in line for line in prose)


def test_a_commented_out_fallback_is_rewritten_for_when_it_is_uncommented():
    full = init.snippet("starship", "/opt/x/bin/tokseg")
    assert '# command = "/opt/x/bin/tokseg --format starship"' in full
    assert "`tokseg init bash`" in full  # prose naming a command stays as it is


def test_block_names_aliases_and_variables_stay():
    assert "[tokseg]" in init.snippet("i3blocks", "/opt/x/bin/tokseg")
    xmobar = init.snippet("xmobar", "/opt/x/bin/tokseg")
    assert "%tokseg%" in xmobar and '"tokseg"' in xmobar
    assert "#{@tokseg}" in init.snippet("tmux", "/opt/x/bin/tokseg")


def test_init_off_the_path_writes_the_full_path_and_says_so(home):
    done = run_script("init", "bash", path=BARE_PATH)
    assert done.returncode == 0
    assert f"({SCRIPT} >/dev/null 2>&1 &)" in done.stdout
    assert done.stderr.startswith("tokseg: warning: `tokseg` is not on your PATH, so the snippet calls ")
    assert "pipx install ." in done.stderr and len(done.stderr.strip().splitlines()) == 1
    on_path = run_script("init", "bash", path=f"{SCRIPT.parent}:{BARE_PATH}")
    assert on_path.stderr == "" and "(tokseg >/dev/null 2>&1 &)" in on_path.stdout


def test_tmux_off_the_path_shows_the_segment(tmux_env, tmp_path, config_file, home):
    """The real check: a tmux server whose PATH has no tokseg runs the written snippet and shows the figures."""
    need("tmux")
    config_file.write_text(DEMO_ACCOUNTS)
    snippet = run_script("init", "tmux", path=BARE_PATH).stdout
    assert str(SCRIPT) in snippet
    host_env, servers = tmux_env
    env = {**host_env, "PATH": BARE_PATH}
    conf = tmp_path / "inner.conf"
    conf.write_text("set -g status-left ''\nset -g status-interval 1\n" + snippet)
    inner, outer = Tmux("offpath", env, conf), Tmux("offpath-out", env)
    servers.extend([inner, outer])
    inner("new-session", "-d", "-s", "s", "-x", "150", "-y", "8")
    attach_client(inner, outer)
    poll(lambda: "50% #1" in status_row(inner, outer), what="segment in the status row")


def test_doctor_names_a_host_config_that_calls_a_tokseg_off_the_path(home, tmp_path):
    tmux_conf = Path(os.path.expanduser("~")) / ".tmux.conf"
    tmux_conf.parent.mkdir(parents=True, exist_ok=True)
    tmux_conf.write_text("set -g status-right '#(tokseg --format tmux)'\n")
    done = run_script("doctor", path=BARE_PATH)
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "not on the PATH" in line)
    assert line.startswith("FIX ") and str(tmux_conf) in line and "pipx install ." in line, line
    report = json.loads(run_script("doctor", "--json", path=BARE_PATH).stdout)
    assert report["command"]["broken"] == [str(tmux_conf)] and report["command"]["on_path"] is None
    tmux_conf.write_text(f"set -g status-right '#({SCRIPT} --format tmux)'\n")
    fixed = run_script("doctor", path=BARE_PATH).stdout
    assert not any(line.startswith("FIX ") and "PATH" in line for line in fixed.splitlines()), fixed
    assert json.loads(run_script("doctor", "--json", path=f"{SCRIPT.parent}:{BARE_PATH}").stdout)["command"]["ok"]
