"""Gemini CLI chats as Gemini CLI writes them (constructed values), and the replies they really hold.

A `Chat` is one session. It writes itself as the whole-file JSON of older releases (pretty-printed,
rewritten on every turn) or as the appended JSONL of newer ones: a metadata record first, then each
user message, each reply appended without tokens and again with them (and again with its tool
calls), and `$set` records as the chat's metadata changes. `generate` writes a realistic tree of
projects and returns the replies that happened, each once: the ground truth the tests price
themselves.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview", "gemini-2.5-flash-lite")
UNKNOWN_MODEL = "gemini-exp-9999"  # in no price table
WORDS = ("the", "parser", "reads", "each", "chunk", "and", "the", "test", "checks", "every", "total", "against",
         "the", "table", "before", "it", "ships")


def iso(ts: float) -> str:
    """Epoch seconds → JavaScript's toISOString(): UTC with milliseconds."""
    ms = round(ts * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def project_hash(folder: str) -> str:
    """Gemini CLI names a project's tmp folder by the SHA-256 of its root path."""
    return hashlib.sha256(folder.encode()).hexdigest()


@dataclass(frozen=True)
class Reply:
    """One Gemini reply and its usage as recordMessageTokens stores it (`input` includes `cached`)."""

    msg_id: str
    ts: float
    model: str
    input: int
    output: int
    cached: int = 0
    thoughts: int = 0
    tool: int = 0
    text: str = "Done."

    def tokens(self) -> dict:
        return {"input": self.input, "output": self.output, "cached": self.cached, "thoughts": self.thoughts,
                "tool": self.tool, "total": self.input + self.output + self.thoughts + self.tool}

    def usage_metadata(self) -> dict:
        """The Gemini API's usageMetadata the CLI copied these counts from (promptTokenCount → input, ...)."""
        return {"promptTokenCount": self.input, "candidatesTokenCount": self.output,
                "cachedContentTokenCount": self.cached, "thoughtsTokenCount": self.thoughts,
                "toolUsePromptTokenCount": self.tool, "totalTokenCount": self.tokens()["total"]}

    def record(self, with_tokens: bool = True, tool_calls: bool = False) -> dict:
        message: dict = {"id": self.msg_id, "timestamp": iso(self.ts), "type": "gemini", "content": self.text,
                         "thoughts": [{"subject": "Planning", "description": "Reading the handler first",
                                       "timestamp": iso(self.ts - 1)}] if self.thoughts else [],
                         "model": self.model}
        if with_tokens:
            message["tokens"] = self.tokens()
        if tool_calls:
            message["toolCalls"] = [{"id": f"read_file-{self.msg_id[:8]}", "name": "read_file",
                                     "args": {"absolute_path": "/home/dev/src/app/main.py"}, "status": "success",
                                     "timestamp": iso(self.ts + 1), "resultDisplay": ""}]
        return message


def user_record(ts: float, text: str = "why does the test fail?") -> dict:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"user-{ts}")), "timestamp": iso(ts), "type": "user",
            "content": [{"text": text}]}


@dataclass
class Chat:
    """One session's replies, in time order."""

    session: str
    project: str
    start: float
    replies: list[Reply] = field(default_factory=list)

    def messages(self) -> list[dict]:
        out = []
        for reply in self.replies:
            out += [user_record(reply.ts - 5), reply.record(tool_calls=reply.tool > 0)]
        return out

    def document(self) -> dict:
        last = self.replies[-1].ts if self.replies else self.start
        return {"sessionId": self.session, "projectHash": self.project, "startTime": iso(self.start),
                "lastUpdated": iso(last), "messages": self.messages()}

    def write_json(self, path: Path) -> int:
        """The whole chat, as older releases rewrite it after every change; returns its size."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.document(), indent=2).encode()
        path.write_bytes(data)
        return len(data)

    def metadata(self) -> dict:
        return {"sessionId": self.session, "projectHash": self.project, "startTime": iso(self.start),
                "lastUpdated": iso(self.start)}

    def turn(self, reply: Reply) -> list[dict]:
        """The records one turn appends: the question, the reply before and after its tokens, the updates."""
        records = [user_record(reply.ts - 5), {"$set": {"lastUpdated": iso(reply.ts - 5)}},
                   reply.record(with_tokens=False), reply.record(), {"$set": {"lastUpdated": iso(reply.ts)}}]
        if reply.tool:
            records.append(reply.record(tool_calls=True))
        return records

    def jsonl(self, replies: list[Reply] | None = None, first: bool = True) -> bytes:
        records = [self.metadata()] if first else []
        for reply in self.replies if replies is None else replies:
            records += self.turn(reply)
        return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()

    def write_jsonl(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.jsonl()
        path.write_bytes(data)
        return len(data)

    def append(self, path: Path, reply: Reply) -> int:
        """A new turn appended to the chat's JSONL file; returns the bytes appended."""
        self.replies.append(reply)
        data = self.jsonl([reply], first=False)
        with open(path, "ab") as fh:
            fh.write(data)
        return len(data)


def random_reply(rng: random.Random, ts: float, model: str | None = None) -> Reply:
    """A reply with the shape of real coding-agent turns: a large, mostly cached prompt, small output."""
    prompt = rng.randint(8_000, 180_000)
    cached = rng.randint(0, prompt) if rng.random() < 0.7 else 0
    thoughts = rng.randint(0, 4_000) if rng.random() < 0.6 else 0
    tool = rng.randint(0, 900) if rng.random() < 0.3 else 0
    return Reply(str(uuid.UUID(int=rng.getrandbits(128))), ts, model or rng.choice(MODELS), prompt,
                 rng.randint(20, 3_000), cached, thoughts, tool, " ".join(rng.choices(WORDS, k=rng.randint(5, 60))))


@dataclass
class Tree:
    """What `generate` wrote: the replies that happened (each once) and the files that hold them."""

    replies: list[Reply]
    files: dict[str, Path]


def tmp_dir(gemini: Path) -> Path:
    return gemini / "tmp"


def chat_path(gemini: Path, project: str, chat: Chat, suffix: str) -> Path:
    stamp = time.strftime("%Y-%m-%dT%H-%M", time.gmtime(chat.start))
    return tmp_dir(gemini) / project / "chats" / f"session-{stamp}-{chat.session[:8]}{suffix}"


def generate(gemini: Path, times: list[float], seed: int = 7) -> Tree:
    """A ~/.gemini folder whose chats hold one reply at each of `times`, in every shape Gemini CLI writes.

    Old chats are whole JSON files, newer ones JSONL; one JSONL chat belongs to a subagent (a
    sub-folder named after its parent session); one old chat was resumed, so its JSONL copy repeats
    every message before adding its own; one chat was copied into another project folder; one
    JSONL chat was rewound (the rewound reply still counts: it was billed) and one re-states its
    messages in a `$set`. Beside chats/ lie files that are not chats. The tokens of every reply are
    in `Tree.replies`, once.
    """
    rng = random.Random(seed)
    projects = [project_hash(f"/home/dev/src/{name}") for name in ("shop-api", "infra", "notes")]
    replies = [random_reply(rng, ts) for ts in sorted(times)]
    replies[-3] = Reply(str(uuid.UUID(int=rng.getrandbits(128))), replies[-3].ts, UNKNOWN_MODEL, 1200, 80, 0, 30)
    replies[-1] = Reply(replies[-1].msg_id, replies[-1].ts, "gemini-2.5-pro", 250_000, 1500, 200_000, 900, 120)
    chats: list[Chat] = []
    for n, start in enumerate(range(0, len(replies), 4)):
        group = replies[start:start + 4]
        session = str(uuid.UUID(int=rng.getrandbits(128)))
        chats.append(Chat(session, projects[n % 2], group[0].ts - 30, list(group)))
    files = {}
    for n, chat in enumerate(chats):
        kind = ("json", "jsonl", "subagent")[n % 3]
        if kind == "subagent":
            path = tmp_dir(gemini) / chat.project / "chats" / chats[n - 1].session / f"{chat.session}.jsonl"
            files[f"chat{n}"] = path
            chat.write_jsonl(path)
        else:
            files[f"chat{n}"] = chat_path(gemini, chat.project, chat, "." + kind)
            chat.write_json(files[f"chat{n}"]) if kind == "json" else chat.write_jsonl(files[f"chat{n}"])
    _copies(gemini, chats, files, projects)
    _decoys(gemini, projects)
    return Tree(replies, files)


def _copies(gemini: Path, chats: list[Chat], files: dict[str, Path], projects: list[str]) -> None:
    """The same replies in other files: a resumed legacy chat, a copied chat, a rewind, a `$set` of messages."""
    legacy = chats[0]
    resumed = files["chat0"].with_suffix(".jsonl")  # Gemini CLI migrates a resumed .json chat to .jsonl
    legacy.write_jsonl(resumed)
    files["resumed"] = resumed
    backup = tmp_dir(gemini) / projects[2] / "chats" / files["chat1"].name
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_bytes(files["chat1"].read_bytes())
    files["backup"] = backup
    jsonl = files["chat1"]
    with open(jsonl, "ab") as fh:
        rewound = chats[1].replies[-1].msg_id
        fh.write((json.dumps({"$rewindTo": rewound}) + "\n").encode())
        fh.write((json.dumps({"$set": {"messages": chats[1].messages()[:-2]}}) + "\n").encode())


def _decoys(gemini: Path, projects: list[str]) -> None:
    """Files Gemini CLI keeps beside chats/: none of them is a chat, and tokens in them never count."""
    decoy = {"type": "gemini", "id": "decoy", "timestamp": iso(0), "model": "gemini-2.5-pro",
             "tokens": {"input": 10**6, "output": 10**6, "cached": 0, "thoughts": 0, "tool": 0, "total": 2 * 10**6}}
    for project in projects[:2]:
        folder = tmp_dir(gemini) / project
        (folder / "logs.json").write_text(json.dumps([{"sessionId": "s", "messageId": 0, "type": "user",
                                                       "message": "hi", "timestamp": iso(0)}]))
        (folder / "checkpoint-before-refactor.json").write_text(json.dumps([{"role": "model", "parts": [decoy]}]))
    (gemini / "settings.json").write_text(json.dumps({"security": {"auth": {"selectedType": "oauth-personal"}}}))
