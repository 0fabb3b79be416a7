"""OpenCode (local logs): spend and tokens from the messages OpenCode stores on this machine.

Options:
    paths: comma-separated OpenCode data folders; empty means $XDG_DATA_HOME/opencode, else
        ~/.local/share/opencode (default "")
Reports:
    spent and tokens today, this month and in the current 5-hour block (local time), in total and per
    model (a model without a price has tokens but no spend); headline spent today; notes: the block's
    hours, messages from models without a price (counted, not priced)
Needs:
    nothing: reads the message table of opencode.db and opencode-*.db in each folder (opened
    read-only, never locked; only rows changed since the last refresh) and the legacy
    storage/message/<session>/msg_*.json files (read again when they change); an index in tokseg's
    state folder remembers each input
Errors:
    ConfigError when none of the folders holds OpenCode's database or message folder
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from tokseg.errors import ConfigError
from tokseg.providers._base import Ctx, Run, Source
from tokseg.reading import Reading
from tokseg.sources import _spend
from tokseg.sources._index import Row, RowSource, ScanStats
from tokseg.sources._sqlite import SqliteTable
from tokseg.sources._whole import WholeFiles

NAME, TITLE = "opencode_logs", "OpenCode (local logs)"
SECRET = None
NO_MODEL = "(no model)"  # a reply whose record names no model: counted, priced only by OpenCode's own cost
# OpenCode's providerID -> the price table's provider id where the two names differ; any other id is
# looked up as it is, and one the table does not know leaves its rows unpriced (or at OpenCode's cost).
VENDORS = {
    "amazon-bedrock": "aws",
    "fireworks-ai": "fireworks",
    "google-vertex": "google",
    "google-vertex-anthropic": "anthropic",
    "togetherai": "together",
    "xai": "x-ai",
}
# The database's columns as bytes: a row OpenCode wrote with invalid UTF-8 must not stop the whole read.
COLUMNS = "CAST(id AS BLOB), CAST(session_id AS BLOB), CAST(data AS BLOB)"
# UNCONFIRMED: OpenCode's tables carry `time_updated` (ms), moved on every update of a row; where the
# table lacks it, every change reads the table again in full.
CURSOR = "time_updated"
MAX_COST = 1e6  # USD for one request: more is a corrupt field
MAX_MS = 1e14  # milliseconds since 1970, about the year 5138: more is a corrupt field
MAX_TEXT = 4096  # characters kept of a model, vendor, folder or session name (a path's limit): more is corrupt


@dataclass(frozen=True)
class Options:
    paths: str = ""


def folders(opts: Options, env: Mapping[str, str]) -> list[str]:
    """The data folders to read, per the option or XDG_DATA_HOME; those holding neither input are left out."""
    listed = opts.paths
    if not listed.strip():
        listed = (env.get("XDG_DATA_HOME", "").strip() or "~/.local/share") + "/opencode"
    found = [f for f in _spend.split_paths(listed, env) if databases(f) or os.path.isdir(_messages(f))]
    if not found:
        raise ConfigError(f"no OpenCode messages: none of {listed} holds opencode.db or storage/message/; "
                          "set the account's `paths` option (comma-separated) or XDG_DATA_HOME")
    return found


def databases(folder: str) -> list[str]:
    """opencode.db and the opencode-*.db beside it (not their -wal and -shm)."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n == "opencode.db" or n.startswith("opencode-") and
            n.endswith(".db")]


def _messages(folder: str) -> str:
    return os.path.join(folder, "storage", "message")


def legacy_files(folder: str) -> list[str]:
    """storage/message/<session>/msg_*.json: one message per file, as OpenCode wrote them before its database."""
    root, out = _messages(folder), list[str]()
    try:
        sessions = sorted(entry.path for entry in os.scandir(root) if entry.is_dir())
    except OSError:
        return []
    for session in sessions:
        try:
            names = sorted(e.name for e in os.scandir(session) if e.name.startswith("msg_")
                           and e.name.endswith(".json"))
        except OSError:
            continue
        out.extend(os.path.join(session, name) for name in names)
    return out


def parse_record(record: tuple) -> list[Row]:
    """One row of the message table (id, session_id, data JSON without the two) → at most one row."""
    msg_id, session, data = (_text(value) for value in record)
    try:
        message = json.loads(data)
    except ValueError:
        return []
    row = _row(message, msg_id, session)
    return [row] if row is not None else []


def parse_file(data: bytes, path: str) -> list[Row]:
    """A legacy message file (JSON with its own id and sessionID); raises ValueError while half-written."""
    message = json.loads(data)
    if not isinstance(message, dict):
        return []
    session = message.get("sessionID")
    row = _row(message, message.get("id"), session if isinstance(session, str) else "")
    return [row] if row is not None else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


def _row(message: object, msg_id: object, session: str) -> Row | None:
    """An assistant message's usage in the price table's terms; anything else gives no row.

    OpenCode's `input` is the uncached part (it takes cache reads and writes out) and it prices
    `reasoning` at the output rate on top of `output` (newer builds take it out of the vendor's output
    count; UNCONFIRMED whether every older one did): billed output is both, as genai_prices.extract_usage
    reads the vendors' own output counts, reasoning included. Cache writes have no lifetime: 5-minute.
    """
    if not isinstance(message, dict) or message.get("role") != "assistant":
        return None
    tokens = message.get("tokens")
    if not isinstance(tokens, dict):
        return None
    cache = _dict(tokens.get("cache"))
    uncached, read, write = _spend.count(tokens.get("input")), _spend.count(cache.get("read")), _spend.count(
        cache.get("write"))
    output = _spend.count(tokens.get("output")) + _spend.count(tokens.get("reasoning"))
    total = uncached + read + write + output
    times = _dict(message.get("time"))
    ts = _ms(times.get("created"))
    if not total or ts is None:
        return None
    model, vendor = _model(message)
    key = msg_id if isinstance(msg_id, str) and msg_id else _said(message, session)
    done = _ms(times.get("completed")) is not None
    return Row(key, ts, vendor, model, uncached, read, write, 0, output, total * 2 + done, 0, _project(message),
               session[:MAX_TEXT], logged_cost=_cost(message.get("cost")))


def _model(message: dict) -> tuple[str, str]:
    """(model, vendor): modelID and providerID, or the `model` object some records carry instead."""
    model, provider = message.get("modelID"), message.get("providerID")
    nested = _dict(message.get("model"))
    model = model if isinstance(model, str) and model else nested.get("modelID")
    provider = provider if isinstance(provider, str) and provider else nested.get("providerID")
    model = model[:MAX_TEXT] if isinstance(model, str) and model else NO_MODEL
    provider = provider[:MAX_TEXT] if isinstance(provider, str) else ""
    return model, VENDORS.get(provider, provider)


def _project(message: dict) -> str:
    """The working directory OpenCode ran in (`path.cwd`, else the project root `path.root`); "" if unknown."""
    path = message.get("path")
    if not isinstance(path, dict):
        return ""
    for name in ("cwd", "root"):
        value = path.get(name)
        if isinstance(value, str) and value:
            return value[:MAX_TEXT]
    return ""


def _ms(value: object) -> float | None:
    """Epoch milliseconds → seconds; None for anything that is not a plausible time."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < MAX_MS:
        return None
    return value / 1000


def _cost(value: object) -> float:
    """OpenCode's own USD figure; 0 ("none") when missing, odd, or 0 as OpenCode writes for a model it cannot price."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return float(value) if 0 < value < MAX_COST else 0.0


def _said(message: dict, session: str) -> str:
    """A key for a message without an id (none seen so far): what it says, which its copies share."""
    said = json.dumps([session, message.get("time"), message.get("modelID"), message.get("tokens")], sort_keys=True,
                      default=str)
    return "sha1:" + hashlib.sha1(said.encode()).hexdigest()


def readers(opts: Options, env: Mapping[str, str]) -> list[RowSource]:
    """Each folder's databases and legacy files; a message in both (migrated) counts once, by its id."""
    found = folders(opts, env)
    dbs = [path for folder in found for path in databases(folder)]
    legacy = [path for folder in found for path in legacy_files(folder)]
    # A message OpenCode deletes (a deleted session, a reverted turn) was billed all the same: it keeps counting.
    return [SqliteTable(dbs, "message", COLUMNS, parse_record, cursor=CURSOR, optional_cursor=True, keep_deleted=True),
            WholeFiles(legacy, parse_file)]


def run(ctx: Ctx[Options]) -> tuple[Reading, ScanStats]:
    return _spend.run(ctx.account, NAME, readers(ctx.options, dict(ctx.env)), ctx.now())


def fetch(ctx: Ctx[Options]) -> Reading:
    return run(ctx)[0]


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The OpenCode data folder (XDG_DATA_HOME's, else ~/.local/share/opencode) when it holds messages."""
    try:
        found = folders(Options(), env)
    except ConfigError:
        return []
    return [Source("OpenCode messages (spend)", ", ".join(found), NAME, "opencode-logs")]
