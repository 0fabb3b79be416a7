"""Interactive commands end a file-system or database failure with one line naming the path and the fix.

Tests run as root, so an unwritable folder is an immutable one (`chattr +i`)
and a full disk is a tiny tmpfs; each skips where the machine cannot do it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.test_json_schema import TOP

DEMO = '[accounts.credits]\nprovider = "demo"\n'


def one_line(done: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one line on stderr and no traceback."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr.strip()


def test_a_file_as_tokseg_home_is_named_with_its_fix(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {"TOKSEG_HOME": str(blocker)}
    for command in (("refresh",), ("doctor",)):
        line = one_line(run_tokseg(*command, env=env))
        assert line.startswith(f"tokseg: {blocker} is a file where tokseg needs a folder"), line
        assert "set TOKSEG_HOME to a folder" in line


def test_json_segment_is_a_json_document_even_when_nothing_works(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    done = run_tokseg("--json", env={"TOKSEG_HOME": str(blocker)})
    assert done.returncode == 0 and "Traceback" not in done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == TOP | {"error"}
    assert (doc["schema"], doc["state"], doc["text"], doc["accounts"]) == (1, "error", "tok ?", [])
    assert str(blocker) in doc["error"] and set(doc["totals"]) == {"balance", "spent_today", "spent_month"}
    for fmt, key in (("waybar", "text"), ("i3bar", "full_text")):
        shown = run_tokseg("--format", fmt, env={"TOKSEG_HOME": str(blocker)})
        assert shown.returncode == 0 and json.loads(shown.stdout)[key] == "tok ?"
    plain = run_tokseg(env={"TOKSEG_HOME": str(blocker)})
    assert (plain.returncode, plain.stdout) == (0, "tok ?\n")


@pytest.fixture
def immutable(home: Path):
    """Make a folder unwritable even for root; undone before tmp_path is cleaned up."""
    made: list[Path] = []

    def freeze(folder: Path) -> None:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("this file system has no immutable attribute")
        made.append(folder)

    yield freeze
    for folder in made:
        subprocess.run(["chattr", "-i", str(folder)], check=False)


def test_a_cache_folder_that_cannot_be_written(config_file, home, immutable):
    write_config(config_file, DEMO)
    cache = home / "cache"
    cache.mkdir(mode=0o700)
    immutable(cache)
    line = one_line(run_tokseg("refresh"))
    assert str(cache) in line and "not permitted" in line and "writable" in line, line


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 64 KiB tmpfs, unmounted afterwards; skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    """Write until the disk says it is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_full_disk_names_the_file_and_the_fix(tiny_disk):
    env = {"TOKSEG_HOME": str(tiny_disk / "home"), "TOKSEG_CONFIG": str(tiny_disk / "config.toml")}
    write_config(tiny_disk / "config.toml", DEMO)
    assert run_tokseg("refresh", "-q", env=env).returncode == 0
    fill(tiny_disk)
    refreshed = one_line(run_tokseg("refresh", "-q", env=env))
    assert "no space left on the device; free some space" in refreshed, refreshed
    assert str(tiny_disk / "home" / "cache" / "snapshot.json") in refreshed
    for command in ("history", "export"):
        shown = one_line(run_tokseg(command, env=env))
        assert str(tiny_disk / "home" / "state" / "history.sqlite3") in shown and "the disk is full" in shown, shown


def test_a_config_symlink_loop_in_doctor(config_file):
    config_file.symlink_to(config_file.parent / "other.toml")
    (config_file.parent / "other.toml").symlink_to(config_file)
    line = one_line(run_tokseg("doctor"))
    assert line == f"tokseg: {config_file}: a symlink loop; point the link at a real file or remove it"


@pytest.mark.parametrize("args", [(), ("--json",), ("show",), ("list",)])
def test_closed_stdout_exits_quietly(config_file, args):
    write_config(config_file, DEMO)
    run_tokseg("refresh", "-q")
    done = subprocess.run(["sh", "-c", 'exec "$0" -m tokseg "$@" >&-', sys.executable, *args],
                          capture_output=True, text=True, timeout=30, env=os.environ)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize("command", [("list", "--json"), ("doctor", "--json"), ("discover", "--json")])
def test_json_commands_fail_with_a_line_and_an_empty_stdout(tmp_path, command):
    """A script reading `--json` never gets half a document: the failure is one stderr line, exit 1."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    done = run_tokseg(*command, env={"TOKSEG_HOME": str(blocker)})
    line = one_line(done)
    assert done.stdout == "" and str(blocker) in line, (done.stdout, line)


@pytest.mark.parametrize("args", [(), ("--json",), ("show",), ("list",), ("list", "--json"), ("doctor",),
                                  ("export",), ("history",), ("--help",), ("init", "tmux")])
def test_a_reader_that_stops_early_is_no_error(config_file, args):
    """`tokseg … | head -c0`: the pipe closes before the first write; no traceback, no BrokenPipeError."""
    write_config(config_file, DEMO)
    run_tokseg("refresh", "-q")
    on_path = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # init warns otherwise
    done = subprocess.run(["sh", "-c", '"$0" -m tokseg "$@" | head -c0', sys.executable, *args],
                          capture_output=True, text=True, timeout=30, env=on_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
