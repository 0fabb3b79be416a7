"""OpenCode's stored messages as OpenCode writes them (constructed values), and the replies they really hold.

OpenCode keeps its sessions in one SQLite database in WAL mode, `opencode.db` in its data folder
(`opencode-<channel>.db` beside it for another release channel): a `message` row per message, its
JSON `data` without the id and session id (those are columns), inserted when a reply starts and
updated as it streams and completes (`time_updated` moves each time); `part` rows hold the reply's
pieces, their step-finish parts repeating its tokens. Older releases wrote one JSON file per message
under `storage/message/<session>/msg_*.json` instead, which a migration copies into the database
(the files may stay). `generate` writes a data folder in every shape and returns the replies that
happened, each once: the ground truth the tests price themselves.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

# (OpenCode's providerID, modelID) of replies with a price; the vendor speaks the API named third.
PRICED = (("anthropic", "claude-sonnet-4-5", "anthropic"), ("openai", "gpt-5", "openai"),
          ("google", "gemini-2.5-pro", "google"), ("xai", "grok-code-fast-1", "openai"),
          ("openrouter", "anthropic/claude-sonnet-4.5", "openai"), ("deepseek", "deepseek-chat", "openai"),
          ("amazon-bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic"),
          ("fireworks-ai", "accounts/fireworks/models/deepseek-v3p2", "openai"))
ZEN = ("opencode", "big-pickle", "openai")  # OpenCode's own gateway: no price table, OpenCode logs the cost
LOCAL = ("lmstudio", "qwen3-coder-30b", "openai")  # a local model: no price anywhere, OpenCode logs cost 0
PROJECTS = ("/home/dev/src/shop-api", "/home/dev/src/infra", "/home/dev/src/notes")
SCHEMA = """
    CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, vcs TEXT, time_created INTEGER NOT NULL,
                          time_updated INTEGER NOT NULL);
    CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL,
                          directory TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL,
                          time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);
    CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
                          time_updated INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE INDEX message_session_idx ON message (session_id);
    CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
                       time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
"""


def ms(ts: float) -> int:
    return round(ts * 1000)


@dataclass(frozen=True)
class Reply:
    """One assistant message and its final usage as OpenCode stores it (`input` without the cache)."""

    msg_id: str
    session: str
    ts: float
    provider: str
    model: str
    api: str  # the API whose usage fields the vendor returns: anthropic, openai or google
    input: int
    output: int
    reasoning: int = 0
    read: int = 0
    write: int = 0
    cost: float = 0.0
    cwd: str = PROJECTS[0]

    def data(self, final: bool = True) -> dict:
        """The message JSON in the database (no id, no sessionID); not final: streaming, no tokens yet."""
        tokens = {"input": self.input, "output": self.output, "reasoning": self.reasoning,
                  "cache": {"read": self.read, "write": self.write}} if final else \
            {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}
        tokens["total"] = tokens["input"] + tokens["output"] + tokens["reasoning"] + self.read + self.write \
            if final else 0
        times = {"created": ms(self.ts), "completed": ms(self.ts) + 4200} if final else {"created": ms(self.ts)}
        return {"role": "assistant", "time": times, "parentID": f"{self.msg_id}-user", "modelID": self.model,
                "providerID": self.provider, "mode": "build", "agent": "build",
                "path": {"cwd": self.cwd, "root": self.cwd}, "cost": self.cost if final else 0, "tokens": tokens,
                **({"finish": "tool-calls"} if final else {})}

    def file(self, final: bool = True) -> dict:
        """The legacy message file: the same JSON with its own id and sessionID."""
        return {"id": self.msg_id, "sessionID": self.session, **self.data(final)}

    def vendor_usage(self) -> dict:
        """The usage the vendor's API returned for this request, in its own fields (reasoning in the output)."""
        prompt, out = self.input + self.read + self.write, self.output + self.reasoning
        if self.api == "anthropic":
            return {"usage": {"input_tokens": self.input, "cache_read_input_tokens": self.read,
                              "cache_creation_input_tokens": self.write, "output_tokens": out}}
        if self.api == "google":
            return {"usageMetadata": {"promptTokenCount": prompt, "cachedContentTokenCount": self.read,
                                      "candidatesTokenCount": self.output, "thoughtsTokenCount": self.reasoning}}
        return {"usage": {"prompt_tokens": prompt, "completion_tokens": out,
                          "prompt_tokens_details": {"cached_tokens": self.read},
                          "completion_tokens_details": {"reasoning_tokens": self.reasoning}}}


def user_data(ts: float) -> dict:
    return {"role": "user", "time": {"created": ms(ts)}, "agent": "build",
            "model": {"providerID": "anthropic", "modelID": "claude-sonnet-4-5"},
            "summary": {"title": "Fix the failing test", "diffs": []}}


class Database:
    """An OpenCode database, written through its own connection as OpenCode would (WAL mode)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def session(self, session: str, directory: str, ts: float) -> None:
        self.db.execute("INSERT OR IGNORE INTO session VALUES (?, 'prj_1', NULL, 'calm-river', ?, 'Fix it', "
                        "'1.1.40', ?, ?)", (session, directory, ms(ts), ms(ts)))

    def put(self, reply: Reply, *, streaming: bool = True) -> None:
        """A turn as OpenCode writes it: the question, the reply started (no tokens), its parts, the reply done."""
        self.session(reply.session, reply.cwd, reply.ts - 10)
        self.db.execute("INSERT OR IGNORE INTO message VALUES (?, ?, ?, ?, ?)",
                        (f"{reply.msg_id}-user", reply.session, ms(reply.ts - 5), ms(reply.ts - 5),
                         json.dumps(user_data(reply.ts - 5))))
        if streaming:
            self._upsert(reply, reply.data(final=False), ms(reply.ts))
        step = {"type": "step-finish", "reason": "tool-calls", "cost": reply.cost, "tokens": reply.data()["tokens"]}
        self.db.execute("INSERT OR REPLACE INTO part VALUES (?, ?, ?, ?, ?, ?)",
                        (f"prt_{reply.msg_id}", reply.msg_id, reply.session, ms(reply.ts), ms(reply.ts),
                         json.dumps(step)))
        self._upsert(reply, reply.data(), ms(reply.ts) + 4200)

    def _upsert(self, reply: Reply, data: dict, updated: int) -> None:
        self.db.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                        "data = excluded.data, time_updated = excluded.time_updated",
                        (reply.msg_id, reply.session, ms(reply.ts), updated, json.dumps(data)))

    def raw(self, msg_id: str, session: str, data: object, updated: int = 0) -> None:
        """A row holding anything at all as its data (odd records)."""
        self.db.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", (msg_id, session, updated, updated, data))

    def close(self) -> None:
        self.db.close()


def write_file(data_dir: Path, reply: Reply, final: bool = True) -> Path:
    path = data_dir / "storage" / "message" / reply.session / f"{reply.msg_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reply.file(final), indent=2))
    return path


def random_reply(rng: random.Random, ts: float, session: str, model: tuple[str, str, str] | None = None,
                 cwd: str = PROJECTS[0]) -> Reply:
    """A reply with the shape of real agent turns: a large, mostly cached prompt, small output, some reasoning."""
    provider, name, api = model or rng.choice(PRICED)
    read = rng.randint(5_000, 150_000) if rng.random() < 0.75 else 0
    write = rng.randint(0, 6_000) if api == "anthropic" and rng.random() < 0.5 else 0
    reasoning = rng.randint(0, 3_000) if rng.random() < 0.5 else 0
    return Reply(f"msg_{rng.getrandbits(64):016x}", session, ts, provider, name, api, rng.randint(20, 20_000),
                 rng.randint(20, 3_000), reasoning, read, write, round(rng.uniform(0.001, 0.3), 6), cwd)


@dataclass
class Tree:
    """What `generate` wrote: the replies that happened (each once) and where they are."""

    replies: list[Reply]
    files: dict[str, Path] = field(default_factory=dict)


def generate(data_dir: Path, times: list[float], seed: int = 7) -> Tree:
    """A data folder whose messages hold one reply at each of `times`, in every shape OpenCode writes.

    Sessions of four replies go, in turn, only into the legacy files (an install never migrated),
    only into opencode.db, or into both (migrated, the files kept: one file caught mid-stream, so the
    database's copy is the fuller one); the last session goes into opencode-beta.db, one of its replies
    also copied into opencode.db. One reply is OpenCode's gateway (no price table: OpenCode's cost),
    one a local model (no price, cost 0). Beside them lie files that are not messages.
    """
    rng = random.Random(seed)
    replies = []
    for n, ts in enumerate(sorted(times)):
        session = f"ses_{seed:02d}{n // 4:04d}"
        replies.append(random_reply(rng, ts, session, cwd=PROJECTS[(n // 4) % 3]))
    replies[-3] = replace(random_reply(rng, replies[-3].ts, replies[-3].session, ZEN), cost=0.0421)
    replies[-4] = replace(random_reply(rng, replies[-4].ts, replies[-4].session, LOCAL), cost=0)
    replies[-1] = replace(replies[-1], provider="google", model="gemini-2.5-pro", api="google", input=60_000,
                          read=190_000, write=0, output=1_500, reasoning=900)  # past the 200k tier
    main, beta = Database(data_dir / "opencode.db"), Database(data_dir / "opencode-beta.db")
    sessions = sorted({r.session for r in replies})
    tree = Tree(replies, {"main": main.path, "beta": beta.path})
    for reply in replies:
        place = sessions.index(reply.session)
        if place == len(sessions) - 1:
            beta.put(reply)
        elif place % 3 == 0:
            tree.files.setdefault("legacy", write_file(data_dir, reply))
        else:
            main.put(reply, streaming=place % 2 == 0)
            if place % 3 == 2:  # migrated, the files kept; the first one's file was caught mid-stream
                first = reply.session != replies[replies.index(reply) - 1].session
                write_file(data_dir, replace(reply, output=reply.output // 2) if first else reply)
    main.put(next(r for r in replies if r.session == sessions[-1]))  # a copy across databases
    main.close()
    beta.close()
    _decoys(data_dir)
    return tree


def _decoys(data_dir: Path) -> None:
    """Files OpenCode keeps beside the messages: parts and sessions carry tokens too, and never count."""
    step = {"id": "prt_decoy", "messageID": "msg_decoy", "sessionID": "ses_decoy", "type": "step-finish",
            "tokens": {"input": 10**6, "output": 10**6, "reasoning": 0, "cache": {"read": 0, "write": 0}}, "cost": 9}
    part = data_dir / "storage" / "part" / "msg_decoy" / "prt_decoy.json"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_text(json.dumps(step))
    info = data_dir / "storage" / "session" / "prj_1" / "ses_decoy.json"
    info.parent.mkdir(parents=True, exist_ok=True)
    info.write_text(json.dumps({"id": "ses_decoy", "directory": PROJECTS[0], "time": {"created": 0}}))
    (data_dir / "log").mkdir(exist_ok=True)
    (data_dir / "log" / "2026-11-01T101500.log").write_text("INFO service=bus type=message.updated publishing\n")
    (data_dir / "storage" / "message" / "ses_decoy").mkdir(parents=True, exist_ok=True)
    (data_dir / "storage" / "message" / "ses_decoy" / "notes.json").write_text(json.dumps(step))
