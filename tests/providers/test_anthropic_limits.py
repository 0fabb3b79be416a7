"""Anthropic rate limits from the free token-counting call, through the fake server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_tokseg
from tests.fakeserver import ANTHROPIC_LIMITS, FakeServer, Reply, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, RateLimited, ServerError
from tokseg.providers import anthropic_limits

PATH = "/anthropic_limits/v1/messages/count_tokens"
KEY = SPECS["anthropic_limits"].key
ANSWER = fixture("anthropic_limits/count_tokens.json")


def test_every_bucket_exact_with_the_note(fake: FakeServer, session) -> None:
    reading = figures(fetch(fake, session, "anthropic_limits"))
    assert reading["headline"] == {"kind": "rate_limit", "key": "requests"}
    assert reading["rate_limits"] == [
        {"name": "requests", "limit": 100.0, "remaining": 99.0, "resets_at": NOW + 1},
        {"name": "tokens", "limit": 500000.0, "remaining": 499000.0, "resets_at": NOW + 0.5},
        {"name": "input-tokens", "limit": 400000.0, "remaining": 399000.0, "resets_at": NOW + 0.5},
        {"name": "output-tokens", "limit": 100000.0, "remaining": 100000.0, "resets_at": NOW},
    ]
    assert reading["notes"] == [anthropic_limits.SEPARATE]
    assert reading["spent"] == {} and reading["windows"] == [] and reading["balance"] == []


def test_one_free_token_count_with_the_documented_headers(fake: FakeServer, session) -> None:
    fetch(fake, session, "anthropic_limits", model="claude-opus-4-7")
    (call,) = fake.calls()
    assert (call.method, call.path) == ("POST", PATH)
    assert call.json() == {"model": "claude-opus-4-7", "messages": [{"role": "user", "content": "."}]}
    assert call.headers["x-api-key"] == KEY and call.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in call.headers


def test_no_headers_is_a_note_not_zero(fake: FakeServer, session) -> None:
    fake.route("POST", PATH, ANSWER, errors="anthropic")
    reading = figures(fetch(fake, session, "anthropic_limits"))
    assert reading["rate_limits"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == [anthropic_limits.NO_HEADERS]


@pytest.mark.parametrize("odd", ["", "lots", "-1", "NaN", "1e400", "1e13"])
def test_a_bucket_with_odd_counts_is_left_out(odd: str) -> None:
    headers = {**ANTHROPIC_LIMITS, "anthropic-ratelimit-tokens-remaining": odd}
    names = [r.name for r in anthropic_limits.parse_headers(headers, NOW)]
    assert names == ["requests", "input-tokens", "output-tokens"]


@pytest.mark.parametrize("reset", ["soon", "", "2020-01-01T00:00:00Z", "2031-01-01T00:00:00Z", "1772452801"])
def test_an_odd_reset_keeps_the_counts_without_a_time(reset: str) -> None:
    headers = {"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
               "anthropic-ratelimit-requests-reset": reset}
    (bucket,) = anthropic_limits.parse_headers(headers, NOW)
    assert (bucket.limit, bucket.remaining, bucket.resets_at) == (50.0, 49.0, None)


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_names_the_key_needed_and_hides_it(fake: FakeServer, session, status: str) -> None:
    fake.fault(PATH, status, message=f"invalid x-api-key {KEY}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "anthropic_limits")
    assert caught.value.status == int(status)
    assert str(caught.value).startswith(anthropic_limits.KEY_HINT)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("status", [400, 404])
def test_a_model_the_key_may_not_use_names_the_option(fake: FakeServer, session, status: int) -> None:
    envelope = {"type": "error", "error": {"type": "not_found_error", "message": "model: claude-x"}}
    fake.route("POST", PATH, Reply(status, envelope), errors="anthropic")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "anthropic_limits", model="claude-x")
    text = str(caught.value)
    assert caught.value.status == status
    assert text.startswith("Anthropic refused to count tokens for model 'claude-x'; set the `model` option")
    assert "model: claude-x" in text


def test_rate_limited_and_overloaded(fake: FakeServer, session) -> None:
    fake.fault(PATH, "429", retry_after="7", times=1)
    with pytest.raises(RateLimited) as limited:
        fetch(fake, session, "anthropic_limits")
    assert limited.value.retry_after == 7.0
    fake.fault(PATH, "529")
    with pytest.raises(ServerError):
        fetch(fake, session, "anthropic_limits")


@pytest.mark.parametrize("key, says", [
    ("sk-ant-admin01-abc", "this is an Anthropic Admin key"),
    ("sk-ant-oat01-abc", "this is a Claude Code OAuth token"),
    ("sk-proj-abc", "this does not look like an Anthropic API key"),
])
def test_key_problem(key: str, says: str) -> None:
    assert anthropic_limits.key_problem(KEY) is None
    problem = anthropic_limits.key_problem(key)
    assert problem and problem.startswith(says) and "https://console.anthropic.com/settings/keys" in problem


def test_end_to_end_add_refresh_json(fake: FakeServer, home: Path, config_file: Path) -> None:
    reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 40))
    fake.route("POST", PATH, Reply(200, ANSWER, {**ANTHROPIC_LIMITS, "anthropic-ratelimit-requests-reset": reset}),
               errors="anthropic")
    base = fake.url + "/anthropic_limits/v1"
    refused = run_tokseg("add", "anthropic_limits", "--base-url", base, input="sk-ant-admin01-Zm9vYmFy\n")
    assert refused.returncode == 1 and "this is an Anthropic Admin key" in refused.stderr
    assert not fake.calls() and not config_file.exists()
    added = run_tokseg("add", "anthropic_limits", "--name", "rl", "--base-url", base, input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added rl (anthropic_limits): requests 99/100")
    assert run_tokseg("refresh").returncode == 0
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    assert [r["name"] for r in account["rate_limits"]] == ["requests", "tokens", "input-tokens", "output-tokens"]
    assert [c.headers["x-api-key"] for c in fake.calls(PATH)] == [KEY] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
