"""Interactive bash, zsh and fish in tmux, each with its `tokseg init` snippet: the zero-fork prompt.

The refresher writes the segment files; the prompts read them with a
builtin. Asserted on the pane as the terminal shows it (capture-pane -e):
colours by state, and `%` / `#` in a label and a currency shown literally.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_tokseg
from tests.hosts import SGR, Tmux, need, poll, refreshed, tmux_env  # noqa: F401  (fixture)

YELLOW, RED = "\x1b[38;5;136m", "\x1b[38;5;160m"  # the prompts' built-in warn and crit (136, 160)
VISIBLE = "50% #1 "


def shell_command(shell: str, tmp_path: Path, snippet: str, env: dict) -> str:
    """The command line that starts `shell` interactively with only the snippet as its config."""
    if shell == "bash":
        rc = tmp_path / "bashrc"
        rc.write_text("PS1='$ '\n" + snippet, encoding="utf-8")
        return f"bash --noprofile --rcfile {rc} -i"
    if shell == "zsh":
        zdot = tmp_path / "zdot"
        zdot.mkdir()
        (zdot / ".zshrc").write_text("PROMPT='%# '\n" + snippet, encoding="utf-8")
        env["ZDOTDIR"] = str(zdot)
        return "zsh -i"
    config = tmp_path / "xdg-fish"
    (config / "fish" / "conf.d").mkdir(parents=True)
    (config / "fish" / "config.fish").write_text('set -g fish_greeting ""\nfunction fish_prompt; echo -n "> "; end\n',
                                                 encoding="utf-8")
    (config / "fish" / "conf.d" / "tokseg.fish").write_text(snippet, encoding="utf-8")
    env["XDG_CONFIG_HOME"] = str(config)
    return "fish -i"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_prompt_shows_segment_from_file(shell, tmux_env, tmp_path, config_file):
    need("tmux", shell)
    env, servers = tmux_env
    refreshed(config_file)
    snippet = run_tokseg("init", shell).stdout
    server = Tmux(f"prompt-{shell}", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "160", "-y", "10", shell_command(shell, tmp_path, snippet, env))

    screen = poll(lambda: server.screen_with(VISIBLE), what=f"{shell} prompt with the segment")
    line = next(row for row in screen.splitlines() if VISIBLE in SGR.sub("", row))
    text = SGR.sub("", line)
    assert "50% #1 " in text and "%#" in text and "cl&<b> 5h" in text, text  # literal % and #
    assert "%%" not in text and "##" not in text and "\x01" not in line and "\x02" not in line
    assert YELLOW + "50% #1" in line, repr(line)  # warn colour on the prompt
    assert RED + "cl&<b>" in line, repr(line)  # crit colour

    # A refresh changes what the next prompt shows, still without running tokseg from the prompt.
    refreshed(config_file, _relabel(config_file))
    server("send-keys", "-t", "s", "true", "Enter")
    poll(lambda: "relabelled" in SGR.sub("", server.pane()), what=f"{shell} prompt after refresh")


def _relabel(config_file: Path) -> str:
    return config_file.read_text(encoding="utf-8").replace('label = "50% #1"', 'label = "relabelled"')


def test_bash_counts_prompt_width_without_colour_bytes(tmux_env, tmp_path, config_file):
    """readline must not count the colour escapes: Ctrl-A puts the cursor right after the visible prompt."""
    need("tmux", "bash")
    env, servers = tmux_env
    refreshed(config_file)
    server = Tmux("prompt-width", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "160", "-y", "10",
           shell_command("bash", tmp_path, run_tokseg("init", "bash").stdout, env))
    poll(lambda: VISIBLE in server.pane(), what="bash prompt")
    server("send-keys", "-t", "s", "echo typed-text", "C-a")
    poll(lambda: "typed-text" in server.pane(), what="typed text")
    prompt_line = next(row for row in server.pane().splitlines() if "typed-text" in row)
    prompt_width = len(prompt_line.split("echo typed-text")[0])

    def cursor_at_start() -> bool:
        return int(server("display-message", "-p", "-t", "s", "#{cursor_x}").strip()) == prompt_width

    poll(cursor_at_start, timeout=10, what=f"cursor at column {prompt_width}")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_syntax_in_data_is_never_run_or_expanded(shell, tmux_env, tmp_path, config_file):
    """A label with command substitutions, backquotes, prompt escapes and a variable: the prompt shows it
    as typed, and no command in it runs."""
    need("tmux", shell)
    env, servers = tmux_env
    ran = tmp_path / "ran"
    label = f"$(touch {ran}1)`touch {ran}2`$HOME%n\\\\u(touch {ran}3)"  # TOML: \\u is a literal backslash-u
    refreshed(config_file, f'[accounts.x]\nprovider = "demo"\nlabel = "{label}"\n')
    shown = label.replace("\\\\", "\\")
    server = Tmux(f"prompt-syntax-{shell}", env)
    servers.append(server)
    server("new-session", "-d", "-s", "s", "-x", "500", "-y", "10",  # zsh hides a right prompt that does not fit
           shell_command(shell, tmp_path, run_tokseg("init", shell).stdout, env))
    screen = poll(lambda: server.screen_with("`touch"), what=f"{shell} prompt with the label")
    line = next(SGR.sub("", row) for row in screen.splitlines() if "`touch" in row)
    assert shown in line, (shown, line)
    server("send-keys", "-t", "s", "true", "Enter")  # a second prompt: still nothing runs
    poll(lambda: SGR.sub("", server.pane()).count("`touch") >= 2, what=f"{shell} second prompt")
    assert not any(tmp_path.glob("ran*")), list(tmp_path.glob("ran*"))
