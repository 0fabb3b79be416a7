"""Gemini CLI (local logs): spend and tokens from the chats Gemini CLI saves.

Options:
    paths: comma-separated Gemini folders (~/.gemini) or their tmp/ folders; empty means the
        GEMINI_DATA_DIR list when set, else ~/.gemini (default "")
Reports:
    spent and tokens today, this month and in the current 5-hour block (local time), in total and per
    model (a model without a price has tokens but no spend); headline spent today; notes: the block's
    hours, messages from models without a price (counted, not priced), messages without a time of their
    own (dated at their chat's start)
Needs:
    nothing: reads tmp/<project>/chats/**/*.json (chats rewritten whole: read again when they change)
    and **/*.jsonl (chats appended to: only new bytes are read) under each folder; an index in tokseg's
    state folder remembers each file
Errors:
    ConfigError when none of the folders exists
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tokseg.errors import ConfigError
from tokseg.providers._base import Ctx, Run, Source
from tokseg.reading import Reading
from tokseg.sources import _spend
from tokseg.sources._index import Row, RowSource, ScanStats, Stamp, Update
from tokseg.sources._spend import Flag
from tokseg.sources._tail import JsonlFiles, walk
from tokseg.sources._whole import WholeFiles

NAME, TITLE = "gemini_logs", "Gemini CLI (local logs)"
SECRET = None
VENDOR = "google"  # the price table every row is priced by
PROJECT_ROOT_FILE = ".project_root"  # beside a project's chats/: the folder Gemini CLI ran in
NO_MODEL = "(no model)"  # a reply whose record names no model: counted, never priced
WANTED = (b'"tokens"', b'"sessionId"', b'"startTime"')  # lines without these carry nothing to count
FLAG_UNDATED = 1
FLAGS = (Flag(FLAG_UNDATED, "{n} Gemini {noun} without a time of their own, dated at their chat's start",
              "message"),)


@dataclass(frozen=True)
class Options:
    paths: str = ""


def tmp_folder(folder: str) -> str | None:
    """The folder holding <project>/chats/: a Gemini folder's tmp/, or the folder itself when it is that."""
    tmp = os.path.join(folder, "tmp")
    if os.path.isdir(tmp):
        return tmp
    return folder if os.path.isdir(folder) else None


def roots(opts: Options, env: Mapping[str, str]) -> list[str]:
    """The tmp/ folders to read, per the option, GEMINI_DATA_DIR, or ~/.gemini; each once."""
    listed = opts.paths or env.get("GEMINI_DATA_DIR", "") or "~/.gemini"
    found: dict[str, str] = {}
    for folder in _spend.split_paths(listed, env):
        root = tmp_folder(folder)
        if root is not None:
            found.setdefault(os.path.realpath(root), root)
    if not found:
        raise ConfigError(f"no Gemini CLI chats: none of {listed} exists; "
                          "set the account's `paths` option (comma-separated) or GEMINI_DATA_DIR")
    return list(found.values())


def chat_folders(root: str) -> list[str]:
    """Each project's chats/ folder under a tmp/ folder (its other files - logs, checkpoints - are not chats)."""
    try:
        projects = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    except OSError:
        return []
    return [chats for name in projects if os.path.isdir(chats := os.path.join(root, name, "chats"))]


def files(opts: Options, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(whole JSON chats, appended JSONL chats) of every project; a subagent's chat sits in a sub-folder."""
    folders = [chats for root in roots(opts, env) for chats in chat_folders(root)]
    return [p for f in folders for p in walk(f, ".json")], [p for f in folders for p in walk(f, ".jsonl")]


def parse_chat(data: bytes, path: str) -> list[Row]:
    """A whole chat (JSON: sessionId, startTime, messages[]) → one row per Gemini reply with tokens.

    Raises ValueError while the file is half-written; the index then keeps its last rows.
    """
    chat = json.loads(data)
    if not isinstance(chat, dict):
        return []
    session = chat.get("sessionId") if isinstance(chat.get("sessionId"), str) else None
    return _rows(chat.get("messages"), session, _spend.epoch(chat.get("startTime")))


def parse_line(line: bytes, state: dict) -> list[Row]:
    """One record of an appended chat (JSONL) → its rows; `state` keeps the session id and start.

    The first record holds the session's id and start, `$set` records change them (and may carry
    the whole message list); a message is appended again each time it changes - with its tokens once
    the reply is done, with its tool calls after - and every copy has the same key, so it counts
    once. A `$rewindTo` record hides messages in the chat, but their requests were made and billed:
    they still count.
    """
    if not any(marker in line for marker in WANTED):
        return []
    try:
        record = json.loads(line)
    except ValueError:
        return []
    if not isinstance(record, dict):
        return []
    update = record.get("$set")
    if isinstance(update, dict):
        _remember(state, update)
        return _rows(update.get("messages"), state.get("session"), state.get("start"))
    if isinstance(record.get("id"), str):
        return _rows([record], state.get("session"), state.get("start"))
    _remember(state, record)
    return []


def _remember(state: dict, record: dict) -> None:
    if isinstance(record.get("sessionId"), str) and record["sessionId"]:
        state["session"] = record["sessionId"]
    start = _spend.epoch(record.get("startTime"))
    if start is not None:
        state["start"] = start


def _rows(messages: object, session: str | None, start: float | None) -> list[Row]:
    if not isinstance(messages, list):
        return []
    return [row for message in messages if (row := _row(message, session, start)) is not None]


def _row(message: object, session: str | None, start: float | None) -> Row | None:
    """A Gemini reply's usage, in the price table's terms.

    `input` (Google's promptTokenCount) includes the `cached` tokens; `tool` (toolUsePromptTokenCount)
    is more input and `thoughts` more output, billed at the output rate: as genai-prices reads
    Google's own usage fields.
    """
    if not isinstance(message, dict) or message.get("type") != "gemini":
        return None
    tokens = message.get("tokens")
    if not isinstance(tokens, dict):
        return None
    prompt, cached = _spend.count(tokens.get("input")), _spend.count(tokens.get("cached"))
    read = min(cached, prompt)
    uncached = prompt - read + _spend.count(tokens.get("tool"))
    output = _spend.count(tokens.get("output")) + _spend.count(tokens.get("thoughts"))
    total = uncached + read + output
    ts, flags = _spend.epoch(message.get("timestamp")), 0
    if ts is None:
        ts, flags = start, FLAG_UNDATED
    if not total or ts is None:
        return None
    model = message.get("model")
    model = model if isinstance(model, str) and model else NO_MODEL
    return Row(_key(message, session, model, tokens), ts, VENDOR, model, uncached, read, 0, 0, output, total, flags,
               session=session or "")


def _key(message: dict, session: str | None, model: str, tokens: dict) -> str:
    """Session and message id: the same in every copy (a resumed chat's .jsonl, a chat copied elsewhere).

    A message without an id (none seen so far) is keyed by what it says, which the copies share too.
    """
    found = message.get("id")
    if isinstance(found, str) and found:
        return f"{session or ''}/{found}"
    said = json.dumps([message.get("timestamp"), model, tokens], sort_keys=True, default=str)
    return f"{session or ''}/sha1:{hashlib.sha1(said.encode()).hexdigest()}"


def project_root(chat: str) -> str:
    """The folder a chat was made in, from the `.project_root` file Gemini CLI keeps beside its project's
    chats/ folder; "" when there is none (UNCONFIRMED: older versions name the folder by a hash of it only)."""
    folder = os.path.dirname(chat)
    while os.path.basename(folder) != "chats" and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        with open(os.path.join(os.path.dirname(folder), PROJECT_ROOT_FILE), "rb") as fh:
            return _spend.text(fh.read(_spend.MAX_TEXT).decode("utf-8", "replace").strip())
    except OSError:
        return ""


@dataclass(frozen=True)
class InProject:
    """A reader whose rows take their project from the chat's folder: the chat records do not name it."""

    reader: RowSource

    @property
    def kind(self) -> str:
        return self.reader.kind

    @property
    def paths(self) -> Sequence[str]:
        return self.reader.paths

    def read(self, path: str, known: Stamp | None, stats: ScanStats) -> Update | None:
        update = self.reader.read(path, known, stats)
        if update is None:
            return None
        project = project_root(path)
        # Of two equal copies (a chat copied into another project's folder), one whose folder is known wins.
        rows = [row._replace(project=project, score=row.score * 2 + bool(project)) for row in update.rows]
        return update._replace(rows=rows)


def run(ctx: Ctx[Options]) -> tuple[Reading, ScanStats]:
    whole, appended = files(ctx.options, dict(ctx.env))
    readers: list[RowSource] = [InProject(WholeFiles(whole, parse_chat)), InProject(JsonlFiles(appended, parse_line))]
    return _spend.run(ctx.account, NAME, readers, ctx.now(), FLAGS)


def fetch(ctx: Ctx[Options]) -> Reading:
    return run(ctx)[0]


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The tmp/ folders holding Gemini CLI chats ($GEMINI_DATA_DIR's list, else ~/.gemini), as one source."""
    try:
        found = [root for root in roots(Options(), env) if chat_folders(root)]
    except ConfigError:
        return []
    return [Source("Gemini CLI chats (spend)", ", ".join(found), NAME, "gemini-logs")] if found else []
