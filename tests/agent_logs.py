"""Builders for agent log fixtures, from the documented line shapes (constructed values)."""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tokseg.context import make_ctx
from tokseg.providers._base import Ctx


def iso(ts: float) -> str:
    """Epoch seconds → the logs' ISO-8601 UTC form with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def claude_row(msg_id: str, ts: float, *, model: str = "claude-sonnet-4-5-20250929", request: str | None = "req_1",
               input: int = 6, write_5m: int = 244, write_1h: int = 0, read: int = 87250, output: int = 12,
               sidechain: bool = False, split: bool = True, text: str = "Looking at the handler",
               cwd: str = "/home/dev/src/shop-api", session: str = "6f1c2b7e-2f4d-4a51-9a0e-3c1d2b9e7a10",
               branch: str = "main") -> str:
    """One assistant transcript line as Claude Code writes it (reference B1)."""
    usage: dict = {"input_tokens": input, "cache_creation_input_tokens": write_5m + write_1h,
                   "cache_read_input_tokens": read, "output_tokens": output, "service_tier": "standard"}
    if split:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h}
    line = {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": cwd,
            "sessionId": session, "version": "2.1.130", "gitBranch": branch,
            "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                        "content": [{"type": "text", "text": text}], "stop_reason": None, "usage": usage},
            "type": "assistant", "uuid": f"uuid-{msg_id}-{output}", "timestamp": iso(ts)}
    if request is not None:
        line["requestId"] = request
    return json.dumps(line)


def user_row(ts: float, text: str = "fix the failing test") -> str:
    return json.dumps({"type": "user", "message": {"role": "user", "content": text}, "timestamp": iso(ts),
                       "uuid": f"user-{ts}"})


def codex_meta(ts: float, *, forked_from: str | None = None, spawn: bool = False,
               cwd: str = "/home/dev/src/shop-api", session: str = "0199a1b2-0000-7000-8000-0000000000aa",
               branch: str | None = None) -> str:
    payload: dict = {"id": session, "timestamp": iso(ts), "cwd": cwd, "originator": "codex_cli_rs",
                     "cli_version": "0.160.0"}
    if branch is not None:
        payload["git"] = {"commit_hash": "3f2a9c1", "branch": branch, "repository_url": "git@github.com:dev/shop.git"}
    if forked_from:
        payload["forked_from_id"] = forked_from
    if spawn:
        payload["source"] = {"subagent": {"thread_spawn": {"parent_thread_id": "0199a1b2-parent"}}}
    return json.dumps({"timestamp": iso(ts), "type": "session_meta", "payload": payload})


def codex_turn(ts: float, model: str = "gpt-5.3-codex", cwd: str = "/home/dev/src/shop-api") -> str:
    return json.dumps({"timestamp": iso(ts), "type": "turn_context",
                       "payload": {"cwd": cwd, "model": model, "effort": "medium"}})


def codex_tokens(ts: float, total: tuple[int, int, int, int], last: tuple[int, int, int, int] | None = None,
                 lane: str | None = "codex") -> str:
    """A token_count event: (input incl. cached, cached, output incl. reasoning, reasoning)."""
    def usage(v: tuple[int, int, int, int]) -> dict:
        return {"input_tokens": v[0], "cached_input_tokens": v[1], "output_tokens": v[2],
                "reasoning_output_tokens": v[3], "total_tokens": v[0] + v[2]}

    limits = None if lane is None else {"limit_id": lane, "primary": {"used_percent": 12.0, "window_minutes": 300,
                                                                      "resets_at": 1795359600}}
    info = {"total_token_usage": usage(total), "last_token_usage": usage(last or total), "model_context_window": 272000}
    return json.dumps({"timestamp": iso(ts), "type": "event_msg",
                       "payload": {"type": "token_count", "info": info, "rate_limits": limits}})


def write_lines(path: Path, lines: list[str], mode: str = "w") -> int:
    """Write (or append) lines; returns the number of bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(line + "\n" for line in lines).encode()
    with open(path, mode + "b") as fh:
        fh.write(data)
    return len(data)


def ctx(options: Any, env: dict[str, str], now: float, account: str = "agent") -> Ctx[Any]:
    """The context the refresher would give the source whose Options these are (it needs no key)."""
    provider = sys.modules[type(options).__module__].NAME
    return make_ctx(provider, account, options, clock=lambda: now, env=env)


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    """Local time is the IANA zone `name` inside the block (today and this month are local), then as before."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


# Time zones the exactness tests run in, with the local hour of their "now": one whose UTC date differs.
ZONES = {"UTC": 10, "America/Los_Angeles": 21, "Asia/Kathmandu": 3}
FIELDS = ("input", "cache_read", "cache_write", "output")


def assert_exact(reading, period: str, expected: dict[str, dict]) -> None:
    """Per model and in total: tokens exact, cost to the cent and to 1e-9 of the ground truth."""
    got = {m.model: m for m in reading.models if m.period == period}
    assert set(got) == set(expected)
    for model, want in expected.items():
        tokens = got[model].tokens
        assert (tokens.input, tokens.cache_read, tokens.cache_write, tokens.output) == tuple(
            want[k] for k in FIELDS), model
        if want["cost"] is None:
            assert got[model].spent is None, model
        else:
            assert got[model].spent.amount == pytest.approx(want["cost"], rel=1e-9, abs=1e-12), model
    total = sum(w["cost"] or 0.0 for w in expected.values())
    assert round(reading.spent[period].amount, 2) == round(total, 2)  # to the cent
    assert reading.spent[period].amount == pytest.approx(total, rel=1e-9, abs=1e-12)
    tokens = reading.tokens[period]
    assert (tokens.input, tokens.cache_read, tokens.cache_write, tokens.output) == tuple(
        sum(w[k] for w in expected.values()) for k in FIELDS)


def boundary_times(zone: ZoneInfo, hour: int) -> tuple[float, float, float, list[float]]:
    """(now, local midnight today, local midnight on the 1st, request times around both), from zoneinfo."""
    now = datetime(2026, 11, 2, hour, 0, tzinfo=zone).timestamp()
    today = datetime(2026, 11, 2, tzinfo=zone).timestamp()
    month = datetime(2026, 11, 1, tzinfo=zone).timestamp()
    edges = [month - 86400 * 3, month - 0.001, month, month + 30, month + 3 * 3600, today - 0.5, today,
             today + 30, now - 7200, now - 600, now - 60]
    rng = random.Random(zone.key)
    spread = [round(rng.uniform(month - 9 * 86400, now - 60), 3) for _ in range(40)]
    return now, today, month, edges + spread


def times_today(now: float, count: int = 24) -> tuple[float, list[float]]:
    """Local midnight and `count` request times from it (or the last 50 minutes) to just before `now`:
    all today, whenever a test through the real CLI runs."""
    local = time.localtime(now)
    midnight = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))
    start = max(midnight + 1, now - 3000)
    return midnight, [round(start + max(0.0, now - 5 - start) * n / (count - 1), 3) for n in range(count)]


def json_account(name: str) -> dict:
    """The account `name` of a real `tokseg --json` run."""
    from tests.conftest import run_tokseg

    shown = run_tokseg("--json")
    assert shown.returncode == 0, shown.stderr
    return next(a for a in json.loads(shown.stdout)["accounts"] if a["name"] == name)


def refreshed_through_cli(config_file: Path, name: str, provider: str, paths: Path) -> dict:
    """One account of `provider` reading `paths`, a real `tokseg refresh`, and the account in `tokseg --json`."""
    from tests.conftest import run_tokseg, write_config

    write_config(config_file, f'[accounts.{name}]\nprovider = "{provider}"\npaths = "{paths}"\n')
    done = run_tokseg("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok") and name in done.stdout
    return json_account(name)


def assert_json_today(account: dict, expected: dict[str, dict]) -> None:
    """`--json`'s figures for today against the ground truth: spend to the cent, tokens exact, the same models."""
    total = sum(w["cost"] or 0.0 for w in expected.values())
    assert round(account["spent"]["today"]["amount"], 2) == round(total, 2)
    tokens = account["tokens"]["today"]
    assert tuple(tokens[k] for k in FIELDS) == tuple(sum(w[k] for w in expected.values()) for k in FIELDS)
    assert {m["model"] for m in account["models"] if m["period"] == "today"} == set(expected)
