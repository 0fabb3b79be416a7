"""Benchmark: local-log scanning per source, and the `tokseg statusline` hot path.

For each source row, generates ~50 MB of that agent's logs (a month of timestamps, the duplicates
the agent really writes) in a temporary folder, then reports:
  1. the full first scan: seconds and MB/s (parse, dedupe, price, index);
  2. a refresh after one new message, as a fraction of the full scan (target <= 5 % for logs read
     by new bytes; a chat rewritten whole is read again in full, so its row reads one chat);
and once, `tokseg statusline` median wall time against `python -c "import json"` on the same
interpreter, measured in alternating pairs (target <= 1.3x), once with figures that change every
render (a write + fsync each time) and once with unchanged figures (the file is left alone).

Rows: claude_logs (appended JSONL transcripts), gemini_logs (JSONL chats of current Gemini CLI
releases, appended), gemini_logs-json (whole-file JSON chats of older releases),
amp_logs (Amp threads, each rewritten whole), opencode_logs (OpenCode's SQLite database, its parts
included in the size, and a tenth as legacy message files).
A new source adds a generator returning a `Logs` and one entry in `ROWS`.

Run: python benchmarks/agent_logs.py [--mb 50] [--pairs 40] [--rows claude_logs,gemini_logs]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import opencode_store  # noqa: E402
from tests.amp_threads import Thread, new_id, random_request, thread_path  # noqa: E402
from tests.gemini_chats import Chat, chat_path, project_hash, random_reply  # noqa: E402
from tokseg.context import make_ctx  # noqa: E402
from tokseg.sources import amp_logs, claude_logs, gemini_logs, opencode_logs  # noqa: E402

MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-7", "claude-haiku-4-5")
WORDS = ["the", "handler", "reads", "the", "request", "body", "and", "validates", "each", "field", "before", "it", "calls", "the", "service", "layer"]


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def exchange(rng: random.Random, session: str, n: int, ts: float) -> list[str]:
    """A user turn (often carrying tool output) and a reply streamed as 1-3 rows of the same message."""
    lines = [json.dumps({"type": "user", "sessionId": session, "uuid": f"u{n}", "timestamp": iso(ts),
                         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{n}",
                                                                  "content": text(rng, rng.randint(20, 400))}]}})]
    model, msg, req = rng.choice(MODELS), f"msg_{session[:8]}_{n:06d}", f"req_{session[:8]}_{n:06d}"
    usage = {"input_tokens": rng.randint(1, 50), "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    write = rng.randint(0, 4000)
    read = rng.randint(1000, 150_000)
    hour = write if rng.random() < 0.2 else 0
    usage.update(cache_creation_input_tokens=write, cache_read_input_tokens=read,
                 cache_creation={"ephemeral_5m_input_tokens": write - hour, "ephemeral_1h_input_tokens": hour})
    output = rng.randint(20, 2000)
    blocks = rng.randint(1, 3)
    for b in range(blocks):
        row_usage = {**usage, "output_tokens": output * (b + 1) // blocks, "service_tier": "standard"}
        lines.append(json.dumps({
            "parentUuid": f"u{n}", "isSidechain": False, "userType": "external", "cwd": "/home/dev/src/app",
            "sessionId": session, "version": "2.1.130", "gitBranch": "main", "requestId": req, "type": "assistant",
            "uuid": f"a{n}.{b}", "timestamp": iso(ts + 2 + b),
            "message": {"id": msg, "type": "message", "role": "assistant", "model": model,
                        "content": [{"type": "text", "text": text(rng, rng.randint(5, 120))}],
                        "stop_reason": None if b < blocks - 1 else "end_turn", "usage": row_usage}}))
    return lines


def generate(root: Path, megabytes: float, now: float) -> tuple[int, Path]:
    """Sessions spread over the last 30 days until `megabytes` are written; returns (bytes, newest file)."""
    rng = random.Random(4)
    target, written, s = int(megabytes * 1e6), 0, 0
    newest = root
    while written < target:
        session = f"{s:08d}-2f4d-4a51-9a0e-3c1d2b9e7a10"
        start = rng.uniform(now - 30 * 86400, now - 86400)
        path = root / "projects" / f"-home-dev-src-app{s % 7}" / f"{session}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for n in range(rng.randint(150, 600)):
            lines.extend(exchange(rng, session, n, start + n * 20))
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(data)
        written += len(data)
        newest = path
        s += 1
    return written, newest


@dataclass
class Logs:
    """One source's generated logs, and how the agent adds one new message to them."""

    module: ModuleType
    root: Path  # what the account's `paths` option names
    size: int
    files: int
    add_message: Callable[[], int]  # writes one new message; returns the bytes a refresh must read
    whole: bool = False  # a new message rewrites its file: the refresh reads one file in full


def claude_tree(work: Path, megabytes: float, now: float) -> Logs:
    root = work / "claude"
    size, newest = generate(root, megabytes, now - 120)
    rng = random.Random(9)

    def add_message() -> int:
        data = ("\n".join(exchange(rng, newest.stem, rng.randint(900_000, 999_999), now - 60)) + "\n").encode()
        with open(newest, "ab") as fh:
            fh.write(data)
        return len(data)

    return Logs(claude_logs, root, size, sum(1 for _ in root.rglob("*.jsonl")), add_message)


def gemini_tree(work: Path, megabytes: float, now: float, suffix: str) -> Logs:
    """Chats of 20-150 turns over the last 30 days in seven projects, until `megabytes` are written.

    JSONL chats are appended to (a new message costs its own bytes); JSON chats are rewritten
    whole (a new message costs the chat).
    """
    rng = random.Random(5)
    root, target, written, n = work / f"gemini{suffix}" / ".gemini", int(megabytes * 1e6), 0, 0
    projects = [project_hash(f"/home/dev/src/app{k}") for k in range(7)]
    while written < target:
        start = rng.uniform(now - 30 * 86400, now - 86400)
        chat = Chat(str(uuid.UUID(int=rng.getrandbits(128))), projects[n % 7], start)
        chat.replies = [gemini_reply(rng, start + 40 * k) for k in range(rng.randint(20, 150))]
        path = chat_path(root, chat.project, chat, suffix)
        written += chat.write_json(path) if suffix == ".json" else chat.write_jsonl(path)
        n += 1

    def add_message() -> int:
        if suffix == ".jsonl":
            return chat.append(path, gemini_reply(rng, now - 60))
        chat.replies.append(gemini_reply(rng, now - 60))
        return chat.write_json(path)

    return Logs(gemini_logs, root, written, n, add_message, whole=suffix == ".json")


def gemini_reply(rng: random.Random, ts: float):
    """A reply with the fixtures' token shape and a body the size of a real one (text, code, tool output)."""
    return replace(random_reply(rng, ts), text=text(rng, rng.randint(20, 600)))


def amp_tree(work: Path, megabytes: float, now: float) -> Logs:
    """Threads of 20-150 turns over the last 30 days in seven workspaces, until `megabytes` are written.

    A thread is rewritten whole after every turn, so a new message costs the thread it belongs to.
    """
    rng = random.Random(6)
    root, target, written, n = work / "amp", int(megabytes * 1e6), 0, 0
    while written < target:
        start = rng.uniform(now - 30 * 86400, now - 86400)
        thread = Thread(new_id(rng), start, f"/home/dev/src/app{n % 7}", ("usage", "both")[n % 2],
                        text=text(rng, rng.randint(20, 600)))
        thread.requests = [random_request(rng, start + 40 * k) for k in range(rng.randint(20, 150))]
        path = thread_path(root, thread)
        written += thread.write(path)
        n += 1

    def add_message() -> int:
        return thread.grow(path, random_request(rng, now - 60))

    return Logs(amp_logs, root, written, n, add_message, whole=True)
def opencode_tree(work: Path, megabytes: float, now: float) -> Logs:
    """Sessions of 20-150 turns over the last 30 days: nine tenths in opencode.db, a tenth as legacy files.

    Each turn is a question and a reply (message rows) and the reply's text, tool and step parts (part
    rows, most of the database's bytes, never read). A new message is one more turn in the database,
    written as OpenCode writes it: the reply inserted, then updated once done.
    """
    rng = random.Random(6)
    root = work / "opencode"
    db = opencode_store.Database(root / "opencode.db")
    target, legacy, n, files = int(megabytes * 1e6), 0, 0, 1
    while _db_size(root / "opencode.db") + legacy < target:
        session, start = f"ses_{n:08d}", rng.uniform(now - 30 * 86400, now - 86400)
        replies = [opencode_store.random_reply(rng, start + 40 * k, session) for k in range(rng.randint(20, 150))]
        if n % 10 == 9:
            legacy += sum(opencode_store.write_file(root, reply).stat().st_size for reply in replies)
            files += len(replies)
        else:
            with db.db:
                db.db.execute("BEGIN")
                for reply in replies:
                    db.put(reply, streaming=False)
                    db.db.execute("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)", (
                        f"prt_t{reply.msg_id}", reply.msg_id, session, 0, 0,
                        json.dumps({"type": "text", "text": text(rng, rng.randint(20, 600))})))
        n += 1
    size = _db_size(root / "opencode.db") + legacy

    def add_message() -> int:
        db.put(opencode_store.random_reply(rng, now - 60, "ses_new"))
        return 0  # a database is read by rows, not bytes: the refresh fetches the rows past its cursor

    return Logs(opencode_logs, root, size, files, add_message)


def _db_size(path: Path) -> int:
    """A database's bytes: the file and the changes its -wal holds until the next checkpoint."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


ROWS: dict[str, Callable[[Path, float, float], Logs]] = {
    "claude_logs": claude_tree,
    "gemini_logs": lambda work, mb, now: gemini_tree(work, mb, now, ".jsonl"),
    "gemini_logs-json": lambda work, mb, now: gemini_tree(work, mb, now, ".json"),
    "amp_logs": amp_tree,
    "opencode_logs": opencode_tree,
}


def scan(logs: Logs, now: float):
    module = logs.module
    ctx = make_ctx(module.NAME, "bench", module.Options(paths=str(logs.root)), clock=lambda: now,
                   env={"HOME": str(logs.root)})
    started = time.perf_counter()
    reading, stats = module.run(ctx)
    return time.perf_counter() - started, reading, stats


def bench_row(name: str, logs: Logs, now: float) -> None:
    """Full scan, then five refreshes after one new message each; prints the row."""
    full, reading, stats = scan(logs, now)
    assert stats.files == logs.files and not stats.errors, (stats.files, logs.files, stats.errors)
    print(f"{name}: {logs.size / 1e6:.1f} MB in {stats.files} files, {stats.rows} usage rows; "
          f"full scan {full:.2f} s, {logs.size / 1e6 / full:.1f} MB/s "
          f"(month ${reading.spent['month'].amount:,.2f}, {reading.tokens['month'].to_dict()['total']:,} tokens)")
    fractions, read, fetched = [], 0, 0
    for _ in range(5):
        read = logs.add_message()
        seconds, _, stats = scan(logs, now)
        fetched = stats.fetched
        assert (stats.files_read, stats.bytes_read) == (1, read), (stats.files_read, stats.bytes_read, read)
        fractions.append(seconds / full)
    best = statistics.median(fractions)
    target = "one chat read again in full" if logs.whole else "target <= 5%"
    rows = f", {fetched} database rows fetched" if fetched else ""
    print(f"{name}: refresh after one new message ({read} bytes read{rows}): "
          f"{best * full * 1000:.1f} ms = {best:.2%} of the full scan ({target})")


def wall(cmd: list[str], stdin: bytes, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - started


def hook(now: float, cost: float) -> bytes:
    return json.dumps({"session_id": "6f1c2b7e", "model": {"id": "claude-opus-4-7", "display_name": "Opus 4.7"},
                       "cost": {"total_cost_usd": cost},
                       "rate_limits": {"five_hour": {"used_percentage": 42, "resets_at": int(now) + 4000},
                                       "seven_day": {"used_percentage": 18, "resets_at": int(now) + 400000}}}).encode()


def statusline_ratio(pairs: int, home: Path, changing: bool) -> tuple[float, float, str]:
    script = Path(sys.executable).with_name("tokseg")
    command = [str(script), "statusline"] if script.exists() else [sys.executable, "-m", "tokseg", "statusline"]
    # As installed: byte-compiled modules (an environment that forbids writing them would time the compiler).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["TOKSEG_HOME"] = str(home)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tokseg")], check=True)
    baseline = [sys.executable, "-c", "import json"]
    now = time.time()
    ours, base = [], []
    for _ in range(3):  # warm the page cache, create the folder
        wall(command, hook(now, 1.0), env)
        wall(baseline, b"", env)
    for i in range(pairs):
        stdin = hook(now, 1.0 + (i if changing else 0) / 100)
        if i % 2:
            base.append(wall(baseline, b"", env))
            ours.append(wall(command, stdin, env))
        else:
            ours.append(wall(command, stdin, env))
            base.append(wall(baseline, b"", env))
    return statistics.median(ours), statistics.median(base), " ".join([Path(command[0]).name, *command[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, of {', '.join(ROWS)}")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tokseg-bench-"))
    os.environ["TOKSEG_HOME"] = str(work / "home")
    try:
        now = time.time()
        import genai_prices  # noqa: F401  (imported before timing: the refresher pays it once per process)

        for name in args.rows.split(","):
            bench_row(name, ROWS[name](work, args.mb, now), now)
        for changing in (True, False):
            ours, base, label = statusline_ratio(args.pairs, work / "home", changing)
            what = "figures change each render (write + fsync)" if changing else "unchanged figures (no write)"
            print(f"statusline, {what}: median {ours * 1000:.1f} ms vs python -c 'import json' "
                  f"{base * 1000:.1f} ms = {ours / base:.2f}x (target <= 1.3x) [{label}]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
