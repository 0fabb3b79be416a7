"""Hot path vs a bare interpreter: median wall time and peak RSS, as ratios.

With a fresh snapshot of ten accounts (nothing due, so no refresher is
spawned), runs `tokseg` and `python -c "import json"` from the same
interpreter in alternating pairs, so drift in machine load hits both
sides alike. Targets: wall ratio <= 1.3, RSS ratio <= 1.2.

    python benchmarks/hot_path.py [--runs 60] [--format plain|json]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("prepaid", "subscription", "postpaid")
WALL_TARGET, RSS_TARGET = 1.3, 1.2


def write_config(home: Path, accounts: int) -> None:
    lines = ["[settings]", "interval = 86400", ""]
    for i in range(accounts):
        lines += [f"[accounts.acct{i}]", 'provider = "demo"', f'kind = "{KINDS[i % len(KINDS)]}"', ""]
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("\n".join(lines))


def ensure_bytecode() -> None:
    """Installed packages ship compiled bytecode; a source checkout under
    PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every call."""
    import tokseg

    compileall.compile_dir(str(Path(tokseg.__file__).parent), quiet=1)


def segment_command() -> list[str]:
    script = Path(sys.executable).with_name("tokseg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tokseg"]


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--format", default="plain", choices=("plain", "json"))
    args = parser.parse_args()

    ensure_bytecode()
    home = Path(tempfile.mkdtemp(prefix="tokseg-bench-"))
    try:
        env = {**os.environ, "TOKSEG_HOME": str(home)}
        write_config(home, args.accounts)
        subprocess.run([sys.executable, "-m", "tokseg", "refresh", "--quiet"], env=env, check=True)
        segment = [*segment_command(), "--format", args.format]
        baseline = [sys.executable, "-c", "import json"]
        sample = subprocess.run(segment, env=env, capture_output=True, text=True, check=True).stdout.strip()
        for _ in range(5):  # warm the page cache for both
            measure(segment, env)
            measure(baseline, env)
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(measure(segment, env))
            base.append(measure(baseline, env))
        if (home / "cache" / "spawn.marker").exists():
            raise SystemExit("a refresher was spawned during the benchmark; the snapshot was not fresh")
    finally:
        shutil.rmtree(home, ignore_errors=True)

    wall_ours, wall_base = (statistics.median(w for w, _ in runs) for runs in (ours, base))
    rss_ours, rss_base = (statistics.median(r for _, r in runs) for runs in (ours, base))
    print(f"segment: {sample[:100]}")
    print(f"interpreter: {sys.executable} (Python {sys.version.split()[0]}), {args.runs} alternating pairs, "
          f"{args.accounts} accounts, --format {args.format}")
    print(f"{'':28}{'median wall':>14}{'peak RSS':>12}")
    print(f"{'tokseg':28}{wall_ours * 1000:>11.1f} ms{rss_ours / 1024:>9.1f} MB")
    label = 'python -c "import json"'
    print(f"{label:28}{wall_base * 1000:>11.1f} ms{rss_base / 1024:>9.1f} MB")
    wall_ratio, rss_ratio = wall_ours / wall_base, rss_ours / rss_base
    print(f"wall ratio {wall_ratio:.2f} (target <= {WALL_TARGET}), RSS ratio {rss_ratio:.2f} (target <= {RSS_TARGET})")


if __name__ == "__main__":
    main()
