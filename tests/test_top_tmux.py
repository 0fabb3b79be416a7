"""`tokseg top` in a real terminal (a tmux pane): it draws the accounts table, and `q` gives the shell back."""

from __future__ import annotations

import sys

import pytest

from tests.hosts import Tmux, need, poll, refreshed, tmux_env  # noqa: F401  (fixture)

pytest.importorskip("textual", reason="the `top` extra (pip install 'tokseg[top]')")

ACCOUNTS = """\
[accounts.credits]
provider = "demo"
kind = "prepaid"

[accounts.claude]
provider = "demo"
kind = "subscription"
"""


def test_top_in_a_tmux_pane_shows_the_table_and_q_restores_the_terminal(tmux_env, tmp_path, config_file):
    need("tmux", "bash")
    env, servers = tmux_env
    refreshed(config_file, ACCOUNTS)
    rc = tmp_path / "bashrc"
    rc.write_text("PS1='$ '\n", encoding="utf-8")
    server = Tmux("top", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "80", "-y", "24", f"bash --noprofile --rcfile {rc} -i")
    poll(lambda: server.pane().rstrip().endswith("$"), what="the shell prompt")

    server("send-keys", "-t", "s", f"{sys.executable} -m tokseg top", "Enter")
    screen = poll(lambda: (lambda s: s if "ACCOUNT" in s and "credits" in s else None)(server.pane()),
                  what="the accounts table in the pane")
    assert "1 Accounts" in screen and "claude" in screen and "q quit" in screen, screen
    assert server("display-message", "-p", "-t", "s", "#{alternate_on}").strip() == "1"  # a full-screen app

    server("send-keys", "-t", "s", "q")
    poll(lambda: server("display-message", "-p", "-t", "s", "#{alternate_on}").strip() == "0",
         what="the alternate screen left")
    poll(lambda: server.pane().rstrip().endswith("$"), what="the prompt back after q")
    assert "ACCOUNT" not in server.pane()  # the dashboard is gone with its screen
    server("send-keys", "-t", "s", "echo restored-$((40+2))", "Enter")  # the terminal echoes and runs input again
    poll(lambda: "restored-42" in server.pane().replace("echo restored-$((40+2))", ""), what="a working shell")
