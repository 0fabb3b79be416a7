"""starship, i3blocks and i3status, for real, each configured with its `tokseg init` snippet."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.hosts import HOST_TIMEOUT_S, host_env, need, poll, refreshed, starship_binary, starship_fallback

SLOW = '[accounts.slow]\nprovider = "demo"\ndelay = 20.0\n'


def starship_prompt(tmp_path: Path, shell: str) -> subprocess.CompletedProcess:
    config = tmp_path / "starship.toml"
    config.write_text('format = "${custom.tokseg}> "\n\n' + starship_fallback(run_tokseg("init", "starship").stdout),
                      encoding="utf-8")
    env = host_env(STARSHIP_CONFIG=str(config), STARSHIP_CACHE=str(tmp_path / "starship-cache"),
                   STARSHIP_SHELL=shell, STARSHIP_SESSION_KEY=f"{time.time_ns()}"[-16:])
    return subprocess.run([starship_binary(), "prompt", "--status", "0"], env=env, capture_output=True,
                          text=True, timeout=HOST_TIMEOUT_S, cwd=tmp_path)


@pytest.mark.parametrize(("shell", "expected"), [
    ("zsh", "✖ 50%% #1 "),  # starship escaped % for zsh itself; tokseg printed plain text
    ("bash", "✖ 50% #1 "),
    ("fish", "✖ 50% #1 "),
])
def test_starship_prompt_with_snippet(shell, expected, tmp_path, config_file):
    refreshed(config_file)
    done = starship_prompt(tmp_path, shell)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout, repr(done.stdout)
    assert "cl&<b> 5h" in done.stdout
    assert "timed out" not in done.stderr


def test_starship_never_waits_for_the_refresher(tmp_path, config_file, home):
    """No snapshot and a 20 s provider: the prompt shows the placeholder at once."""
    write_config(config_file, SLOW)
    started = time.monotonic()
    done = starship_prompt(tmp_path, "bash")
    took = time.monotonic() - started
    assert "tok …" in done.stdout, done.stdout
    assert took < 10, f"starship waited {took:.1f}s: the refresher held its pipe"
    snap = home / "cache" / "snapshot.json"
    assert not snap.exists() or not json.loads(snap.read_text())["accounts"].get("slow", {}).get("reading")


def i3bar_lines(output: str) -> tuple[dict, list[list[dict]]]:
    """Parse the i3bar protocol: a header line, `[`, then one JSON array per line (later ones after `,`)."""
    header_line, _, rest = output.partition("\n")
    body = rest.lstrip()
    assert body.startswith("["), output
    # i3blocks 1.4 starts the array and its first line together ("[[]"), i3status on two lines.
    lines = [line for line in body[1:].splitlines() if line.strip()]
    return json.loads(header_line), [json.loads(line.lstrip(",")) for line in lines]


def test_i3blocks_block(tmp_path, config_file):
    need("i3blocks")
    refreshed(config_file)
    conf = tmp_path / "i3blocks.conf"
    conf.write_text(run_tokseg("init", "i3blocks").stdout, encoding="utf-8")
    done = subprocess.run(["timeout", "4", "i3blocks", "-c", str(conf)], env=host_env(), capture_output=True,
                          text=True, timeout=HOST_TIMEOUT_S)
    header, rows = i3bar_lines(done.stdout)
    assert header["version"] == 1
    block = next(b for row in rows for b in row if b.get("name") == "tokseg")
    assert block["full_text"].startswith("50% #1 ") and "cl&<b> 5h" in block["full_text"]
    assert block["short_text"].split()[1] == "%#"  # headlines only: "11.92 %# 5h 24% ↻…"
    assert block["color"].lower() == "#e06c75"  # crit: the worst account wins
    assert block["urgent"] is True


def test_i3blocks_bar_keeps_updating_while_a_slow_refresh_runs(tmp_path, config_file):
    need("i3blocks")
    write_config(config_file, SLOW)
    conf = tmp_path / "i3blocks.conf"
    conf.write_text(run_tokseg("init", "i3blocks").stdout.replace("interval=60", "interval=1")
                    + "\n[clock]\ncommand=date +%s%N\ninterval=1\n", encoding="utf-8")
    done = subprocess.run(["timeout", "6", "i3blocks", "-c", str(conf)], env=host_env(), capture_output=True,
                          text=True, timeout=HOST_TIMEOUT_S)
    _, rows = i3bar_lines(done.stdout)
    clocks = {b["full_text"] for row in rows for b in row if b.get("name") == "clock"}
    texts = {b["full_text"] for row in rows for b in row if b.get("name") == "tokseg"}
    assert len(clocks) >= 3, f"the bar froze: {len(clocks)} clock updates in 6 s"
    assert texts == {"tok …"}


def test_i3status_read_file(tmp_path, config_file, home):
    need("i3status")
    refreshed(config_file)
    conf = tmp_path / "i3status.conf"
    conf.write_text('general {\n    output_format = "i3bar"\n    interval = 1\n}\n\n'
                    + run_tokseg("init", "i3status").stdout, encoding="utf-8")
    done = subprocess.run(["timeout", "3", "i3status", "-c", str(conf)], env=host_env(), capture_output=True,
                          text=True, timeout=HOST_TIMEOUT_S)
    _, rows = i3bar_lines(done.stdout)
    block = next(b for b in rows[0] if b.get("name") == "read_file")
    expected = (home / "cache" / "segment.txt").read_text(encoding="utf-8").strip()
    assert block["full_text"] == expected
    assert expected.startswith("50% #1 ") and "%#" in expected


def test_i3blocks_left_click_refreshes_without_blocking_the_bar(tmp_path, config_file, home):
    """A click event on stdin (as i3bar sends it) runs the snippet's detached `tokseg refresh`."""
    need("i3blocks")
    refreshed(config_file)
    snapshot = home / "cache" / "snapshot.json"
    before = json.loads(snapshot.read_text())["accounts"]["credits"]["fetched_at"]
    conf = tmp_path / "i3blocks.conf"
    conf.write_text(run_tokseg("init", "i3blocks").stdout, encoding="utf-8")
    bar = subprocess.Popen(["i3blocks", "-c", str(conf)], env=host_env(), stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(1.0)  # let i3blocks print its first line and start reading clicks
        bar.stdin.write('[\n{"name":"tokseg","button":1,"x":5,"y":5}\n')
        bar.stdin.flush()
        poll(lambda: json.loads(snapshot.read_text())["accounts"]["credits"]["fetched_at"] > before,
             what="refresh after a left click")
    finally:
        bar.kill()
        bar.wait()
