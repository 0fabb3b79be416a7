"""Mistral through the fake server: the balance, the month's tokens, the errors, the snippet and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_tokseg
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError
from tokseg.providers import mistral

CREDITS = "/mistral/api/billing/credits"
USAGE = "/mistral/api/billing/v2/usage"
VIBE = "/mistral-console/api-ui/trpc/billing.vibeUsage"
KEY = SPECS["mistral"].key
SESSION = json.loads(KEY)
CURL = Path(__file__).parent.parent / "fixtures" / "mistral" / "credits.curl"


def test_balance_and_the_months_tokens(fake, session):
    reading = figures(fetch(fake, session, "mistral"))
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["balance"] == [{"amount": 42.5, "currency": "EUR"}]
    assert reading["tokens"] == {"month": {"input": 152000, "output": 9000, "cache_read": 5000, "cache_write": 0,
                                           "total": 166000}}  # value first, value_paid when value is absent
    assert reading["spent"] == {}
    assert reading["windows"] == [{"name": "vibe", "used_pct": 37.5, "resets_at": 1775001600.0, "length_s": None}]


def test_session_cookies_csrf_header_and_month_sent(fake, session):
    fetch(fake, session, "mistral")
    credits, usage, vibe = fake.calls()
    assert credits.method == "GET" and credits.path == CREDITS
    assert usage.path == USAGE and usage.query == {"month": ["3"], "year": ["2026"]}  # NOW is in March 2026
    for call in (credits, usage):
        assert call.headers["cookie"] == f"csrftoken={SESSION['csrftoken']}; {SESSION['ory_session']}"
        assert call.headers["x-csrftoken"] == SESSION["csrftoken"]
        assert call.headers["origin"] == fake.url + "/mistral"
        assert "authorization" not in call.headers
    assert vibe.path == VIBE and vibe.query["batch"] == ["1"]
    assert json.loads(vibe.query["input"][0]) == {"0": {"json": None, "meta": {"values": ["undefined"], "v": 1}}}
    assert vibe.headers["x-csrftoken"] == SESSION["csrftoken"] and vibe.headers["origin"] == fake.url + "/mistral-console"


@pytest.mark.parametrize("body", [
    {}, [], {"completion": {"models": "x"}}, {"completion": {"models": {"m": {"input": [{"value": -5}, 7]}}}},
    {"completion": {"models": {"m": {"output": [{"value": 1.5}, {"value": 1e300}, {"value": True}]}}}},
])
def test_odd_usage_leaves_the_tokens_out(fake, session, body):
    fake.route("GET", USAGE, body, errors="mistral")
    reading = figures(fetch(fake, session, "mistral"))
    assert reading["tokens"] == {} and reading["balance"] == [{"amount": 42.5, "currency": "EUR"}]


@pytest.mark.parametrize(("body", "window"), [
    ([], None), ({}, None), ([{"result": {"data": {"json": {"usage_percentage": 130}}}}], None),
    ([{"result": {"data": {"json": {"usage_percentage": "x"}}}}], None),
    ([{"result": {"data": {"json": {"usage_percentage": 0, "reset_at": "soon"}}}}],
     {"name": "vibe", "used_pct": 0.0, "resets_at": None, "length_s": None}),
    ([{"result": {"data": {"json": {"usage_percentage": 5, "reset_at": "2020-01-01T00:00:00Z"}}}}],
     {"name": "vibe", "used_pct": 5.0, "resets_at": None, "length_s": None}),  # a reset in the past is not shown
])
def test_odd_vibe_answers_leave_the_window_out(fake, session, body, window):
    fake.route("GET", VIBE, body, errors="mistral")
    assert figures(fetch(fake, session, "mistral"))["windows"] == ([window] if window else [])


@pytest.mark.parametrize("status", ["401", "404"])
def test_a_console_refusing_vibe_still_shows_the_balance(fake, session, status):
    fake.fault(VIBE, status)
    reading = figures(fetch(fake, session, "mistral"))
    assert reading["windows"] == [] and reading["balance"] == [{"amount": 42.5, "currency": "EUR"}]


def test_console_url_over_plain_http_is_refused(fake, session):
    with pytest.raises(ConfigError, match="console_url"):
        fetch(fake, session, "mistral", console_url="http://console.example.com")


def test_a_failing_usage_answer_still_shows_the_balance(fake, session):
    fake.route("GET", USAGE, "not json", errors="mistral")
    assert figures(fetch(fake, session, "mistral"))["balance"] == [{"amount": 42.5, "currency": "EUR"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"currency": "EUR"}, "wallet_amount"), ({"wallet_amount": "x", "currency": "EUR"}, "wallet_amount"),
    ({"wallet_amount": 3}, "currency"), ({"wallet_amount": 3, "currency": "euros"}, "currency"),
    ([1], "not an object"),
])
def test_credits_without_amount_or_currency_are_a_bad_response(fake, session, body, field):
    fake.route("GET", CREDITS, body, errors="mistral")
    with pytest.raises(BadResponse, match=field):
        fetch(fake, session, "mistral")


@pytest.mark.parametrize(("path", "status"), [(CREDITS, "401"), (CREDITS, "403"), (USAGE, "401")])
def test_expired_session_is_auth_with_the_reconnect_command(fake, session, path, status):
    fake.fault(path, status, message=f"bad session {SESSION['ory_session']} {SESSION['csrftoken']}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "mistral")
    text = str(caught.value)
    assert caught.value.status == int(status)
    assert SESSION["csrftoken"] not in text and SESSION["ory_session"].split("=", 1)[1] not in text
    assert text.endswith("reconnect in a minute: `tokseg add mistral --name test-mistral --reconnect`")


def test_a_paste_without_the_csrf_token_names_it():
    problem = mistral.key_problem(json.dumps({"ory_session": SESSION["ory_session"], "csrftoken": ""}))
    assert problem and "has no 'csrftoken' (the csrftoken cookie)" in problem
    assert "https://admin.mistral.ai/organization/billing" in problem and "\n" not in problem


def test_docs_hold_the_snippet_tokseg_prints():
    assert mistral.SESSION.snippet in (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the console snippet")
def test_the_console_snippet_keeps_only_the_session_cookies():
    curl = CURL.read_text().replace("\n", "")
    harness = f"global.prompt=()=>{json.dumps(curl)};global.document={{cookie:'_ga=1'}};" + mistral.SESSION.snippet
    printed = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=30, check=True).stdout
    assert mistral.SESSION.compact(printed) == KEY


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    urls = ["--base-url", fake.url + "/mistral", "-o", f"console_url={fake.url}/mistral-console"]
    added = run_tokseg("add", "mistral", "--name", "ms", *urls, input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added ms (mistral): €42.50")
    assert mistral.SESSION.snippet in added.stderr
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "ms €42.50"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    for path in home.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert SESSION["csrftoken"] not in text and SESSION["ory_session"].split("=", 1)[1] not in text, path
