"""Claude Code (local logs): spend and tokens from Claude Code's session transcripts.

Options:
    paths: comma-separated Claude config folders (or their `projects` folders); empty means the
        CLAUDE_CONFIG_DIR list when set, else $XDG_CONFIG_HOME/claude (~/.config/claude) and ~/.claude
        (default "")
Reports:
    spent and tokens today, this month and in the current 5-hour block (local time), in total and per
    model (a model without a price has tokens but no spend); headline spent today; notes: the block's
    hours, requests from models without a price (counted, not priced), fast-mode requests (priced at
    standard rates)
Needs:
    nothing: reads projects/**/*.jsonl under each folder; an index in tokseg's state folder
    remembers how far each file was read
Errors:
    ConfigError when none of the folders exists
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from tokseg.errors import ConfigError
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._subscription import env_dirs, user_home
from tokseg.reading import Reading
from tokseg.sources import _spend
from tokseg.sources._index import Row, ScanStats
from tokseg.sources._spend import Flag
from tokseg.sources._tail import JsonlFiles, walk

NAME, TITLE = "claude_logs", "Claude Code (local logs)"
SECRET = None
SIDECHAIN_RANK = 1 << 60  # a main-thread copy of a message always beats a sidechain replay
VENDOR = "anthropic"  # the price table every row is priced by
FLAG_FAST = 1
FLAGS = (Flag(FLAG_FAST, "{n} fast-mode {noun} priced at standard rates", "message"),)
_decode = json.JSONDecoder().decode


@dataclass(frozen=True)
class Options:
    paths: str = ""


def roots(opts: Options, env: dict) -> list[str]:
    """The `projects` folders to read, per the option, CLAUDE_CONFIG_DIR, or the two defaults."""
    listed = opts.paths or env.get("CLAUDE_CONFIG_DIR", "")
    if not listed.strip():
        xdg = env.get("XDG_CONFIG_HOME", "").strip() or "~/.config"
        listed = f"{xdg}/claude,~/.claude"
    found = []
    for folder in _spend.split_paths(listed, env):
        projects = os.path.join(folder, "projects")
        if os.path.isdir(projects):
            found.append(projects)
        elif os.path.basename(os.path.normpath(folder)) == "projects" and os.path.isdir(folder):
            found.append(folder)
    if not found:
        raise ConfigError(f"no Claude Code logs: none of {listed} holds a projects/ folder; "
                          "set the account's `paths` option (comma-separated) or CLAUDE_CONFIG_DIR")
    return found


def files(opts: Options, env: dict) -> list[str]:
    return [path for root in roots(opts, env) for path in walk(root)]


def parse(line: bytes, state: dict) -> list[Row]:
    """One transcript line → at most one row: assistant lines with token usage.

    Claude Code writes one row per content block of a streamed reply, each
    repeating the message id with a growing output count, and copies messages
    into resumed sessions and sidechains. Every copy is stored under the
    message id (the request id is not part of the key: sidechain replays
    carry a new one and some endpoints omit it, reference B1); the copy that
    wins is a main-thread one, then the one with most tokens - the final row.
    """
    if b'"usage"' not in line:
        return []
    try:
        entry = _loads(line)
    except ValueError:
        return []
    if not isinstance(entry, dict) or entry.get("type") != "assistant":
        return []
    message = entry.get("message")
    if not isinstance(message, dict):
        return []
    usage = message.get("usage")
    if not isinstance(usage, dict):
        return []
    model = message.get("model")
    ts = _spend.epoch(entry.get("timestamp"))
    if not isinstance(model, str) or not model or model == "<synthetic>" or ts is None:
        return []
    count, get = _spend.count, usage.get
    uncached, output = count(get("input_tokens")), count(get("output_tokens"))
    read = count(get("cache_read_input_tokens"))
    write_5m, write_1h = _writes(usage, count(get("cache_creation_input_tokens")))
    total = uncached + read + output + write_5m + write_1h
    if not total:
        return []
    key = message.get("id") or entry.get("uuid") or "line:" + hashlib.sha1(line).hexdigest()
    sidechain = entry.get("isSidechain") is True
    fast = get("speed") == "fast" or message.get("speed") == "fast"
    score = (0 if sidechain else SIDECHAIN_RANK) + total * 2 + fast
    flags = FLAG_FAST if fast else 0
    text = _spend.text
    return [Row(str(key), ts, VENDOR, model, uncached, read, write_5m, write_1h, output, score, flags,
                project=text(entry.get("cwd")), session=text(entry.get("sessionId")),
                branch=text(entry.get("gitBranch")))]


def _loads(line: bytes) -> object:
    """`json.loads(line)`, skipping its encoding sniffing for the usual line: one that opens an object in UTF-8."""
    if line[:1] == b"{" and line[1:2] != b"\0":
        return _decode(line.decode("utf-8", "surrogatepass"))
    return json.loads(line)


def _writes(usage: dict, total: int) -> tuple[int, int]:
    """Cache writes split by lifetime; without the split (older builds) all are 5-minute writes."""
    split = usage.get("cache_creation")
    if not isinstance(split, dict):
        return total, 0
    five = _spend.count(split.get("ephemeral_5m_input_tokens"))
    hour = _spend.count(split.get("ephemeral_1h_input_tokens"))
    return five + max(0, total - five - hour), hour


def run(ctx: Ctx[Options]) -> tuple[Reading, ScanStats]:
    env = dict(ctx.env)
    return _spend.run(ctx.account, NAME, [JsonlFiles(files(ctx.options, env), parse)], ctx.now(), FLAGS)


def fetch(ctx: Ctx[Options]) -> Reading:
    return run(ctx)[0]


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The projects/ folders of Claude Code's config folders, as one source (the reader reads them all)."""
    home = user_home(env)
    defaults = [os.path.join(home, ".claude"), os.path.join(home, ".config", "claude")]
    folders = env_dirs(env, "CLAUDE_CONFIG_DIR") or defaults
    logs = [os.path.join(f, "projects") for f in folders if os.path.isdir(os.path.join(f, "projects"))]
    return [Source("Claude Code session logs (spend)", ", ".join(logs), NAME, "claude-logs")] if logs else []
