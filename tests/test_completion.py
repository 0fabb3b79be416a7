"""Shell completion: click's scripts, account names from the config, and a real bash completing on <Tab>."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import run_tokseg, write_config
from tests.hosts import Tmux, host_env, need, poll, tmux_env  # noqa: F401  (fixture)
from tokseg import providers

ACCOUNTS = '[accounts.work]\nprovider = "demo"\n[accounts.home-box]\nprovider = "demo"\n'


def complete_in_bash(words: list[str], cword: int) -> list[str]:
    """What the printed bash script offers for COMP_WORDS/COMP_CWORD, run by a real bash."""
    script = ('eval "$(tokseg completion bash)"; COMP_WORDS=(' + " ".join(f"'{w}'" for w in words) + f"); "
              f'COMP_CWORD={cword}; _tokseg_completion tokseg; printf "%s\\n" "${{COMPREPLY[@]}}"')
    done = subprocess.run(["bash", "-c", script], env=host_env(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_commands_accounts_providers_and_hosts_complete(config_file):
    need("bash")
    write_config(config_file, ACCOUNTS)
    assert complete_in_bash(["tokseg", "re"], 1) == ["refresh", "remove", "rename"]
    assert complete_in_bash(["tokseg", "refresh", ""], 2) == ["work", "home-box"]
    assert complete_in_bash(["tokseg", "history", "h"], 2) == ["home-box"]
    assert complete_in_bash(["tokseg", "--account", "w"], 2) == ["work"]
    assert complete_in_bash(["tokseg", "add", "open"], 2) == sorted(p for p in providers.PROVIDERS if p.startswith("open"))
    assert complete_in_bash(["tokseg", "init", "t"], 2) == ["tmux"]


def test_a_broken_config_completes_no_account_and_prints_nothing_else(config_file):
    need("bash")
    config_file.write_text("[accounts.x\n")
    assert complete_in_bash(["tokseg", "refresh", ""], 2) == []


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o nosort -F _tokseg_completion tokseg"),
                                               ("zsh", "#compdef tokseg"), ("fish", "_TOKSEG_COMPLETE=fish_complete")])
def test_each_shell_gets_its_script(shell, marker):
    done = run_tokseg("completion", shell)
    assert done.returncode == 0 and marker in done.stdout
    assert run_tokseg("completion", "csh").returncode == 2


def test_tab_in_an_interactive_bash(tmux_env, tmp_path, config_file):
    """The user's view: `tokseg ref<Tab>` becomes `tokseg refresh `, and <Tab><Tab> lists the accounts."""
    need("tmux", "bash")
    env, servers = tmux_env
    write_config(config_file, ACCOUNTS)
    rc = tmp_path / "bashrc"
    rc.write_text("PS1='$ '\n" + run_tokseg("completion", "bash").stdout)
    server = Tmux("completion", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "120", "-y", "10", f"bash --noprofile --rcfile {rc} -i")
    poll(lambda: "$" in server.pane(), what="bash prompt")
    server("send-keys", "-t", "s", "tokseg ref", "Tab")
    poll(lambda: "tokseg refresh" in server.pane(), what="command completed")
    server("send-keys", "-t", "s", "Tab", "Tab")
    poll(lambda: "home-box" in server.pane() and "work" in server.pane(), what="account names listed")
