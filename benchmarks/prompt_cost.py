"""What a prompt or a tmux status line pays for tokseg, measured in the real hosts.

1. Zero-fork prompts: the bash / zsh snippets read the pushed segment file
   with the `read` builtin. Per prompt cost of the snippet's hook, timed
   inside one shell with $EPOCHREALTIME over many calls, next to the same
   loop calling an empty function (the floor) and to `$(tokseg --format …)`
   (one process per prompt: the usual alternative). Target: <= 1 ms.
2. tmux push vs `#()` polling: two private tmux servers, each with a real
   client attached (inside a third, outer tmux), one showing
   `#(tokseg --format tmux)` and one showing the pushed `#{@tokseg}`, run
   side by side for the same window. Processes per minute: job runs counted
   by the job itself, times the processes one run starts (counted once with
   strace when it is installed). CPU per minute: the tmux server's own CPU
   plus its reaped children's, from /proc/PID/stat. The push side's
   once-a-minute loop and its per-refresh `tmux set-option` are measured
   on their own and added.
3. starship: `starship prompt` as whole processes in alternating rounds,
   with the `env_var` module showing TOKSEG_STARSHIP (what the shell hook
   exports), with the `custom` module running tokseg, and with a config
   showing neither (the baseline), reported as ratios to the baseline.

    python benchmarks/prompt_cost.py [--seconds 60] [--interval 5] [--prompts 2000] [--starship-runs 40]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLK = os.sysconf("SC_CLK_TCK")
CONFIG = """\
[accounts.credits]
provider = "demo"
[accounts.claude]
provider = "demo"
kind = "subscription"
"""

BASH_LOOP = """
source {snippet}
noop() {{ :; }}
t0=$EPOCHREALTIME; for ((i = 0; i < {n}; i++)); do noop; done
t1=$EPOCHREALTIME; for ((i = 0; i < {n}; i++)); do _tokseg_prompt; done
t2=$EPOCHREALTIME; for ((i = 0; i < {m}; i++)); do x=$(tokseg --format bash); done
t3=$EPOCHREALTIME; echo "$t0 $t1 $t2 $t3 ${{#TOKSEG}}"
"""
ZSH_LOOP = """
source {snippet}
noop() {{ : }}
t0=$EPOCHREALTIME; for ((i = 0; i < {n}; i++)); do noop; done
t1=$EPOCHREALTIME; for ((i = 0; i < {n}; i++)); do _tokseg_precmd; done
t2=$EPOCHREALTIME; for ((i = 0; i < {m}; i++)); do x=$(tokseg --format zsh); done
t3=$EPOCHREALTIME; echo "$t0 $t1 $t2 $t3 ${{#TOKSEG}}"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="tmux measuring window")
    parser.add_argument("--interval", type=int, default=5, help="tmux status-interval for both servers")
    parser.add_argument("--prompts", type=int, default=2000, help="prompt hook calls per shell")
    parser.add_argument("--starship-runs", type=int, default=40, help="starship prompts per variant")
    args = parser.parse_args()
    ensure_bytecode()
    with tempfile.TemporaryDirectory(prefix="tokseg-bench-") as tmp:
        env = setup(Path(tmp))
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
        print("\n== zero-fork prompt (per prompt) ==")
        for shell, loop in (("bash", BASH_LOOP), ("zsh", ZSH_LOOP)):
            if shutil.which(shell):
                prompts(shell, loop, env, args.prompts)
            else:
                print(f"{shell}: not installed, skipped")
        print("\n== starship: env_var (pushed) vs custom (tokseg per prompt) ==")
        starship = shutil.which("starship", path=f"{BIN}:{os.environ['PATH']}")
        if starship:
            starship_compare(starship, Path(tmp), env, args.starship_runs)
        else:
            print("starship: not installed, skipped")
        print("\n== tmux: #() polling vs pushed @tokseg ==")
        if shutil.which("tmux"):
            tmux_compare(Path(tmp), env, args.seconds, args.interval)
        else:
            print("tmux: not installed, skipped")


def setup(tmp: Path) -> dict[str, str]:
    """A private tokseg home with two demo accounts, refreshed once (which writes the segment files)."""
    home = tmp / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(CONFIG, encoding="utf-8")
    sockets = tmp / "tmux"
    sockets.mkdir()
    env = {**os.environ, "TOKSEG_HOME": str(home), "TMUX_TMPDIR": str(sockets), "PATH": f"{BIN}:{os.environ['PATH']}",
           "LC_ALL": "C.UTF-8", "TERM": "screen-256color"}
    env.pop("TMUX", None)
    subprocess.run(["tokseg", "refresh", "--quiet"], env=env, check=True)
    return env


def ensure_bytecode() -> None:
    """Installed packages ship bytecode; under PYTHONDONTWRITEBYTECODE a checkout would recompile each call."""
    import tokseg

    compileall.compile_dir(str(Path(tokseg.__file__).parent), quiet=1)


def snippet(host: str, env: dict[str, str], tmp: Path) -> Path:
    path = tmp / f"snippet.{host}"
    path.write_text(subprocess.run(["tokseg", "init", host], env=env, capture_output=True, text=True,
                                   check=True).stdout, encoding="utf-8")
    return path


def prompts(shell: str, loop: str, env: dict[str, str], n: int) -> None:
    m = max(5, n // 100)
    script = loop.format(snippet=snippet(shell, env, Path(env["TMUX_TMPDIR"]).parent), n=n, m=m)
    argv = ["bash", "--norc", "--noprofile", "-c", script] if shell == "bash" else ["zsh", "-f", "-c", script]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.split()
    t0, t1, t2, t3 = (float(x) for x in out[:4])
    assert int(out[4]) > 0, "the hook read an empty segment"
    floor = (t1 - t0) / n * 1e6
    hook = (t2 - t1) / n * 1e6
    fork = (t3 - t2) / m * 1e6
    verdict = "meets" if hook <= 1000 else "MISSES"
    print(f"{shell}: read-file hook {hook:7.1f} µs/prompt (empty function {floor:.1f} µs; "
          f"{hook - floor:.1f} µs above it) - {verdict} the 1 ms target")
    print(f"{shell}: $(tokseg --format {shell}) {fork / 1000:7.1f} ms/prompt = {fork / hook:,.0f}x the hook")


STARSHIP_CONFIGS = {
    "baseline": 'format = "> "\n',
    "env_var": 'format = "${env_var.TOKSEG_STARSHIP}> "\n',
    "custom": 'format = "${custom.tokseg}> "\n',
}


def starship_compare(starship: str, tmp: Path, env: dict[str, str], runs: int) -> None:
    """Median wall time of one `starship prompt` per variant, the variants alternating round by round."""
    init = subprocess.run(["tokseg", "init", "starship"], env=env, capture_output=True, text=True, check=True).stdout
    fallback = "[custom.tokseg]" + init.split("# [custom.tokseg]", 1)[1]  # the snippet's commented fallback
    custom = "\n".join(line.removeprefix("# ") for line in fallback.splitlines())
    text = (Path(env["TOKSEG_HOME"]) / "cache" / "segment.starship").read_text(encoding="utf-8").split("\n")[0]
    variants = {}
    for name, head in STARSHIP_CONFIGS.items():
        config = tmp / f"starship-{name}.toml"
        config.write_text(head + (custom if name == "custom" else init), encoding="utf-8")
        variants[name] = {**env, "STARSHIP_CONFIG": str(config), "STARSHIP_SHELL": "zsh",
                          "STARSHIP_CACHE": str(tmp / "starship-cache"), "TOKSEG_STARSHIP": text}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    shown = {name: subprocess.run([starship, "prompt"], env=v, capture_output=True, text=True).stdout
             for name, v in variants.items()}
    assert text.split()[0] in shown["env_var"] and text.split()[0] in shown["custom"], shown
    for _ in range(runs):
        for name, variant_env in variants.items():
            started = time.perf_counter()
            subprocess.run([starship, "prompt"], env=variant_env, stdout=subprocess.DEVNULL, check=True)
            walls[name].append(time.perf_counter() - started)
    base = statistics.median(walls["baseline"])
    print(f"{runs} rounds; segment {text[:40]!r}")
    for name, values in walls.items():
        median = statistics.median(values)
        print(f"{name:8s}: {median * 1000:6.1f} ms per prompt = {median / base:4.2f}x the baseline "
              f"({(median - base) * 1000:+.1f} ms)")


def server_pid(name: str, env: dict[str, str]) -> int:
    out = subprocess.run(["tmux", "-L", name, "display-message", "-p", "#{pid}"], env=env, capture_output=True,
                         text=True, check=True).stdout
    return int(out.strip())


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of `pid`: its own CPU and that of every child it has reaped."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / CLK


def start_server(name: str, conf: Path, env: dict[str, str], outer: str) -> int:
    base = ["tmux", "-L", name, "-f", str(conf)]
    subprocess.run([*base, "new-session", "-d", "-s", "s", "-x", "120", "-y", "5"], env=env, check=True)
    subprocess.run(["tmux", "-L", outer, "new-window", "-d", "-t", "o",
                    f"env -u TMUX TERM=screen-256color tmux -L {name} attach -t s"], env=env, check=True)
    return server_pid(name, env)


def processes_per_run(command: str, env: dict[str, str], count_shell: bool = True) -> tuple[int | None, float]:
    """Processes one `sh -c command` starts (strace, when installed) and the CPU seconds it takes.

    `count_shell=False` leaves out the `sh` itself, for commands whose host
    runs them without one (the refresher's tmux call, an already running loop).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["sh", "-c", command], env=env, stdout=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not shutil.which("strace"):
        return None, cpu
    trace = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o", "/dev/stderr",
                            "sh", "-c", command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, check=False).stderr
    execs = sum(1 for line in trace.splitlines() if "execve(" in line and "= 0" in line)
    return execs - (0 if count_shell else 1), cpu


def tmux_compare(tmp: Path, env: dict[str, str], seconds: float, interval: int) -> None:
    runs = tmp / "job-runs"
    job = f"echo >> {runs}; tokseg --format tmux"
    common = f"set -g status-interval {interval}\nset -g status-left ''\nset -g status-right-length 100\n"
    poll_conf, push_conf = tmp / "poll.conf", tmp / "push.conf"
    poll_conf.write_text(common + f"set -g status-right '#({job}) %H:%M:%S'\n", encoding="utf-8")
    push_conf.write_text(common + "set -g status-right '#{?@tokseg,#{@tokseg},tok …} %H:%M:%S'\n", encoding="utf-8")
    subprocess.run(["tmux", "-L", "bench-outer", "-f", "/dev/null", "new-session", "-d", "-s", "o"], env=env, check=True)
    try:
        pids = {"poll": start_server("bench-poll", poll_conf, env, "bench-outer"),
                "push": start_server("bench-push", push_conf, env, "bench-outer")}
        subprocess.run(["tokseg", "refresh", "--quiet"], env=env, check=True)  # fills @tokseg on bench-push
        time.sleep(2.0)
        runs.write_text("")
        start = {k: cpu_seconds(p) for k, p in pids.items()}
        time.sleep(seconds)
        cpu = {k: (cpu_seconds(p) - start[k]) * 60 / seconds for k, p in pids.items()}
        job_runs = len(runs.read_text().splitlines()) * 60 / seconds
        shown = subprocess.run(["tmux", "-L", "bench-push", "show-option", "-gv", "@tokseg"], env=env,
                               capture_output=True, text=True).stdout.strip()
        per_run, run_cpu = processes_per_run(job, env)
        loop_procs, loop_cpu = processes_per_run(
            'tmux -L bench-push set-option -gq @tokseg "$(tokseg --format tmux)"; sleep 0', env, count_shell=False)
        set_procs, set_cpu = processes_per_run("tmux -L bench-push set-option -gq @tokseg x", env, count_shell=False)
    finally:
        for name in ("bench-poll", "bench-push", "bench-outer"):
            subprocess.run(["tmux", "-L", name, "kill-server"], env=env, capture_output=True)
    refreshes = 60 / 300  # the default account interval: one push per refresh per tmux server
    push_procs = None if loop_procs is None else loop_procs + set_procs * refreshes
    print(f"window {seconds:g} s, status-interval {interval} s, one attached client each; pushed value: {shown[:40]!r}")
    procs = "n/a (strace missing)" if per_run is None else f"{job_runs * per_run:.0f}"
    print(f"#() polling : {job_runs:5.1f} job runs/min x {per_run} processes = {procs} processes/min; "
          f"CPU {cpu['poll'] * 1000:6.0f} ms/min (server + jobs; one run alone {run_cpu * 1000:.0f} ms)")
    push_total = cpu["push"] + loop_cpu + set_cpu * refreshes
    print(f"push        :   0.0 job runs/min; loop {loop_procs} processes/min + {set_procs} per refresh "
          f"({refreshes:g} refresh/min) = {push_procs} processes/min; "
          f"CPU {push_total * 1000:6.0f} ms/min (server {cpu['push'] * 1000:.0f} + loop {loop_cpu * 1000:.0f} "
          f"+ pushes {set_cpu * refreshes * 1000:.0f})")
    if push_total > 0:
        print(f"polling costs {cpu['poll'] / push_total:.1f}x the CPU of push at this interval, per attached client")


if __name__ == "__main__":
    main()
