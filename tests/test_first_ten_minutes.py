"""A new user, following only the README: install with pipx, `tokseg setup --yes`, the printed snippet in tmux.

Everything runs as that user would: a clean HOME (no TOKSEG_HOME, no XDG variables, no keyring choice
of the tests), `tokseg` found only where pipx put it, a real tmux server on its own socket reading
the snippet from `~/.tmux.conf`, and the status row read back with capture-pane. Each account must
be on screen in a colour readable on tmux's default green bar.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.agent_logs import claude_row, codex_meta, codex_tokens, codex_turn, write_lines
from tests.colours import MINIMUM, XTERM, cells, contrast
from tests.conftest import ROOT
from tests.hosts import SGR, Tmux, attach_client, need, poll, status_row

DROP = ("TOKSEG_", "XDG_", "PYTHON_KEYRING_BACKEND", "TMUX", "VIRTUAL_ENV", "PIPX_")


def user_env(tmp_path: Path) -> dict[str, str]:
    """A fresh user's environment: their own HOME and PATH, the machine's locale and package settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP)}
    home = tmp_path / "newuser"
    home.mkdir()
    env.update(HOME=str(home), PATH=f"{home / '.local' / 'bin'}:/usr/local/bin:/usr/bin:/bin", LANG="C.UTF-8",
               TERM="screen-256color", TMUX_TMPDIR=str(tmp_path / "tmux"))
    (tmp_path / "tmux").mkdir()
    return env


def test_readme_install_setup_and_snippet_show_every_account_readably_in_tmux(tmp_path):
    need("tmux", "pipx")
    env = user_env(tmp_path)
    home = Path(env["HOME"])
    now = time.time()
    write_lines(home / ".claude" / "projects" / "-home-dev-shop" / "s1.jsonl", [claude_row("msg_1", now - 120)])
    rollout = home / ".codex" / "sessions" / "2026" / "12" / "03" / "rollout-2026-12-03T08-00-00-a1.jsonl"
    write_lines(rollout, [codex_meta(now - 300), codex_turn(now - 290), codex_tokens(now - 280, (1200, 300, 200, 0))])

    installed = subprocess.run([shutil.which("pipx") or "pipx", "install", str(ROOT)], env=env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert (home / ".local" / "bin" / "tokseg").is_file()

    inner = Tmux("newuser", env, home / ".tmux.conf")
    outer = Tmux("newuser-out", env)
    try:
        (home / ".tmux.conf").write_text("")  # a user with no tmux config yet
        inner("new-session", "-d", "-s", "s", "-x", "150", "-y", "8")
        socket = inner("display-message", "-p", "#{socket_path},#{pid},0").strip()
        setup = subprocess.run(["tokseg", "setup", "--yes"], env={**env, "TMUX": socket}, capture_output=True,
                               text=True, timeout=120)
        assert setup.returncode == 0 and "Traceback" not in setup.stderr, setup.stderr
        assert setup.stderr == ""  # tokseg is on the PATH: no full-path warning
        head, _, snippet = setup.stdout.partition("add to ~/.tmux.conf:\n\n")
        assert "For tmux" in head and snippet, setup.stdout
        with open(home / ".tmux.conf", "a", encoding="utf-8") as conf:
            conf.write(snippet)
        inner("source-file", str(home / ".tmux.conf"))
        attach_client(inner, outer)
        labels = ("claude-logs", "codex-logs")
        row = poll(lambda: (r := status_row(inner, outer)) and all(x in SGR.sub("", r) for x in labels) and r,
                   what="every account in the status row")
        drawn = cells(row)
        text = "".join(ch for ch, _, _ in drawn)
        for label in labels:
            at = text.index(label)
            for _, fg, bg in drawn[at:at + len(label)]:
                fg_rgb = XTERM[0 if fg is None else fg]  # tmux's default status-style draws black on green
                bg_rgb = XTERM[2 if bg is None else bg]
                assert contrast(fg_rgb, bg_rgb) >= MINIMUM, (label, fg, bg, row)
    finally:
        inner.kill()
        outer.kill()
