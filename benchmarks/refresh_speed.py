"""The refresher as the process it really is: first scan, idle refresh, one new message, many files.

Generates Claude Code logs (compact JSON, one object a line, as Claude Code writes them; the
exchanges of `benchmarks/agent_logs.py`) of each size in a temporary home and runs, as whole
processes in alternating order so drift in machine load hits every side alike:
  1. first scan: `python -m tokseg refresh --detached` with no index, no snapshot and no cache
     (a first install), against `ccusage daily --offline` on the same files when npm can install
     it (target: tokseg <= ccusage, aim 1.5x faster), with peak RSS (target: flat in log size);
  2. idle refresh: the log account due (as when a status bar starts the refresher), nothing new,
     no HTTP account due, against `python -c "import json"` (target <= 3x);
  3. one new message appended, then a refresh as in 2 (target <= 1.5x the idle refresh);
  4. in-process rescan with nothing new at 5,000 files (target <= 20 ms).
The package is byte-compiled first: an installed one is, and a checkout under
PYTHONDONTWRITEBYTECODE would time the compiler. tmux is kept out (TMUX_TMPDIR is an empty folder),
so the refresher's tmux push does not time the machine's own servers.

Run: python benchmarks/refresh_speed.py [--mb 50,300] [--pairs 9] [--files 5000] [--no-ccusage]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.agent_logs import exchange  # noqa: E402

CCUSAGE = "ccusage@20.0.24"
BASELINE = [sys.executable, "-c", "import json"]
REFRESH = [sys.executable, "-m", "tokseg", "refresh", "--detached"]
DEPENDENCIES = ("tokseg", "filelock", "platformdirs", "sqlite3", "genai_prices", "pydantic", "pydantic_core")


def compact(lines: list[str]) -> list[str]:
    return [json.dumps(json.loads(line), separators=(",", ":")) for line in lines]


def generate(projects: Path, megabytes: float, now: float, sessions: int | None = None) -> tuple[int, Path]:
    """Sessions over the last 30 days until `megabytes` are written (or `sessions` files of a few exchanges)."""
    rng = random.Random(4)
    written, s, newest = 0, 0, projects
    while (written < megabytes * 1e6) if sessions is None else s < sessions:
        session = f"{s:08d}-2f4d-4a51-9a0e-3c1d2b9e7a10"
        start = rng.uniform(now - 30 * 86400, now - 86400)
        path = projects / f"-home-dev-src-app{s % 7}" / f"{session}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines: list[str] = []
        for n in range(rng.randint(150, 600) if sessions is None else rng.randint(1, 4)):
            lines.extend(compact(exchange(rng, session, n, start + n * 20)))
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(data)
        written, newest, s = written + len(data), path, s + 1
    return written, newest


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("CLAUDE")}
    env.update(TOKSEG_HOME=str(work / "home"), HOME=str(work / "user"), TMUX_TMPDIR=str(work / "tmux"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for var, sub in (("XDG_CACHE_HOME", "xcache"), ("XDG_CONFIG_HOME", "xconfig"), ("XDG_STATE_HOME", "xstate"),
                     ("XDG_DATA_HOME", "xdata")):
        env[var] = str(work / sub)
    (work / "tmux").mkdir(parents=True, exist_ok=True)
    return env


def byte_compile() -> None:
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folder = Path(spec.origin).parent
            compileall.compile_dir(str(folder), quiet=1) if spec.submodule_search_locations else \
                compileall.compile_file(spec.origin, quiet=1)


def ccusage_command(work: Path) -> list[str] | None:
    """`ccusage daily --offline`, installed into a temporary prefix; None when npm cannot install it."""
    found = shutil.which("ccusage")
    if found and subprocess.run([found, "--version"], capture_output=True, text=True).stdout.strip() == "20.0.24":
        return [found, "daily", "--offline", "--json"]
    if not shutil.which("npm"):
        print("skipped: ccusage (no npm on PATH)")
        return None
    prefix = work / "npm"
    done = subprocess.run(["npm", "install", "--silent", "--prefix", str(prefix), CCUSAGE], capture_output=True,
                          text=True, timeout=300)
    binary = prefix / "node_modules" / ".bin" / "ccusage"
    if done.returncode or not binary.exists():
        print(f"skipped: ccusage (npm install {CCUSAGE} failed: {done.stderr.strip()[-200:]})")
        return None
    return [str(binary), "daily", "--offline", "--json"]


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run, and of the children it waited for."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_maxrss


class Tree:
    """One generated Claude config folder, the tokseg home reading it, and how to make a refresh due."""

    def __init__(self, work: Path, megabytes: float, now: float, sessions: int | None = None) -> None:
        self.work, self.env = work, environment(work)
        self.size, self.newest = generate(work / "user" / ".claude" / "projects", megabytes, now, sessions)
        self.files = sum(1 for _ in (work / "user" / ".claude").rglob("*.jsonl"))
        self.rng = random.Random(9)
        config = work / "home" / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[accounts.cc]\nprovider = "claude_logs"\npaths = "{work / "user" / ".claude"}"\n')

    def forget(self) -> None:
        """No index, snapshot or cache: what a first install finds."""
        for sub in ("cache", "state"):
            shutil.rmtree(self.work / "home" / sub, ignore_errors=True)

    def due(self) -> None:
        """The account due now, as when a status bar finds the snapshot stale and starts the refresher."""
        path = self.work / "home" / "cache" / "snapshot.json"
        snap = json.loads(path.read_bytes())
        for entry in snap["accounts"].values():
            entry["next_due"] = 0
        path.with_suffix(".tmp").write_text(json.dumps(snap))
        os.replace(path.with_suffix(".tmp"), path)

    def add_message(self) -> None:
        lines = compact(exchange(self.rng, self.newest.stem, self.rng.randint(900_000, 999_999), time.time() - 60))
        with open(self.newest, "ab") as fh:
            fh.write(("\n".join(lines) + "\n").encode())

    def status(self) -> str:
        snap = json.loads((self.work / "home" / "cache" / "snapshot.json").read_bytes())
        return str(snap["accounts"]["cc"]["status"])


def alternate(pairs: int, sides: dict[str, tuple[list[str], object]], env: dict[str, str]) -> dict[str, list]:
    """Each side `pairs` times, the order rotated each round; a side's callable runs before each of its runs."""
    runs: dict[str, list] = {name: [] for name in sides}
    names = list(sides)
    for i in range(pairs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            argv, before = sides[name]
            if callable(before):
                before()
            runs[name].append(measure(argv, env))
    return runs


def median(runs: list, at: int = 0) -> float:
    return statistics.median(r[at] for r in runs)


def first_scan(tree: Tree, pairs: int, ccusage: list[str] | None) -> None:
    sides: dict[str, tuple[list[str], object]] = {"tokseg": (REFRESH, tree.forget), "python": (BASELINE, None)}
    if ccusage:
        sides["ccusage"] = (ccusage, None)
    runs = alternate(pairs, sides, tree.env)
    assert tree.status() == "ok", tree.status()
    ours = median(runs["tokseg"])
    line = (f"{tree.size / 1e6:.0f} MB, {tree.files} files: first scan {ours * 1000:.0f} ms "
            f"({tree.size / 1e6 / ours:.0f} MB/s), peak RSS {max(r[1] for r in runs['tokseg']) / 1024:.0f} MiB")
    if ccusage:
        theirs = median(runs["ccusage"])
        line += (f"; ccusage daily --offline {theirs * 1000:.0f} ms, peak RSS "
                 f"{max(r[1] for r in runs['ccusage']) / 1024:.0f} MiB; ccusage/tokseg = {theirs / ours:.2f}x "
                 "(target >= 1, aim 1.5)")
    print(line)


def idle_and_new(tree: Tree, pairs: int) -> None:
    tree.forget()
    measure(REFRESH, tree.env)
    runs = alternate(pairs, {"idle": (REFRESH, tree.due), "python": (BASELINE, None),
                             "new": (REFRESH, lambda: (tree.add_message(), tree.due()))}, tree.env)
    assert tree.status() == "ok", tree.status()
    idle, base, new = median(runs["idle"]), median(runs["python"]), median(runs["new"])
    print(f"{tree.size / 1e6:.0f} MB: idle refresh {idle * 1000:.0f} ms vs python -c 'import json' "
          f"{base * 1000:.0f} ms = {idle / base:.2f}x (target <= 3x); one new message {new * 1000:.0f} ms "
          f"= {new / idle:.2f}x idle (target <= 1.5x)")


def many_files(work: Path, files: int, rounds: int) -> None:
    """In process: a rescan that finds nothing new, with `files` log files."""
    tree = Tree(work, 0, time.time(), sessions=files)
    os.environ.update(tree.env)
    from tokseg.context import make_ctx
    from tokseg.sources import claude_logs

    ctx = make_ctx("claude_logs", "cc", claude_logs.Options(paths=str(work / "user" / ".claude")), env=tree.env)
    claude_logs.run(ctx)
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        _, stats = claude_logs.run(ctx)
        seconds.append(time.perf_counter() - started)
        assert stats.files_read == 0 and stats.files == files, (stats.files_read, stats.files)
    print(f"{files} files: rescan with nothing new, in process: median {statistics.median(seconds) * 1000:.1f} ms "
          "(target <= 20 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="50,300", help="comma-separated log sizes in MB")
    parser.add_argument("--pairs", type=int, default=9)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--no-ccusage", action="store_true", help="do not install or run ccusage")
    args = parser.parse_args()
    byte_compile()
    work = Path(tempfile.mkdtemp(prefix="tokseg-refresh-bench-"))
    try:
        ccusage = None if args.no_ccusage else ccusage_command(work)
        if args.no_ccusage:
            print("skipped: ccusage (--no-ccusage)")
        for i, megabytes in enumerate(float(mb) for mb in args.mb.split(",")):
            tree = Tree(work / f"logs{i}", megabytes, time.time())
            first_scan(tree, args.pairs, ccusage)
            idle_and_new(tree, args.pairs)
            shutil.rmtree(tree.work, ignore_errors=True)
        many_files(work / "many", args.files, 21)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
