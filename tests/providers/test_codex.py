"""Codex plan windows: from rollout logs written in Codex's documented shape, and from wham/usage over real HTTP."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from tests.fakeserver import FakeServer
from tokseg import net
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, RateLimited
from tokseg.providers import codex
from tokseg.providers._base import Ctx

NOW = 1795350000.0  # 2026-11-22T11:40:00Z, before both resets below
WHAM = "/codex/backend-api/wham/usage"
ACCOUNT = "1b2c3d4e-0000-4000-8000-000000000000"

META = {"timestamp": "2026-11-22T09:00:00.000Z", "type": "session_meta",
        "payload": {"id": "0199a1b2-0000-7000-8000-0000000000aa", "cwd": "/home/dev/src/shop-api",
                    "originator": "codex_cli_rs", "cli_version": "0.160.0"}}
TURN = {"timestamp": "2026-11-22T09:00:01.000Z", "type": "turn_context", "payload": {"model": "gpt-5.3-codex"}}
USAGE = {"total_token_usage": {"input_tokens": 12000, "cached_input_tokens": 9000, "output_tokens": 900,
                               "reasoning_output_tokens": 300, "total_tokens": 12900},
         "last_token_usage": {"input_tokens": 12000, "cached_input_tokens": 9000, "output_tokens": 900,
                              "reasoning_output_tokens": 300, "total_tokens": 12900},
         "model_context_window": 272000}


def token_count(stamp: str, limits: dict | None) -> dict:
    return {"timestamp": stamp, "type": "event_msg", "payload": {"type": "token_count", "info": USAGE,
                                                                 "rate_limits": limits}}


def limits(primary: float, secondary: float, lane: str = "codex") -> dict:
    return {"limit_id": lane, "limit_name": None,
            "primary": {"used_percent": primary, "window_minutes": 300, "resets_at": 1795359600},
            "secondary": {"used_percent": secondary, "window_minutes": 10080, "resets_at": 1795856400},
            "credits": None, "plan_type": "plus", "rate_limit_reached_type": None}


def rollout(home: Path, day: str, name: str, events: list[dict], mtime: float, tail: str = "") -> Path:
    folder = home / "sessions" / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + tail, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def auth(home: Path, **tokens: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "auth.json"
    body = {"auth_mode": "chatgpt", "OPENAI_API_KEY": None,
            "tokens": {"id_token": "x.y.z", "access_token": "eyJ-ACCESS-TOKEN", "refresh_token": "rt_EXAMPLE",
                       "account_id": ACCOUNT, **tokens},
            "last_refresh": "2026-11-20T09:12:44.123456Z"}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def make_ctx(srv: FakeServer, home: Path, base: str | None = None, **options: str) -> Ctx:
    base = base or f"{srv.url}/codex/backend-api"
    return make_context("codex", "codex", codex.Options(base_url=base, **options), session=net.new_session(),
                        clock=lambda: NOW, env={"CODEX_HOME": str(home)})


def test_windows_from_the_newest_rollout_without_network(fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    rollout(home, "2026/11/21", "rollout-old.jsonl", [META, token_count("2026-11-21T20:00:00Z", limits(90, 95))],
            mtime=NOW - 86400)
    rollout(home, "2026/11/22", "rollout-a.jsonl", [META, token_count("2026-11-22T08:00:00Z", limits(70, 80))],
            mtime=NOW - 3600)
    newest = [META, TURN,
              token_count("2026-11-22T09:01:10.512Z", limits(12.0, 41.0)),
              token_count("2026-11-22T09:02:00.000Z", limits(55.0, 66.0, lane="codex_bengalfox")),
              token_count("2026-11-22T09:03:40.100Z", None)]
    rollout(home, "2026/11/22", "rollout-b.jsonl", newest, mtime=NOW - 60, tail='{"timestamp": "2026-11-22T09:04')
    reading = codex.fetch(make_ctx(fake, home)).to_dict()
    assert reading["windows"] == [{"name": "5h", "used_pct": 12.0, "resets_at": 1795359600, "length_s": 300 * 60},
                                  {"name": "7d", "used_pct": 41.0, "resets_at": 1795856400, "length_s": 10080 * 60}]
    assert reading["headline"] == {"kind": "window", "key": "5h"}
    assert "plan: plus" in reading["notes"]
    assert fake.calls() == []


def test_a_window_that_reset_since_the_log_was_written_shows_zero(tmp_path: Path) -> None:
    reading = codex.from_rollout(limits(12.0, 41.0), now=1795359600 + 1)
    assert [(w.name, w.used_pct, w.resets_at) for w in reading.windows] == [("5h", 0.0, None),
                                                                           ("7d", 41.0, 1795856400)]
    assert [w.length_s for w in reading.windows] == [5 * 3600, 7 * 86400]  # the length outlives the reset


def test_the_tail_reader_finds_an_event_far_back_in_a_big_log(tmp_path: Path) -> None:
    home = tmp_path / "codex"
    filler = [{"timestamp": "2026-11-22T10:00:00Z", "type": "response_item", "payload": {"text": "x" * 500}}] * 2000
    rollout(home, "2026/11/22", "rollout-big.jsonl", [META, token_count("2026-11-22T09:00:00Z", limits(33, 44)), *filler],
            mtime=NOW)
    found = codex.latest_rate_limits(str(home / "sessions"))
    assert found is not None and found[0]["primary"]["used_percent"] == 33


def test_wham_usage_default_answer_classified_by_window_length(fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    auth(home)
    reading = codex.fetch(make_ctx(fake, home)).to_dict()  # no sessions folder at all
    assert reading["windows"] == [
        {"name": "5h", "used_pct": 12.0, "resets_at": 1795359600, "length_s": 18000},
        {"name": "7d", "used_pct": 41.0, "resets_at": 1795856400, "length_s": 604800},
        {"name": "gpt-5-3-codex-spark-5h", "used_pct": 0.0, "resets_at": 1795370400, "length_s": 18000}]
    assert reading["headline"] == {"kind": "window", "key": "5h"} and reading["notes"] == ["plan: plus"]


def test_wham_usage_when_logs_have_no_rate_limits_weekly_only_plan(fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    rollout(home, "2026/11/22", "rollout-team.jsonl", [META, token_count("2026-11-22T09:00:00Z", None)], mtime=NOW)
    auth(home)
    fake.route("GET", WHAM, {
        "plan_type": "free",
        "rate_limit": {"allowed": True, "limit_reached": False,
                       "primary_window": {"used_percent": 64, "limit_window_seconds": 604800,
                                          "reset_after_seconds": 400000, "reset_at": 1795856400000},
                       "secondary_window": None},
        "additional_rate_limits": [
            {"limit_name": "GPT-5.3-Codex-Spark", "metered_feature": "codex_spark",
             "rate_limit": {"allowed": True, "limit_reached": False,
                            "primary_window": {"used_percent": 5, "limit_window_seconds": 18000,
                                               "reset_after_seconds": 18000, "reset_at": 1795370400},
                            "secondary_window": None}}],
        "credits": {"has_credits": True, "unlimited": False, "balance": "9.99"}})
    reading = codex.fetch(make_ctx(fake, home)).to_dict()
    assert reading["windows"] == [
        {"name": "7d", "used_pct": 64.0, "resets_at": 1795856400.0, "length_s": 604800},
        {"name": "gpt-5-3-codex-spark-5h", "used_pct": 5.0, "resets_at": 1795370400, "length_s": 18000}]
    assert reading["headline"] == {"kind": "window", "key": "7d"}
    assert "credits: 9.99" in reading["notes"]
    sent = fake.calls(WHAM)[0].headers
    assert sent["authorization"] == "Bearer eyJ-ACCESS-TOKEN" and sent["chatgpt-account-id"] == ACCOUNT


def test_api_source_with_account_id_from_the_jwt_and_a_root_without_backend_api(
        fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    claims = base64.urlsafe_b64encode(json.dumps(
        {"https://api.openai.com/auth": {"chatgpt_account_id": "acct-from-jwt"}}).encode()).decode().rstrip("=")
    auth(home, account_id="", id_token=f"h.{claims}.s")
    fake.route("GET", "/codex/api/codex/usage", {"rate_limit": {
        "primary_window": {"used_percent": 12, "limit_window_seconds": 18000, "reset_at": 1795359600},
        "secondary_window": {"used_percent": 41, "limit_window_seconds": 604800, "reset_after_seconds": 500000}}})
    reading = codex.fetch(make_ctx(fake, home, base=f"{fake.url}/codex", source="api"))
    assert [(w.name, w.used_pct, w.resets_at) for w in reading.windows] == [
        ("5h", 12.0, 1795359600), ("7d", 41.0, NOW + 500000)]
    assert fake.calls("/codex/api/codex/usage")[0].headers["chatgpt-account-id"] == "acct-from-jwt"


def test_401_asks_to_run_codex_and_leaves_auth_json_alone(fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    path = auth(home)
    before = path.read_bytes()
    fake.fault(WHAM, "401", message="Could not validate credentials")
    with pytest.raises(AuthError, match="run `codex` to sign in again"):
        codex.fetch(make_ctx(fake, home))
    assert path.read_bytes() == before
    assert [r.path for r in fake.calls()] == [WHAM]


def test_429_and_api_key_logins(fake: FakeServer, tmp_path: Path) -> None:
    home = tmp_path / "codex"
    auth(home)
    fake.fault(WHAM, "429", retry_after="42")
    with pytest.raises(RateLimited) as caught:
        codex.fetch(make_ctx(fake, home))
    assert caught.value.retry_after == 42.0
    (home / "auth.json").write_text(json.dumps({"OPENAI_API_KEY": "sk-proj-x"}), encoding="utf-8")
    with pytest.raises(AuthError, match="API key"):
        codex.fetch(make_ctx(fake, home))
    with pytest.raises(AuthError, match="no Codex login"):
        codex.fetch(make_ctx(fake, tmp_path / "nowhere"))
