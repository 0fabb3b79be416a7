"""xmobar for real, headless in its text mode (`-TSwaybar`, `-TAnsi`: no X display), with the `tokseg init` snippet.

Swaybar output is one JSON array per redraw, one object per run of text
with its colour and, as `name`, the click actions xmobar attached; a click
event written to xmobar's stdin runs them, as swaybar would.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.hosts import DEMO_ACCOUNTS, HOST_TIMEOUT_S, host_env, need, poll, refreshed

WARN, CRIT = "#e5c07b", "#e06c75"  # palette.HEX16 yellow and red: credits is warn, claude crit


def hostile_label(tmp_path: Path) -> str:
    """A label that would colour, run a command, change font, draw an icon and show raw text if it were markup."""
    return (f"<fc=#ff0000>x</fc><action=`touch {tmp_path}/pwned` button=1>y</action>"
            "<fn=1>f</fn><icon=i.xbm/><raw=3:abc/>")


class Xmobar:
    """A running `xmobar -T FORMAT rc`; its stdout lines collected by a thread, its stdin open for clicks."""

    def __init__(self, rc: Path, fmt: str) -> None:
        env = host_env(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(["xmobar", f"-T{fmt}", str(rc)], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def bar(self, predicate) -> list[dict]:
        """The first Swaybar redraw whose text runs satisfy `predicate`, waiting for it."""
        def found():
            for line in list(self.lines):
                if line.startswith("[{"):
                    runs = json.loads(line.rstrip(","))
                    if predicate(runs):
                        return runs
            return None
        return poll(found, what="xmobar bar line")

    def holds(self, path: Path) -> bool:
        """Whether xmobar has `path` open (its PipeReader opens the pipe once it exists)."""
        fds = Path(f"/proc/{self.proc.pid}/fd")
        return any(fd.readlink() == path for fd in fds.iterdir() if fd.is_symlink())

    def click(self, run: dict, button: int) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps({"name": run["name"], "button": button}) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        self.proc.kill()  # xmobar 0.46 in text mode may catch SIGTERM and linger
        self.proc.wait(timeout=HOST_TIMEOUT_S)


@pytest.fixture
def xmobar_bars():
    need("xmobar")
    bars: list[Xmobar] = []
    yield lambda rc, fmt: bars.append(Xmobar(rc, fmt)) or bars[-1]
    for bar in bars:
        bar.stop()


def segment(runs: list[dict], start: str) -> dict | None:
    return next((run for run in runs if run["full_text"].startswith(start)), None)


def test_xmobar_snippet_shows_the_pushed_segment_in_colour_and_data_literally(tmp_path, config_file, home,
                                                                              xmobar_bars):
    refreshed(config_file)
    rc = tmp_path / "xmobarrc"
    rc.write_text(run_tokseg("init", "xmobar").stdout, encoding="utf-8")
    bar = xmobar_bars(rc, "Swaybar")
    bar.bar(lambda runs: segment(runs, "tok …"))  # PipeReader's text until a line arrives
    pipe = home / "cache" / "xmobar.pipe"
    poll(lambda: bar.holds(pipe), what="xmobar reading the pipe the tick made")
    label = hostile_label(tmp_path)
    # The tick runs once a minute: what shows next comes through the refresher's push.
    refreshed(config_file, DEMO_ACCOUNTS.replace('label = "50% #1"', f"label = '{label}'"))
    runs = bar.bar(lambda runs: segment(runs, label))
    credits, claude = segment(runs, label), segment(runs, "cl&<b> 5h ")
    assert credits["color"] == WARN and claude["color"] == CRIT
    assert credits["full_text"].startswith(label + " ") and "%#" in credits["full_text"]
    assert "#ff0000" not in {run["color"] for run in runs}
    # The only click actions are the snippet's own; the label's <action> is text.
    assert "tokseg refresh --quiet" in credits["name"] and "touch" not in credits["name"]
    snapshot = home / "cache" / "snapshot.json"
    before = json.loads(snapshot.read_text())["accounts"]["credits"]["fetched_at"]
    bar.click(credits, 1)
    poll(lambda: json.loads(snapshot.read_text())["accounts"]["credits"]["fetched_at"] > before,
         what="refresh after a left click")
    assert not (tmp_path / "pwned").exists()


def test_xmobar_polling_the_hot_path_paints_ansi_colours(tmp_path, config_file, xmobar_bars):
    """The README's polling line, `Run Com "tokseg" ["--format", "xmobar"]`, in 24-bit ANSI text mode."""
    refreshed(config_file)
    rc = tmp_path / "xmobarrc"
    rc.write_text('Config { commands = [ Run Com "tokseg" ["--format", "xmobar"] "tokseg" 10 ]\n'
                  '       , template = "%tokseg%" }\n', encoding="utf-8")
    bar = xmobar_bars(rc, "Ansi")
    line = poll(lambda: next((line for line in bar.lines if "50% #1" in line), None), what="ansi bar line")
    coloured = ansi_runs(line)
    assert coloured[0] == (WARN, coloured[0][1]) and coloured[0][1].startswith("50% #1 ")
    assert (CRIT, next(text for _, text in coloured if text.startswith("cl&<b> 5h "))) in coloured
    write_config(config_file, DEMO_ACCOUNTS.replace('label = "50% #1"', f"label = '{hostile_label(tmp_path)}'"))
    assert run_tokseg("refresh", "--quiet").returncode == 0
    line = poll(lambda: next((line for line in reversed(bar.lines) if "<fc=#ff0000>x</fc>" in ANSI.sub("", line)),
                             None), what="hostile label shown literally")
    assert ansi_runs(line)[0][1].startswith(hostile_label(tmp_path) + " ")
    assert {colour for colour, _ in ansi_runs(line)} == {WARN, CRIT, "#bfbfbf"}  # no #ff0000 from the label


ANSI = re.compile(r"\x1b\[[0-9;]*m")
ANSI_RUN = re.compile(r"\x1b\[38;2;(\d+);(\d+);(\d+)m\x1b\[48;2;[0-9;]+m(.*?)\x1b\[0m\x1b\[0m")


def ansi_runs(line: str) -> list[tuple[str, str]]:
    """(#rrggbb, text) runs of an `xmobar -TAnsi` line, neighbours of one colour joined."""
    runs: list[tuple[str, str]] = []
    for r, g, b, text in ANSI_RUN.findall(line):
        colour = f"#{int(r):02x}{int(g):02x}{int(b):02x}"
        if runs and runs[-1][0] == colour:
            runs[-1] = (colour, runs[-1][1] + text)
        else:
            runs.append((colour, text))
    assert "".join(text for _, text in runs) == ANSI.sub("", line), line
    return runs
