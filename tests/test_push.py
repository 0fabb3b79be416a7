"""The refresher pushes to hosts after each run: segment files, tmux user option, a named pipe, signals."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from pathlib import Path

from tests.conftest import run_tokseg, write_config
from tests.hosts import DEMO_ACCOUNTS, Tmux, host_env, need, poll, refreshed


def test_segment_files_match_the_hot_path(config_file, home):
    # A reset countdown may tick to the next minute between the push and the call; it cannot twice
    # within a few seconds, so one fresh push settles it.
    refreshed(config_file)
    if not pushed_files_match(home / "cache"):
        refreshed(config_file)
        assert pushed_files_match(home / "cache")


def pushed_files_match(cache) -> bool:
    for fmt, name in (("bash", "segment.bash"), ("zsh", "segment.zsh"), ("fish", "segment.fish")):
        path = cache / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        segment, due = path.read_text(encoding="utf-8").split("\n")[:2]
        assert int(due) > time.time()
        if segment != run_tokseg("--format", fmt).stdout.rstrip("\n"):
            return False
    return (cache / "segment.txt").read_text(encoding="utf-8") == run_tokseg().stdout


def test_push_targets_can_be_turned_off(config_file, home, tmp_path):
    need("tmux")
    (tmp_path / "tmux").mkdir(exist_ok=True)
    server = Tmux("off", host_env())
    server("new-session", "-d", "-s", "s")
    try:
        refreshed(config_file, "[settings.push]\nfiles = false\ntmux = false\n\n" + DEMO_ACCOUNTS)
        assert not list((home / "cache").glob("segment.*"))
        assert server("show-option", "-gqv", "@tokseg") == ""
    finally:
        server.kill()


def test_tmux_option_set_on_every_server_and_dead_sockets_are_harmless(config_file, tmp_path):
    need("tmux")
    sockets = tmp_path / "tmux" / f"tmux-{os.getuid()}"
    sockets.mkdir(parents=True, mode=0o700)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(sockets / "aaa-dead"))  # a socket file with no server behind it, sorted first
    dead.close()
    servers = [Tmux(name, host_env()) for name in ("one", "two")]
    try:
        for server in servers:
            server("new-session", "-d", "-s", "s")
        refreshed(config_file)
        for server in servers:
            assert server("show-option", "-gv", "@tokseg").startswith("#[fg=colour58]50% ##1 ")
    finally:
        for server in servers:
            server.kill()


def test_waybar_signal_reaches_waybar(config_file, tmp_path):
    """A process named waybar (a script that counts SIGRTMIN+9) gets the configured signal after a refresh."""
    need("pkill", "bash")
    got = tmp_path / "signals"
    script = tmp_path / "waybar"
    script.write_text(f"#!/bin/bash\ntrap 'echo got >> {got}' RTMIN+9\necho ready > {got}.ready\n"
                      "while :; do sleep 0.1; done\n", encoding="utf-8")
    script.chmod(0o755)
    proc = subprocess.Popen([str(script)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        poll((tmp_path / "signals.ready").exists, what="fake waybar ready")
        refreshed(config_file, "[settings.push]\nwaybar_signal = 9\n\n" + DEMO_ACCOUNTS)
        poll(lambda: got.exists() and got.read_text().count("got") == 1, timeout=15, what="signal received")
        write_config(config_file, DEMO_ACCOUNTS)  # signal off again
        assert run_tokseg("refresh", "--quiet").returncode == 0
        time.sleep(0.5)
        assert got.read_text().count("got") == 1
    finally:
        proc.kill()
        proc.wait()


def xmobar_pipe(home) -> Path:
    cache = home / "cache"
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(cache / "xmobar.pipe", 0o600)
    return cache / "xmobar.pipe"


def test_named_pipe_gets_the_xmobar_segment_as_one_line(config_file, home):
    """A reader holding the FIFO open, as xmobar's PipeReader does, gets each refresh's segment."""
    reader = os.open(xmobar_pipe(home), os.O_RDONLY | os.O_NONBLOCK)
    try:
        refreshed(config_file)
        first, shown = os.read(reader, 65536).decode("utf-8"), run_tokseg("--format", "xmobar").stdout
        refreshed(config_file, DEMO_ACCOUNTS.replace('label = "50% #1"', 'label = "<fc=#ff0000>x</fc>"'))
        second = os.read(reader, 65536).decode("utf-8")
    finally:
        os.close(reader)
    assert first == shown and first.count("\n") == 1
    assert first.startswith("<fc=#e5c07b>50% #1 ") and "<fc=#e06c75>cl&<raw=1:</>b> 5h " in first
    assert second.startswith("<fc=#e5c07b><raw=1:</>fc=#ff0000>x<raw=1:</>/fc> ")


def test_named_pipe_without_reader_or_not_a_pipe_is_left_alone(config_file, home):
    pipe = xmobar_pipe(home)
    started = time.monotonic()
    refreshed(config_file)  # nobody reads the FIFO: the open fails at once, the refresh still succeeds
    assert time.monotonic() - started < 20
    pipe.unlink()
    pipe.write_text("mine\n", encoding="utf-8")
    refreshed(config_file)
    assert pipe.read_text(encoding="utf-8") == "mine\n"


def test_named_pipe_push_can_be_turned_off(config_file, home):
    reader = os.open(xmobar_pipe(home), os.O_RDONLY | os.O_NONBLOCK)
    try:
        refreshed(config_file, "[settings.push]\nxmobar = false\n\n" + DEMO_ACCOUNTS)
        try:
            got = os.read(reader, 65536)
        except BlockingIOError:
            got = b""
    finally:
        os.close(reader)
    assert got == b""
