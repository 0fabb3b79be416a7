"""tmux, for real: the status row of an attached client, read back with capture-pane -e."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

from tests.colours import MINIMUM, XTERM, cells, contrast
from tests.conftest import ROOT, run_tokseg, write_config
from tests.hosts import (
    DEMO_ACCOUNTS,
    SGR,
    Tmux,
    attach_client,
    need,
    poll,
    refreshed,
    status_row,
    tmux_env,  # noqa: F401  (fixture)
)

YELLOW, RED = "\x1b[38;5;58m", "\x1b[38;5;88m"  # tmux's built-in warn and crit (58, 88)


def start(env: dict, servers: list, tmp_path: Path, conf_text: str) -> tuple[Tmux, Tmux]:
    conf = tmp_path / "inner.conf"
    conf.write_text("set -g status-left ''\nset -g status-interval 1\n" + conf_text, encoding="utf-8")
    inner, outer = Tmux("tokin", env, conf), Tmux("tokout", env)
    servers.extend([inner, outer])
    inner("new-session", "-d", "-s", "s", "-x", "150", "-y", "8")
    attach_client(inner, outer)
    return inner, outer


def row_with(inner: Tmux, outer: Tmux, text: str) -> str | None:
    row = status_row(inner, outer)
    return row if text in SGR.sub("", row) else None


def test_snippet_push_path_shows_coloured_escaped_segment(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    write_config(config_file, DEMO_ACCOUNTS)
    snippet = run_tokseg("init", "tmux").stdout
    assert "#{@tokseg}" in snippet
    inner, outer = start(env, servers, tmp_path, snippet)
    # No snapshot yet: the snippet's first `tokseg` call starts the refresher, whose push fills @tokseg.
    row = poll(lambda: row_with(inner, outer, "50% #1"), what="segment in status row")
    plain = SGR.sub("", row)
    assert "50% #1 " in plain and "%#" in plain and "##" not in plain
    assert "cl&<b> 5h" in plain
    assert YELLOW + "50% #1" in row, row  # warn: balance under warn_below
    assert RED + "cl&<b>" in row, row  # crit: window use over crit_pct

    # Push, not poll: the snippet's loop sleeps 60 s, yet a refresh shows at once.
    write_config(config_file, DEMO_ACCOUNTS.replace('label = "50% #1"', 'label = "pushed #2"'))
    assert run_tokseg("refresh", "--quiet").returncode == 0
    poll(lambda: "pushed #2" in SGR.sub("", status_row(inner, outer)), timeout=15, what="pushed update")
    assert inner("show-option", "-gv", "@tokseg").startswith("#[fg=colour58]pushed ##2")


STATES_SHOWN = DEMO_ACCOUNTS + """
[accounts.fine]
provider = "demo"
label = "fine"

[accounts.dead]
provider = "demo"
kind = "revoked"
label = "dead"
"""


def test_default_status_bar_draws_every_state_readably(tmux_env, tmp_path, config_file):
    """tmux's own status-style (bg=green, fg=black): the colours tmux really draws for ok, warn, crit and
    error text, read cell by cell, contrast at least 3:1 with the green it draws behind them."""
    need("tmux")
    env, servers = tmux_env
    write_config(config_file, STATES_SHOWN)
    run_tokseg("refresh", "--quiet")  # exits 1: the revoked account fails, as it should
    inner, outer = start(env, servers, tmp_path, run_tokseg("init", "tmux").stdout)
    assert inner("show-option", "-gv", "status-style").strip() == "bg=green,fg=black"
    row = poll(lambda: row_with(inner, outer, "dead"), what="every account in the status row")
    drawn = cells(row)
    text = "".join(ch for ch, _, _ in drawn)
    for label, fg in (("fine", 0), ("50% #1", 58), ("cl&<b>", 88), ("dead", 88)):  # ok, warn, crit, error
        start_at = text.index(label)
        colours = {(cell_fg, bg) for _, cell_fg, bg in drawn[start_at:start_at + len(label)]}
        assert colours == {(fg, 2)}, (label, colours, row)
        ratio = contrast(XTERM[fg], XTERM[2])
        assert ratio >= MINIMUM, f"{label}: colour {fg} on green is {ratio:.2f}:1"


def test_polling_path_with_job(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    refreshed(config_file)
    inner, outer = start(env, servers, tmp_path, "set -g status-right-length 140\n"
                                                   "set -g status-right '#(tokseg --format tmux --max-width 20)'\n")
    row = poll(lambda: row_with(inner, outer, "50% #1"), what="job output in status row")
    plain = SGR.sub("", row).rstrip()
    assert YELLOW + "50% #1" in row
    segment = re.split(r"0:\S+\*", plain)[-1].strip()  # the window name may still be the client's own, under load
    assert segment.endswith("…") and len(segment) <= 20, plain
    assert cut_at_word_end(segment, run_tokseg("--format", "plain").stdout.rstrip("\n")), (segment, plain)


def test_status_keeps_redrawing_while_a_slow_refresh_runs(tmux_env, tmp_path, config_file, home):
    """The job returns at once although the refresher it started takes 20 s: tmux re-runs it every second."""
    need("tmux")
    env, servers = tmux_env
    write_config(config_file, '[accounts.slow]\nprovider = "demo"\ndelay = 20.0\n')
    runs = tmp_path / "runs.log"
    inner, outer = start(env, servers, tmp_path, "set -g status-right-length 140\n"
                         f"set -g status-right '#(echo x >> {runs}; tokseg --format tmux) %H:%M:%S'\n")
    snapshot = home / "cache" / "snapshot.json"

    def fetched() -> bool:
        try:
            return bool(json.loads(snapshot.read_text())["accounts"]["slow"]["reading"])
        except (OSError, ValueError, KeyError):
            return False

    # While the refresher sleeps in the provider, the job keeps being re-run and the clock keeps moving.
    poll(lambda: runs.exists() and len(runs.read_text().split()) >= 4, timeout=18, what="4 job runs")
    clocks = {SGR.sub("", status_row(inner, outer)).split()[-1]}
    poll(lambda: clocks.add(SGR.sub("", status_row(inner, outer)).split()[-1]) or len(clocks) >= 2, timeout=5,
         what="clock moving")
    assert not fetched(), "the slow refresh finished too early to prove anything"
    assert "tok …" in SGR.sub("", status_row(inner, outer))
    # And once the slow refresh is done, the next run shows its data.
    poll(lambda: "slow $" in SGR.sub("", status_row(inner, outer)), timeout=40, what="data after slow refresh")


def test_tmux_syntax_in_data_is_shown_literally_on_both_paths(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    inner, outer = start(env, servers, tmp_path, "set -g status-right-length 140\n"
                         "set -g status-right '<#(tokseg --format tmux)> <#{@tokseg}>'\n")
    refreshed(config_file, '[accounts.x]\nprovider = "demo"\nlabel = "#{pane_id}#[fg=red]#(id)"\n')
    data = "#{pane_id}#[fg=red]#(id) $"
    # once per path, never expanded
    plain = poll(lambda: (text := SGR.sub("", status_row(inner, outer))).count(data) == 2 and text,
                 what="data from both paths in status row")
    assert "%0" not in plain and "uid=" not in plain


USER_STATUS = "set -g status-right 'clock %H:%M'\n"
CLOCK = re.compile(r"clock \d\d:\d\d")


def cut_at_word_end(shown: str, whole: str) -> bool:
    """Whether `shown` is `whole` cut after a whole word (what follows the kept part is a space)."""
    kept = shown.removesuffix("…")
    return shown.endswith("…") and whole.startswith(kept) and whole[len(kept)] == " "


def loops(server: Tmux) -> int:
    """How many of the snippet's refresh loops the server runs: its `run-shell` children naming @tokseg-loop."""
    pid = server("display-message", "-p", "#{pid}").strip()
    count = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
            command = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        count += parent == pid and b"@tokseg-loop" in command
    return count


def with_snippet(tmp_path: Path, before: str = "") -> str:
    """A tmux.conf as a user writes it: their own status-right, then `source-file` of the init snippet."""
    snippet = tmp_path / "tokseg.tmux.conf"
    snippet.write_text(run_tokseg("init", "tmux").stdout, encoding="utf-8")
    return f"{USER_STATUS}{before}source-file {snippet}\n"


def test_snippet_appends_to_the_users_status_right_and_keeps_the_clock(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    refreshed(config_file)
    inner, outer = start(env, servers, tmp_path, with_snippet(tmp_path))
    assert inner("show-option", "-gv", "status-right").rstrip("\n") == "clock %H:%M │ #{?@tokseg,#{@tokseg},tok …}"
    assert inner("show-option", "-gv", "status-right-length").strip() == str(40 + 3 + 60)  # tmux's 40 + what it adds
    row = SGR.sub("", poll(lambda: row_with(inner, outer, "50% #1"), what="segment after the clock"))
    assert CLOCK.search(row) and row.index("clock") < row.index("50% #1"), row


def test_reloading_twice_keeps_one_segment_and_one_loop(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    refreshed(config_file)
    conf = tmp_path / "inner.conf"
    inner, outer = start(env, servers, tmp_path, with_snippet(tmp_path))
    poll(lambda: loops(inner) == 1, what="the snippet's loop running")
    before = inner("show-option", "-gv", "status-right-length")
    for _ in range(2):
        inner("source-file", str(conf))  # the user's whole tmux.conf again: their status-right, then the snippet
    time.sleep(1.0)  # a second loop would have started by now
    assert loops(inner) == 1
    assert inner("show-option", "-gv", "status-right").count("@tokseg") == 2  # one `#{?@tokseg,#{@tokseg},…}`
    assert inner("show-option", "-gv", "status-right-length") == before
    row = SGR.sub("", poll(lambda: row_with(inner, outer, "50% #1"), what="segment after reloads"))
    assert row.count("50% #1") == 1 and CLOCK.search(row), row


def test_snippet_cuts_the_pushed_segment_at_a_word_end(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    write_config(config_file, DEMO_ACCOUNTS)
    inner, outer = start(env, servers, tmp_path, with_snippet(tmp_path, "set -g @tokseg-max-width 20\n"))
    assert inner("show-option", "-gv", "status-right-length").strip() == str(40 + 3 + 20)
    assert run_tokseg("refresh", "--quiet").returncode == 0  # the push, cut to the server's @tokseg-max-width
    whole = run_tokseg("--format", "plain").stdout.rstrip("\n")
    pushed = SGR.sub("", re.sub(r"#\[[^]]*\]", "", inner("show-option", "-gv", "@tokseg").rstrip("\n")))
    assert len(whole) > 20 and len(pushed) <= 20 and cut_at_word_end(pushed.replace("##", "#"), whole), pushed
    row = SGR.sub("", poll(lambda: row_with(inner, outer, pushed[:6].replace("##", "#")), what="cut segment"))
    assert row.rstrip().endswith(pushed.replace("##", "#")), row


def run_plugin(server: Tmux, env: dict) -> subprocess.CompletedProcess:
    """`tokseg.tmux` run as TPM runs a plugin's `*.tmux` file: inside tmux, TMUX naming the server."""
    where = server("display-message", "-p", "#{socket_path},#{pid},0").strip()
    return subprocess.run([str(ROOT / "tokseg.tmux")], env={**env, "TMUX": where}, capture_output=True, text=True,
                          timeout=30)


def test_tpm_plugin_applies_the_snippet_once(tmux_env, tmp_path, config_file):
    need("tmux")
    env, servers = tmux_env
    refreshed(config_file)
    conf = tmp_path / "user.conf"
    conf.write_text(USER_STATUS, encoding="utf-8")
    server = Tmux("tpm", env, conf)
    servers.append(server)
    server("new-session", "-d", "-s", "s")
    for _ in range(2):  # TPM runs it on every config load
        done = run_plugin(server, env)
        assert done.returncode == 0 and not done.stderr, done.stderr
    assert server("show-option", "-gv", "status-right").rstrip("\n") == "clock %H:%M │ #{?@tokseg,#{@tokseg},tok …}"
    assert server("show-option", "-gv", "status-right-length").strip() == str(40 + 3 + 60)
    poll(lambda: "50% ##1" in server("show-option", "-gqv", "@tokseg"), what="the plugin's loop setting @tokseg")
    time.sleep(1.0)
    assert loops(server) == 1


def test_tpm_plugin_without_tokseg_changes_nothing(tmux_env, tmp_path):
    need("tmux")
    env, servers = tmux_env
    conf = tmp_path / "user.conf"
    conf.write_text(USER_STATUS, encoding="utf-8")
    server = Tmux("tpm-none", env, conf)
    servers.append(server)
    server("new-session", "-d", "-s", "s")
    done = run_plugin(server, {**env, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "empty")})
    assert done.returncode == 0
    assert server("show-option", "-gv", "status-right").rstrip("\n") == "clock %H:%M"


def test_snippet_leaves_a_status_right_that_already_shows_tokseg(tmux_env, tmp_path):
    need("tmux")
    env, servers = tmux_env
    polling = "set -g status-right '#(tokseg --format tmux) %H:%M'\n"
    conf = tmp_path / "user.conf"
    conf.write_text(with_snippet(tmp_path).replace(USER_STATUS, polling), encoding="utf-8")
    server = Tmux("already", env, conf)
    servers.append(server)
    server("new-session", "-d", "-s", "s")
    assert server("show-option", "-gv", "status-right").rstrip("\n") == "#(tokseg --format tmux) %H:%M"
    assert server("show-option", "-gv", "status-right-length").strip() == "40"
