"""Real starship in real bash, zsh and fish (in tmux): the env_var path runs no tokseg per prompt.

Each shell loads tokseg's snippet and then starship's own init, as the
starship README says. A `tokseg` first on the PATH logs every run before
handing over to the real one; the env_var prompts must leave that log
empty, while the custom-module fallback fills it (so the spy is seen to
work in the same test).
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import run_tokseg
from tests.hosts import BIN, SGR, Tmux, need, poll, refreshed, starship_binary, starship_fallback, tmux_env  # noqa: F401

LABEL = "50% #1"  # a `%` zsh would eat and a `#` tmux would: starship must escape them itself
PROMPTS = 4


def spy_on_tokseg(tmp_path: Path, run: bool = True) -> tuple[Path, Path]:
    """A folder whose `tokseg` appends a line to a log, then (if `run`) runs the venv's tokseg; folder and log."""
    folder, log = tmp_path / "spy", tmp_path / "tokseg-runs.log"
    folder.mkdir()
    script = folder / "tokseg"
    then = f'exec {BIN}/tokseg "$@"' if run else "exit 0"
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\n{then}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log.write_text("")
    return folder, log


def shell_rc(shell: str, tmp_path: Path, env: dict[str, str], snippet: str, starship: str) -> str:
    """The command that starts `shell` with tokseg's snippet, then starship's init."""
    if shell == "bash":
        rc = tmp_path / "bashrc"
        rc.write_text(f"PS1='$ '\n{snippet}\neval \"$({starship} init bash)\"\n", encoding="utf-8")
        return f"bash --noprofile --rcfile {rc} -i"
    if shell == "zsh":
        zdot = tmp_path / "zdot"
        zdot.mkdir()
        (zdot / ".zshrc").write_text(f"PROMPT='%# '\n{snippet}\neval \"$({starship} init zsh)\"\n", encoding="utf-8")
        env["ZDOTDIR"] = str(zdot)
        return "zsh -i"
    config = tmp_path / "xdg-fish"
    (config / "fish" / "conf.d").mkdir(parents=True)
    (config / "fish" / "conf.d" / "tokseg.fish").write_text(snippet, encoding="utf-8")
    (config / "fish" / "config.fish").write_text(f'set -g fish_greeting ""\n{starship} init fish | source\n',
                                                 encoding="utf-8")
    env["XDG_CONFIG_HOME"] = str(config)
    return "fish -i"


def prompt_lines(server: Tmux) -> list[str]:
    return [line for line in SGR.sub("", server.pane()).splitlines() if line.startswith("» ")]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_starship_env_var_shows_the_segment_with_no_tokseg_per_prompt(shell, tmux_env, tmp_path, config_file):
    need("tmux", shell)
    starship = starship_binary()
    env, servers = tmux_env
    spy, log = spy_on_tokseg(tmp_path)
    env["PATH"] = f"{spy}:{env['PATH']}"
    refreshed(config_file)  # writes segment.starship; nothing is due for minutes, so no hook asks for a refresh
    snippet = run_tokseg("init", shell, env={"PATH": env["PATH"]}).stdout
    starship_toml = tmp_path / "starship.toml"
    init = run_tokseg("init", "starship", env={"PATH": env["PATH"]}).stdout
    starship_toml.write_text('format = "» ${env_var.TOKSEG_STARSHIP}> "\n' + init, encoding="utf-8")
    env.update(STARSHIP_CONFIG=str(starship_toml), STARSHIP_CACHE=str(tmp_path / "starship-cache"))
    env.pop("STARSHIP_SHELL", None)
    server = Tmux(f"starship-{shell}", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "200", "-y", "30", shell_rc(shell, tmp_path, env, snippet, starship))

    poll(lambda: any(LABEL in line for line in prompt_lines(server)), what=f"{shell}: starship shows the segment")
    for _ in range(PROMPTS):
        server("send-keys", "-t", "s", "true", "Enter")
    lines = poll(lambda: (found := prompt_lines(server)) and len(found) > PROMPTS and found,
                 what=f"{shell}: {PROMPTS} more prompts")
    assert all(line.count(LABEL) == 1 and "cl&<b> 5h" in line for line in lines), lines  # once: not also in PS1
    assert "%%" not in lines[-1] and "$(" not in lines[-1]
    assert log.read_text() == "", f"tokseg ran from the prompt: {log.read_text()!r}"

    # A refresh changes the next prompt, still without a tokseg from the prompt.
    refreshed(config_file, config_file.read_text(encoding="utf-8").replace(LABEL, "relabelled"))
    server("send-keys", "-t", "s", "true", "Enter")
    poll(lambda: "relabelled" in "".join(prompt_lines(server)), what=f"{shell}: the refreshed segment")
    assert log.read_text() == ""

    # The custom-module fallback runs tokseg on every prompt: the spy sees it.
    starship_toml.write_text('format = "» ${custom.tokseg}> "\n' + starship_fallback(init), encoding="utf-8")
    for _ in range(2):
        server("send-keys", "-t", "s", "true", "Enter")
    poll(lambda: log.read_text().count("--format starship") >= 2, what=f"{shell}: the fallback's tokseg runs")


def test_without_starship_the_hook_exports_nothing_and_keeps_the_exit_status(tmp_path, config_file):
    """A plain bash prompt keeps the segment in its own PS1, never sets TOKSEG_STARSHIP, and hands the
    command's exit status on to the next PROMPT_COMMAND part (a theme's, starship's)."""
    need("bash")
    refreshed(config_file)
    rc = tmp_path / "rc"
    rc.write_text(run_tokseg("init", "bash").stdout, encoding="utf-8")
    script = f"source {rc}; (exit 3); _tokseg_prompt; echo \"$? [${{TOKSEG_STARSHIP-unset}}] [$TOKSEG]\""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STARSHIP")}
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, capture_output=True, text=True,
                         timeout=30).stdout
    assert out.startswith("3 [unset] [") and LABEL in out, out


HOOKS = {"bash": ["bash", "--norc", "--noprofile", "-c", "source {rc}; {hook}; {hook}"],
         "zsh": ["zsh", "-f", "-c", "source {rc}; {hook}; {hook}"],
         "fish": ["fish", "--no-config", "-c", "source {rc}; {hook}; {hook}"]}
HOOK = {"bash": "_tokseg_prompt", "zsh": "_tokseg_precmd", "fish": "_tokseg_segment >/dev/null"}


@pytest.mark.parametrize("under_starship", [False, True])
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("due", ["past", "future"])
def test_the_hook_starts_tokseg_once_when_the_file_is_due_and_never_before(shell, under_starship, due, tmp_path,
                                                                          home):
    """Two prompts read a file whose due second is past: one background tokseg; a future one: none."""
    need(shell)
    spy, log = spy_on_tokseg(tmp_path, run=False)
    cache = home / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    name = "segment.starship" if under_starship else f"segment.{shell}"
    (cache / name).write_text(f"seg\n{0 if due == 'past' else 4_000_000_000}\n", encoding="utf-8")
    rc = tmp_path / "rc"
    rc.write_text(run_tokseg("init", shell, env={"PATH": f"{spy}:{os.environ['PATH']}"}).stdout, encoding="utf-8")
    hook = "_tokseg_starship" if under_starship and shell == "fish" else HOOK[shell]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STARSHIP")}
    env.update(PATH=f"{spy}:{os.environ['PATH']}", TOKSEG_HOME=str(home), **({"STARSHIP_SHELL": shell}
                                                                          if under_starship else {}))
    argv = [part.format(rc=rc, hook=hook) for part in HOOKS[shell]]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    if due == "past":
        poll(lambda: log.read_text().count("\n") >= 1, what=f"{shell}: the background tokseg")
    time.sleep(0.5)  # a second, wrong start would have logged by now
    assert log.read_text().count("\n") == (1 if due == "past" else 0), log.read_text()
