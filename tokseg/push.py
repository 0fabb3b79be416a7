"""Push the fresh segment to the hosts after each refresh, so they need not poll.

- segment files that prompts read with a shell builtin (no process per
  prompt) and i3status shows with `read_file`;
- `tmux set -g @tokseg …` on every tmux server of this user, for a status
  line that uses `#{@tokseg}` and so runs no process per redraw (cut to the
  server's `@tokseg-max-width` when the snippet set one);
- `polybar-msg action tokseg send …` for a `custom/ipc` module;
- a line into the named pipe that xmobar's `PipeReader` reads, when the
  pipe exists (the xmobar snippet makes it) and xmobar holds it open;
- a real-time signal to waybar / i3blocks, when configured, so a module
  with `interval: "once"` + `signal: N` re-runs its command.

Which host gets which, with what name and setting, is the host table's
`push` (`tokseg/render/hosts.py`); this module only carries them out.
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

from tokseg import defaults, dirs, locations, snapshot
from tokseg.render import hosts, render
from tokseg.render import view as views

if TYPE_CHECKING:
    from collections.abc import Callable

    from tokseg.render.hosts import Push
    from tokseg.schema import Snapshot, View

log = logging.getLogger("tokseg.refresh")

# What each host table entry's push says to do; its `via` is one of MECHANISMS.
PUSHES: tuple[Push, ...] = tuple(host["push"] for host in hosts.HOSTS.values() if host["push"])
MECHANISMS = ("prompt_file", "text_file", "tmux_option", "polybar_ipc", "named_pipe", "signal")
COMMAND_TIMEOUT_S = 3.0
NOT_DUE_RECHECK_S = 300
TMUX_WIDTH_OPTION = "@tokseg-max-width"  # set by the tmux snippet: how wide the segment may be


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
    refresh_after = next_refresh(snap, now)
    for push in PUSHES:
        setting = targets.get(push["setting"], push["default"])
        if setting:
            send(push, view, int(setting), refresh_after)


def send(push: Push, view: View, setting: int, refresh_after: int) -> None:
    """One host's push by its mechanism; `setting` is the signal number for a signal."""
    via, target = push["via"], push["target"]
    text = render(view, push["format"]) if push["format"] else ""
    if via == "prompt_file":
        lines = [one_line(text), str(refresh_after), *project_variants(view, push["format"], text)]
        write_segment_file(target, "".join(line + "\n" for line in lines))
    elif via == "text_file":
        write_segment_file(target, f"{one_line(text)}\n")
    elif via == "tmux_option":
        fmt = push["format"] or "tmux"
        set_tmux_option(target, lambda width: text if width is None else render(view, fmt, max_width=width))
    elif via == "polybar_ipc":
        if shutil.which("polybar-msg"):
            _run(["polybar-msg", "action", target, "send", text])
    elif via == "named_pipe":
        write_named_pipe(target, f"{one_line(text)}\n")
    elif via == "signal":
        _run(["pkill", f"-RTMIN+{setting}", "-U", str(os.getuid()), "-x", target])
    else:
        raise ValueError(f"push: unknown mechanism {via!r}; known: {', '.join(MECHANISMS)}")


def project_variants(view: View, fmt: str | None, base: str) -> list[str]:
    """`ROOT<tab>TEXT` for each project folder where the segment reads otherwise than `base` (its template
    shows `{NAME.project}`): a prompt hook shows the line of the deepest ROOT holding its $PWD."""
    if not fmt:
        return []
    roots: set[str] = set()
    for item in view["accounts"]:
        reading = item["reading"]
        for project in (reading.get("projects") or () if reading else ()):
            if project["root"] and not set(project["root"]) & {"\t", "\n", "\r"}:
                roots.add(project["root"])
    lines = []
    for root in sorted(roots):
        variant: View = {**view, "cwd": root}
        text = render(variant, fmt)
        if text != base:
            lines.append(f"{root}\t{one_line(text)}")
    return lines


def next_refresh(snap: Snapshot | None, now: float) -> int:
    """When a prompt should ask for a refresh if nothing else has: the earliest next_due."""
    entries = (snap["accounts"] if snap else {}).values()
    # A due no legal schedule could give (NaN, infinity, years ahead) makes the refresher fetch now.
    known = [due if defaults.legal_due(due, now, views.interval_of(entry.get("interval"))) else now
             for entry in entries if isinstance(due := entry.get("next_due"), (int, float))]
    return int(min(known) if known else now + NOT_DUE_RECHECK_S) + 1


def one_line(text: str) -> str:
    """A file's reader takes line 1 as the segment: a newline in it would cut it short."""
    return text.replace("\n", " ")


def write_segment_file(name: str, body: str) -> None:
    """A file in the cache folder that a prompt or i3status reads instead of running tokseg."""
    _write_atomic(dirs.ensure_private(dirs.cache_dir()) / name, body)


def _write_atomic(path: Path, body: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.replace(tmp, path)


def write_named_pipe(name: str, line: str) -> None:
    """One line into the FIFO `name` in the cache folder, only if it is one and something reads it.

    Opened write-only and non-blocking: with no reader the open fails at once
    (ENXIO) instead of waiting, and a reader that stopped reading makes the
    write fail (EAGAIN) instead of hanging the refresher. A line under
    PIPE_BUF bytes arrives whole.
    """
    path = dirs.cache_dir() / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except FileNotFoundError:
        return  # no xmobar set up: the normal case
    except OSError as exc:
        log.info("push: %s not read: %s", path, exc)
        return
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, line.encode("utf-8"))
        else:
            log.info("push: %s is not a named pipe; left alone", path)
    except OSError as exc:
        log.info("push: writing %s failed: %s", path, exc)
    finally:
        os.close(fd)


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


def set_tmux_option(option: str, text_at: Callable[[int | None], str]) -> None:
    """Set the user option on every tmux server of this user (none running is fine) to `text_at(width)`,
    width the server's `@tokseg-max-width` (the room the snippet made in status-right), or None."""
    if not shutil.which("tmux"):
        return
    texts: dict[int | None, str] = {}
    for socket in tmux_sockets():
        # A socket left by a dead server just fails here, quickly.
        width = tmux_width(socket)
        if width not in texts:
            texts[width] = text_at(width)
        _run(["tmux", "-S", socket, "set-option", "-g", "--", option, texts[width]])


def tmux_width(socket: str) -> int | None:
    """The server's `@tokseg-max-width`, so a pushed segment is cut as the snippet's own loop cuts it."""
    try:
        done = subprocess.run(["tmux", "-S", socket, "show-option", "-gqv", TMUX_WIDTH_OPTION],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("push: tmux failed: %s", exc)
        return None
    value = done.stdout.strip()
    return int(value) if value.isdigit() and 0 < int(value) < 1000 else None


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("push: %s failed: %s", argv[0], exc)
