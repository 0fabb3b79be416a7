"""Push the fresh segment to the hosts after each refresh, so they need not poll.

- segment files that prompts read with a shell builtin (no process per
  prompt) and i3status shows with `read_file`;
- `tmux set -g @tokseg …` on every tmux server of this user, for a status
  line that uses `#{@tokseg}` and so runs no process per redraw;
- `polybar-msg action tokseg send …` for a `custom/ipc` module;
- a real-time signal to waybar / i3blocks, when configured, so a module
  with `interval: "once"` + `signal: N` re-runs its command.

Runs inside the detached refresher, whose stdio is already /dev/null; every
command it starts gets /dev/null too and a short timeout, and a failure is
logged, never raised: a missing host is the normal case.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import dirs, locations, snapshot
from tokseg.render import render
from tokseg.render import view as views

if TYPE_CHECKING:
    from tokseg.schema import Snapshot, View

log = logging.getLogger("tokseg.refresh")

# host format -> file name in the cache folder (the snippets in integrations/ read these)
SEGMENT_FILES = {"bash": "segment.bash", "zsh": "segment.zsh", "fish": "segment.fish", "plain": "segment.txt"}
TMUX_OPTION = "@tokseg"
POLYBAR_MODULE = "tokseg"
COMMAND_TIMEOUT_S = 3.0
NOT_DUE_RECHECK_S = 300


def after_refresh(now: float | None = None) -> None:
    """Render the current snapshot for every enabled push target; never raises."""
    try:
        _push(time.time() if now is None else now)
    except Exception:  # a push must never break the refresh that wrote good data
        log.exception("push failed")


def _push(now: float) -> None:
    snap = snapshot.read(locations.snapshot_path())
    view = views.build(snap, now)
    targets = view["settings"].get("push") or {}
    if targets.get("files", True):
        write_segment_files(view, next_refresh(snap, now))
    if targets.get("tmux", True):
        set_tmux_option(render(view, "tmux"))
    if targets.get("polybar", True) and shutil.which("polybar-msg"):
        _run(["polybar-msg", "action", POLYBAR_MODULE, "send", render(view, "polybar")])
    for host in ("waybar", "i3blocks"):
        signal = int(targets.get(f"{host}_signal") or 0)
        if signal:
            _run(["pkill", f"-RTMIN+{signal}", "-U", str(os.getuid()), "-x", host])


def next_refresh(snap: Snapshot | None, now: float) -> int:
    """When a prompt should ask for a refresh if nothing else has: the earliest next_due."""
    dues = [entry.get("next_due") for entry in (snap["accounts"] if snap else {}).values()]
    known = [due for due in dues if isinstance(due, (int, float))]
    return int(min(known) if known else now + NOT_DUE_RECHECK_S) + 1


def write_segment_files(view: View, refresh_after: int) -> None:
    """One file per prompt format: line 1 the segment, line 2 the epoch second after which it is due."""
    folder = dirs.ensure_private(dirs.cache_dir())
    for fmt, name in SEGMENT_FILES.items():
        text = render(view, fmt).replace("\n", " ")
        body = text + "\n" if fmt == "plain" else f"{text}\n{refresh_after}\n"
        _write_atomic(folder / name, body)


def _write_atomic(path: Path, body: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.replace(tmp, path)


def tmux_sockets() -> list[str]:
    """This user's tmux server sockets: $TMUX_TMPDIR (or /tmp)/tmux-UID/*."""
    base = os.environ.get("TMUX_TMPDIR") or "/tmp"
    found = []
    for path in sorted(glob.glob(os.path.join(base, f"tmux-{os.getuid()}", "*"))):
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                found.append(path)
        except OSError:
            pass
    return found


def set_tmux_option(value: str) -> None:
    if not shutil.which("tmux"):
        return
    for socket in tmux_sockets():
        # A socket left by a dead server just fails here, quickly.
        _run(["tmux", "-S", socket, "set-option", "-g", "--", TMUX_OPTION, value])


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("push: %s failed: %s", argv[0], exc)
