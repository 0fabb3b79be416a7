"""Amp (local logs): spend and tokens from the threads the Amp CLI saves.

Options:
    paths: comma-separated Amp data folders (~/.local/share/amp) or their threads/ folders; empty means
        AMP_DATA_DIR when set, else $XDG_DATA_HOME/amp (~/.local/share/amp) (default "")
Reports:
    spent and tokens today, this month and in the current 5-hour block (local time), in total and per
    model, each request priced by its model's vendor (claude-* Anthropic, gpt-* and o* OpenAI, gemini-*
    Google; any other model has tokens but no spend); headline spent today; notes: the block's hours,
    requests from models without a price (counted, not priced), requests known only from a thread's
    usage ledger (no cache split), requests without a time of their own (dated at their thread's start)
Needs:
    nothing: reads threads/T-*.json under each folder (a thread is rewritten whole as it grows: read
    again when it changes); an index in tokseg's state folder remembers each file
Errors:
    ConfigError when none of the folders holds a threads/ folder

The thread format is reverse-engineered (UNCONFIRMED): `id` (T-<uuid>), `created` (epoch ms),
`env.initial.trees[].uri` (the workspace, a file:// URI), `messages[]` whose assistant turns carry
`messageId` and `usage{model, timestamp, inputTokens, outputTokens, cacheCreationInputTokens,
cacheReadInputTokens, totalInputTokens}`, and `usageLedger.events[]` of `{timestamp, model, credits,
tokens{input, output}, toMessageId}`. Every field is read as "may be missing or odd".

What counts once. A message's `usage` is the record of its request: it has the cache split the
price needs. A ledger event counts only where no message says the same: when it names a message
(`toMessageId`) that has no usage, or names none and no message of the thread has usage. A request
is keyed by what every copy of it says - model, the usage's own timestamp and its prompt counts - not
by thread or file: a copied thread file and a fork (a new thread that starts with a copy of its
parent's messages) hold the same usage records, so their requests count once, and the new messages
of a fork have times of their own. A usage without a timestamp falls back to thread id and message
id: a copied file still counts once, a fork's copy of such a message would count again (none seen).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from tokseg.errors import ConfigError
from tokseg.providers._base import Ctx, Run, Source
from tokseg.reading import Reading
from tokseg.sources import _spend
from tokseg.sources._index import Row, ScanStats
from tokseg.sources._spend import Flag
from tokseg.sources._whole import WholeFiles

NAME, TITLE = "amp_logs", "Amp (local logs)"
SECRET = None
NO_MODEL = "(no model)"  # a usage naming no model: counted, never priced
UNKNOWN_VENDOR = "unknown"  # a model of no vendor tokseg knows: its price table is empty, so it is shown unpriced
FLAG_UNDATED, FLAG_LEDGER = 1, 2
FLAGS = (Flag(FLAG_UNDATED, "{n} Amp {noun} without a time of their own, dated at their thread's start", "request"),
         Flag(FLAG_LEDGER, "{n} Amp {noun} from a thread's usage ledger, without a cache split: "
                           "all input priced as uncached", "request"))
_OPENAI = re.compile(r"(gpt-|o\d)")


@dataclass(frozen=True)
class Options:
    paths: str = ""


def roots(opts: Options, env: Mapping[str, str]) -> list[str]:
    """The threads/ folders to read, per the option, AMP_DATA_DIR (UNCONFIRMED: the CLI's own override), or XDG."""
    xdg = env.get("XDG_DATA_HOME", "").strip() or "~/.local/share"
    listed = opts.paths or env.get("AMP_DATA_DIR", "").strip() or f"{xdg}/amp"
    found: dict[str, str] = {}
    for folder in _spend.split_paths(listed, env):
        threads = os.path.join(folder, "threads")
        if not os.path.isdir(threads):
            threads = folder if os.path.basename(os.path.normpath(folder)) == "threads" else ""
        if threads and os.path.isdir(threads):
            found.setdefault(os.path.realpath(threads), threads)
    if not found:
        raise ConfigError(f"no Amp threads: none of {listed} holds a threads/ folder; "
                          "set the account's `paths` option (comma-separated) or AMP_DATA_DIR")
    return list(found.values())


def threads(folder: str) -> list[str]:
    """The thread files in a threads/ folder (T-<id>.json); temporary and other files beside them are not threads."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return []
    return [os.path.join(folder, name) for name in names if name.startswith("T-") and name.endswith(".json")]


def files(opts: Options, env: Mapping[str, str]) -> list[str]:
    return [path for root in roots(opts, env) for path in threads(root)]


def vendor(model: str) -> str:
    """The price table a model's name points to; Amp routes to several vendors and logs only the model."""
    name = model.rsplit("/", 1)[-1].lower()
    if name.startswith("claude"):
        return "anthropic"
    if _OPENAI.match(name):
        return "openai"
    if name.startswith("gemini"):
        return "google"
    return UNKNOWN_VENDOR


def when(value: object) -> float | None:
    """A time as Amp writes it: ISO-8601 text, or a number of epoch milliseconds (`created`); None when odd."""
    if isinstance(value, str):
        return _spend.epoch(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 < value < 1e14:
        return value / 1000
    return None


def parse_thread(data: bytes, path: str) -> list[Row]:
    """A whole thread → one row per request with tokens (see the module docstring for which record counts).

    Raises ValueError while the file is half-written; the index then keeps its last rows.
    """
    thread = json.loads(data)
    if not isinstance(thread, dict):
        return []
    session = thread["id"] if isinstance(thread.get("id"), str) else ""
    context = (session, project(thread.get("env")), when(thread.get("created")))
    messages = thread.get("messages")
    rows, with_usage = [], set()
    for n, message in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and isinstance(message.get("usage"), dict):
            with_usage.add(_message_id(message.get("messageId")))
            row = _message_row(message, n, context)
            if row is not None:
                rows.append(row)
    ledger = thread.get("usageLedger")
    events = ledger.get("events") if isinstance(ledger, dict) else None
    for n, event in enumerate(events if isinstance(events, list) else []):
        if isinstance(event, dict) and _ledger_counts(event, with_usage):
            row = _ledger_row(event, n, context)
            if row is not None:
                rows.append(row)
    return rows


def project(env: object) -> str:
    """The thread's workspace folder: the first file:// tree of `env.initial.trees` (UNCONFIRMED), else ""."""
    initial = env.get("initial") if isinstance(env, dict) else None
    trees = initial.get("trees") if isinstance(initial, dict) else None
    for tree in trees if isinstance(trees, list) else []:
        uri = tree.get("uri") if isinstance(tree, dict) else None
        if isinstance(uri, str) and uri.startswith("file://"):
            return unquote(urlparse(uri).path)
    return ""


def _message_id(value: object) -> str | None:
    return str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def _model(value: object) -> str:
    return value if isinstance(value, str) and value else NO_MODEL


def _ledger_counts(event: dict, with_usage: set[str | None]) -> bool:
    """An event counts unless a message's usage already does: the one it names, or any when it names none."""
    target = _message_id(event.get("toMessageId"))  # UNCONFIRMED: seen in Amp's credit ledger
    return target not in with_usage if target is not None else not with_usage


def uncached(usage: dict, read: int, write: int) -> int:
    """Input tokens outside the cache.

    Amp's `inputTokens` follows Anthropic's usage fields (which genai-prices reads as excluding cache
    reads and writes): threads as other readers show them have `totalInputTokens` = input + cache read +
    cache write.
    UNCONFIRMED for every model Amp routes to, so a record whose `totalInputTokens` equals its
    `inputTokens` while it holds cache tokens counted them in the input, and they are taken out.
    """
    raw = _spend.count(usage.get("inputTokens"))
    total = _spend.count(usage.get("totalInputTokens"))
    if read + write and total == raw and raw >= read + write:
        return raw - read - write
    return raw


def _message_row(message: dict, n: int, context: tuple[str, str, float | None]) -> Row | None:
    session, folder, created = context
    usage = message["usage"]
    read, write = _spend.count(usage.get("cacheReadInputTokens")), _spend.count(usage.get("cacheCreationInputTokens"))
    fresh, output = uncached(usage, read, write), _spend.count(usage.get("outputTokens"))
    total = fresh + read + write + output
    stamp = usage.get("timestamp")
    ts, flags = when(stamp), 0
    if ts is None:
        ts, flags = created, FLAG_UNDATED
    if not total or ts is None:
        return None
    model = _model(usage.get("model"))
    if flags:
        key = _undated_key(session, _message_id(message.get("messageId")) or f"at{n}", usage)
    else:  # the prompt's counts are fixed when the request starts; only the output grows while it streams
        key = f"{model}@{stamp}/{_spend.count(usage.get('inputTokens'))}/{read}/{write}"
    return Row(key, ts, vendor(model), model, fresh, read, write, 0, output, total, flags, folder, session)


def _ledger_row(event: dict, n: int, context: tuple[str, str, float | None]) -> Row | None:
    """A ledger event's tokens, all input as uncached: the ledger has no cache split (UNCONFIRMED whether its
    input includes cached tokens; if it does, this prices it high, and the notes say so)."""
    session, folder, created = context
    tokens = event.get("tokens")
    if not isinstance(tokens, dict):
        return None
    fresh, output = _spend.count(tokens.get("input")), _spend.count(tokens.get("output"))
    stamp = event.get("timestamp")
    ts, flags = when(stamp), FLAG_LEDGER
    if ts is None:
        ts, flags = created, FLAG_LEDGER | FLAG_UNDATED
    if not fresh + output or ts is None:
        return None
    model = _model(event.get("model"))
    key = "ledger:" + (_undated_key(session, str(n), event) if flags & FLAG_UNDATED else f"{model}@{stamp}/{fresh}")
    return Row(key, ts, vendor(model), model, fresh, 0, 0, 0, output, fresh + output, flags, folder, session)


def _undated_key(session: str, ident: str, record: dict) -> str:
    """Thread id and message id (or place); a thread without an id is keyed by what the record says."""
    if session:
        return f"{session}#{ident}"
    said = json.dumps(record, sort_keys=True, default=str)
    return f"sha1:{hashlib.sha1(said.encode()).hexdigest()}#{ident}"


def run(ctx: Ctx[Options]) -> tuple[Reading, ScanStats]:
    readers = [WholeFiles(files(ctx.options, dict(ctx.env)), parse_thread)]
    return _spend.run(ctx.account, NAME, readers, ctx.now(), FLAGS)


def fetch(ctx: Ctx[Options]) -> Reading:
    return run(ctx)[0]


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The threads/ folders holding Amp threads ($AMP_DATA_DIR, else $XDG_DATA_HOME/amp), as one source."""
    try:
        found = [root for root in roots(Options(), env) if threads(root)]
    except ConfigError:
        return []
    return [Source("Amp threads (spend)", ", ".join(found), NAME, "amp-logs")] if found else []
