"""Amp threads as the Amp CLI saves them (constructed values), and the requests they really hold.

A `Thread` is one T-<uuid>.json file, rewritten whole after every turn. Its requests are recorded in
one of the shapes seen: `usage` on each assistant message; the same plus a `usageLedger` whose events
name their message (`toMessageId`), or name none; only the ledger (messages without usage). A fork
is a new thread that starts with a copy of its parent's first turns. `generate` writes a realistic
data folder and returns the requests that happened, each once: the ground truth the tests price
themselves.
"""

from __future__ import annotations

import json
import random
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-5", "claude-haiku-4-5", "gpt-5", "gemini-2.5-pro")
UNKNOWN_MODEL = "amp-router-9"  # of no vendor tokseg knows
SHAPES = ("usage", "both", "ledger", "unnamed")
WORDS = ("read", "the", "handler", "then", "run", "the", "tests", "and", "fix", "what", "fails", "in", "the", "parser")


def iso(ts: float) -> str:
    """Epoch seconds → JavaScript's toISOString(): UTC with milliseconds."""
    ms = round(ts * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


@dataclass(frozen=True)
class Request:
    """One request to a model: `input` is the uncached prompt (Anthropic's convention), `read`/`write` the cache."""

    ts: float
    model: str
    input: int
    output: int
    read: int = 0
    write: int = 0
    ledger_only: bool = False  # the thread's ledger has it, its message has no usage

    def usage(self) -> dict:
        return {"model": self.model, "timestamp": iso(self.ts), "inputTokens": self.input,
                "outputTokens": self.output, "cacheCreationInputTokens": self.write,
                "cacheReadInputTokens": self.read, "totalInputTokens": self.input + self.read + self.write,
                "credits": round(self.input / 1e4, 4)}

    def event(self, message_id: int | None) -> dict:
        event = {"timestamp": iso(self.ts), "model": self.model, "credits": round(self.input / 1e4, 4),
                 "tokens": {"input": self.input, "output": self.output, "total": self.input + self.output},
                 "operationType": "inference"}
        if message_id is not None:
            event["toMessageId"] = message_id
        return event

    def vendor_usage(self) -> tuple[str, dict, str]:
        """(provider id, the vendor's own response body, API flavour) with these counts, for genai-prices."""
        if self.model.startswith("claude"):
            usage = {"input_tokens": self.input, "cache_creation_input_tokens": self.write,
                     "cache_read_input_tokens": self.read, "output_tokens": self.output}
            return "anthropic", {"usage": usage}, "default"
        if self.model.startswith("gemini"):
            return "google", {"usageMetadata": {"promptTokenCount": self.input + self.read,
                                                "cachedContentTokenCount": self.read,
                                                "candidatesTokenCount": self.output}}, "default"
        return "openai", {"usage": {"prompt_tokens": self.input + self.read, "completion_tokens": self.output,
                                    "prompt_tokens_details": {"cached_tokens": self.read}}}, "chat"


def user_message(n: int, ts: float, text: str) -> dict:
    return {"role": "user", "messageId": n, "content": [{"type": "text", "text": text}],
            "meta": {"sentAt": round(ts * 1000)}}


def assistant_message(n: int, request: Request, text: str, with_usage: bool) -> dict:
    message: dict = {"role": "assistant", "messageId": n,
                     "content": [{"type": "thinking", "thinking": "Look at the failing test first"},
                                 {"type": "text", "text": text},
                                 {"type": "tool_use", "id": f"toolu_{n:04d}", "name": "Bash",
                                  "input": {"cmd": "pytest -q"}}],
                     "state": {"type": "complete", "stopReason": "tool_use"}}
    if with_usage:
        message["usage"] = request.usage()
    return message


@dataclass
class Thread:
    """One thread: its own requests after any turns copied from the thread it was forked from."""

    id: str
    created: float
    workspace: str
    shape: str = "usage"
    requests: list[Request] = field(default_factory=list)
    copied: list[Request] = field(default_factory=list)  # a fork's copy of its parent's first turns
    parent: str | None = None
    text: str = "Done."

    def turns(self) -> list[Request]:
        return self.copied + self.requests

    def messages(self) -> list[dict]:
        out = []
        for k, request in enumerate(self.turns()):
            with_usage = self.shape != "ledger" and not request.ledger_only
            out += [user_message(2 * k, request.ts - 5, "why does the test fail?"),
                    assistant_message(2 * k + 1, request, self.text, with_usage)]
        return out

    def ledger(self) -> dict | None:
        if self.shape == "usage":
            return None
        named = self.shape == "both"
        first = len(self.copied)  # a fork's ledger holds its own requests only
        return {"events": [r.event(2 * (first + k) + 1 if named else None) for k, r in enumerate(self.requests)]}

    def document(self) -> dict:
        doc: dict = {"v": 2 * len(self.turns()) + 3, "id": self.id, "created": round(self.created * 1000),
                     "title": "Fix the failing parser test", "agentMode": "smart", "messages": self.messages(),
                     "nextMessageId": 2 * len(self.turns()),
                     "env": {"initial": {"platform": {"os": "linux", "client": "CLI"},
                                         "trees": [{"displayName": Path(self.workspace).name,
                                                    "uri": "file://" + self.workspace.replace(" ", "%20"),
                                                    "repository": {"type": "git", "ref": "refs/heads/main"}}]}}}
        ledger = self.ledger()
        if ledger is not None:
            doc["usageLedger"] = ledger
        if self.parent:
            doc["relationships"] = [{"threadID": self.parent, "type": "fork", "role": "parent"}]
        return doc

    def data(self) -> bytes:
        return json.dumps(self.document(), indent=2).encode()

    def write(self, path: Path) -> int:
        """The whole thread, as Amp saves it after every change; returns its size."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.data()
        path.write_bytes(data)
        return len(data)

    def grow(self, path: Path, request: Request) -> int:
        """A new turn: the thread is written again in full; returns the new size."""
        self.requests.append(request)
        return self.write(path)


def random_request(rng: random.Random, ts: float, model: str | None = None, cache: bool = True) -> Request:
    """A turn of a coding agent: a large prompt, mostly read from the cache for Claude, a small output."""
    model = model or rng.choice(MODELS)
    fresh = rng.randint(1, 4_000) if model.startswith("claude") else rng.randint(2_000, 60_000)
    read = rng.randint(5_000, 140_000) if cache and rng.random() < 0.8 else 0
    write = rng.randint(0, 6_000) if cache and model.startswith("claude") else 0
    return Request(ts, model, fresh, rng.randint(20, 3_000), read, write)


def thread_path(amp: Path, thread: Thread) -> Path:
    return amp / "threads" / f"{thread.id}.json"


def new_id(rng: random.Random) -> str:
    return f"T-{uuid.UUID(int=rng.getrandbits(128))}"


@dataclass
class Tree:
    """What `generate` wrote: the requests that happened (each once) and the files that hold them."""

    requests: list[Request]
    files: dict[str, Path]
    threads: list[Thread]


def generate(amp: Path, times: list[float], seed: int = 11) -> Tree:
    """An Amp data folder whose threads hold one request at each of `times`, in every shape Amp writes.

    Threads of four requests cycle through the shapes; each is written again after every turn, as Amp
    does. One is forked (the fork starts with copies of its parent's first two turns), one is copied
    under another name, one request is known only from the ledger, one is of a model no vendor
    table has. Beside the threads lie files that are not threads. Every request is in `Tree.requests`, once.
    """
    rng = random.Random(seed)
    requests = [random_request(rng, ts) for ts in sorted(times)]
    requests[-3] = Request(requests[-3].ts, UNKNOWN_MODEL, 900, 70)
    workspaces = ["/home/dev/src/shop-api", "/home/dev/src/infra", "/home/dev/my notes"]
    threads, files = [], {}
    for n, start in enumerate(range(0, len(requests), 4)):
        group = requests[start:start + 4]
        shape = SHAPES[n % len(SHAPES)]
        if shape == "ledger":  # the ledger has no cache split: such requests are what it says, uncached
            group = [Request(r.ts, r.model, r.input + r.read + r.write, r.output) for r in group]
        elif shape == "both" and len(group) > 1:
            group[1] = Request(group[1].ts, group[1].model, group[1].input + group[1].read, group[1].output,
                               ledger_only=True)
        requests[start:start + 4] = group
        thread = Thread(new_id(rng), group[0].ts - 30, workspaces[n % 3], shape)
        if n == 1 and len(threads[0].turns()) >= 2:
            thread.parent, thread.copied = threads[0].id, list(threads[0].turns()[:2])
        path = thread_path(amp, thread)
        for request in group:
            thread.grow(path, request)
        threads.append(thread)
        files[f"thread{n}"] = path
    copy = amp / "threads" / f"{new_id(rng)}.json"  # the same thread under another name (a restored backup)
    shutil.copyfile(files["thread2" if "thread2" in files else "thread0"], copy)
    files["copy"] = copy
    _decoys(amp, threads[0])
    return Tree(requests, files, threads)


def _decoys(amp: Path, thread: Thread) -> None:
    """Files beside the threads: none of them is a thread, and tokens in them never count."""
    huge = Request(0, "claude-opus-4-5", 10**6, 10**6)
    half = thread.data()
    (amp / "threads" / f"{thread.id}.json.tmp").write_bytes(half[: len(half) // 2])  # a save caught midway
    (amp / "threads" / "index.json").write_text(json.dumps({"messages": [{"usage": huge.usage()}]}))
    (amp / "ledger.jsonl").write_text(json.dumps({"toMessageId": 1, **huge.event(1)}) + "\n")
    (amp / "history.jsonl").write_text(json.dumps({"text": "fix the test", "cwd": "/home/dev/src/shop-api"}) + "\n")
