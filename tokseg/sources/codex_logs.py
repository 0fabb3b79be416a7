"""Codex (local logs): spend and tokens from Codex CLI's rollout files.

Options:
    paths: comma-separated Codex homes; empty means the CODEX_HOME list when set, else ~/.codex
        (default "")
Reports:
    spent and tokens today, this month and in the current 5-hour block (local time), in total and per
    model (a model without a price has tokens but no spend); headline spent today; notes: the block's
    hours, events from models without a price, events whose log names no model (priced as gpt-5, as
    Codex's first logs did)
Needs:
    nothing: reads sessions/**/*.jsonl and archived_sessions/*.jsonl under each home; an index in
    tokseg's state folder remembers how far each file was read and each counter's running total
Errors:
    ConfigError when none of the homes holds sessions
"""

from __future__ import annotations

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

NAME, TITLE = "codex_logs", "Codex (local logs)"
SECRET = None
COUNTERS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")
WANTED = (b'"token_count"', b'"turn_context"', b'"session_meta"')
VENDOR = "openai"  # the price table every row is priced by
FALLBACK_MODEL = "gpt-5"  # Codex logs from before `turn_context` existed (reference B2)
FLAG_GUESSED_MODEL = 1
FLAGS = (Flag(FLAG_GUESSED_MODEL, f"{{n}} Codex {{noun}} without a model priced as {FALLBACK_MODEL}", "event"),)


@dataclass(frozen=True)
class Options:
    paths: str = ""


def files(opts: Options, env: dict) -> list[str]:
    """Rollouts of every home; an archived copy of a file still in sessions/ is left out."""
    listed = opts.paths or env.get("CODEX_HOME", "") or "~/.codex"
    found, any_home = [], False
    for home in _spend.split_paths(listed, env):
        live = walk(os.path.join(home, "sessions"))
        archived = walk(os.path.join(home, "archived_sessions"))
        any_home = any_home or os.path.isdir(os.path.join(home, "sessions")) or bool(archived)
        names = {os.path.basename(p) for p in live}
        found.extend(live + [p for p in archived if os.path.basename(p) not in names])
    if not any_home:
        raise ConfigError(f"no Codex logs: none of {listed} holds sessions/; "
                          "set the account's `paths` option (comma-separated) or CODEX_HOME")
    return found


def parse(line: bytes, state: dict) -> list[Row]:
    """One rollout line → the usage it adds, if any.

    `token_count` events carry the thread's running total, often re-emitted
    unchanged, and a forked or subagent thread starts by replaying its
    parent's events in one burst. So per counter ("lane": the rate-limit id)
    only increases of the total count; a replay burst only sets the starting
    total; a total that goes backwards counts again only once it grows from
    the lower value (a reset, whose own last request is then counted) - if
    it comes back above the old total it was a stale event. Rows are keyed by
    the running total, so the same event copied into another file is
    counted once (the smaller increase wins). The lane is not part of that key:
    an event without rate limits inherits the previous event's lane, which a
    copy may not have.
    """
    if not any(marker in line for marker in WANTED):
        return []
    try:
        entry = json.loads(line)
    except ValueError:
        return []
    payload = entry.get("payload") if isinstance(entry, dict) else None
    if not isinstance(payload, dict):
        return []
    kind = entry.get("type")
    if kind in ("session_meta", "turn_context"):
        _remember(kind, payload, state)
        return []
    if kind != "event_msg" or payload.get("type") != "token_count" or not isinstance(payload.get("info"), dict):
        return []
    info = payload["info"]
    total, ts = _vector(info.get("total_token_usage")), _spend.epoch(entry.get("timestamp"))
    if total is None or ts is None:
        return []
    limits = payload.get("rate_limits")
    lane = limits.get("limit_id") if isinstance(limits, dict) and isinstance(limits.get("limit_id"), str) else None
    lane = state["lane"] = lane or state.get("lane") or "default"
    lanes = state.setdefault("lanes", {})
    if state.get("fork") and state.get("burst", int(ts)) == int(ts):
        state["burst"] = int(ts)
        lanes[lane] = {"hwm": total}  # the parent's history: a baseline, not new usage
        return []
    state["burst"] = -1
    steps = _advance(lanes, lane, total, _vector(info.get("last_token_usage")))
    model, flags = _model(payload, info, state)
    where = state.get("where") or ["", "", ""]
    return [_row(at, delta, ts, model, flags, where) for at, delta in steps]


def _remember(kind: str, payload: dict, state: dict) -> None:
    """What later events inherit: the session's fork status, model and [working directory, id, git branch]."""
    if kind == "session_meta":
        state["fork"] = bool(payload.get("forked_from_id")) or _spawned(payload.get("source"))
        git = payload.get("git")
        state["where"] = [_spend.text(payload.get("cwd")), _spend.text(payload.get("id")),
                          _spend.text(git.get("branch")) if isinstance(git, dict) else ""]
        return
    if isinstance(payload.get("model"), str) and payload["model"]:
        state["model"] = payload["model"]
    if _spend.text(payload.get("cwd")):  # a turn may run elsewhere than the session began
        state.setdefault("where", ["", "", ""])[0] = _spend.text(payload.get("cwd"))


def _advance(lanes: dict, lane: str, total: list[int], last: list[int] | None) -> list[tuple[list[int], list[int]]]:
    """(running total, increase) pairs this event adds to `lane`; updates the lane's marks."""
    mark = lanes.get(lane)
    if mark is None:
        lanes[lane] = {"hwm": total}
        return [(total, total)]
    hwm, low = mark["hwm"], mark.get("low")
    if total in (hwm, low):
        return []
    if _at_least(total, hwm):
        lanes[lane] = {"hwm": total}
        return [(total, _minus(total, hwm))]
    if low is not None and _at_least(total, low):  # growing from the lower total: it was a reset
        steps = [(low, mark["pending"])] if mark.get("pending") else []
        lanes[lane] = {"hwm": total}
        return steps + [(total, _minus(total, low))]
    lanes[lane] = {"hwm": hwm, "low": total, "pending": last}
    return []


def _row(at: list[int], delta: list[int], ts: float, model: str, flags: int, where: list[str]) -> Row:
    """`where` is the session's [working directory, id, git branch], as its meta and turns said."""
    inp, cached, out = delta[0], min(delta[1], delta[0]), delta[2]
    project, session, branch = where
    return Row(",".join(map(str, at)), ts, VENDOR, model, inp - cached, cached, 0, 0, out, -(inp + out), flags,
               project=project, session=session, branch=branch)


def _model(payload: dict, info: dict, state: dict) -> tuple[str, int]:
    for value in (payload.get("model"), info.get("model"), state.get("model")):
        if isinstance(value, str) and value:
            return value, 0
    return FALLBACK_MODEL, FLAG_GUESSED_MODEL


def _spawned(source: object) -> bool:
    subagent = source.get("subagent") if isinstance(source, dict) else None
    return isinstance(subagent, dict) and "thread_spawn" in subagent


def _vector(usage: object) -> list[int] | None:
    if not isinstance(usage, dict):
        return None
    values = [usage.get(name, 0) for name in COUNTERS]
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= _spend.MAX_COUNT for v in values):
        return None
    return values


def _at_least(a: list[int], b: list[int]) -> bool:
    return all(x >= y for x, y in zip(a, b))


def _minus(a: list[int], b: list[int]) -> list[int]:
    return [x - y for x, y in zip(a, b)]


def run(ctx: Ctx[Options]) -> tuple[Reading, ScanStats]:
    env = dict(ctx.env)
    return _spend.run(ctx.account, NAME, [JsonlFiles(files(ctx.options, env), parse)], ctx.now(), FLAGS)


def fetch(ctx: Ctx[Options]) -> Reading:
    return run(ctx)[0]


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The sessions/ folders of the Codex homes ($CODEX_HOME's list, else ~/.codex), as one source."""
    homes = env_dirs(env, "CODEX_HOME") or [os.path.join(user_home(env), ".codex")]
    logs = [os.path.join(h, "sessions") for h in homes if os.path.isdir(os.path.join(h, "sessions"))]
    return [Source("Codex session logs (spend)", ", ".join(logs), NAME, "codex-logs")] if logs else []
