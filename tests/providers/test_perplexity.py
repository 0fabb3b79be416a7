"""Perplexity through the fake server: the balance, the credit pools, the errors, the snippet and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_tokseg
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse
from tokseg.providers import perplexity

PATH = "/perplexity/rest/billing/credits"
KEY = SPECS["perplexity"].key
COOKIE = json.loads(KEY)["session_cookie"]
CURL = Path(__file__).parent.parent / "fixtures" / "perplexity" / "credits.curl"


def test_balance_and_the_three_pools(fake, session):
    reading = figures(fetch(fake, session, "perplexity"))
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["balance"] == [{"amount": 72.5, "currency": "USD"}]
    assert reading["notes"] == ["recurring credits $50.00, renews 2026-03-26",
                                "bonus credits $20.00, expires 2026-06-26",  # the expired $9 grant left out
                                "purchased credits $10.00"]
    assert reading["windows"] == [] and reading["spent"] == {}


def test_session_cookie_origin_and_query_sent(fake, session):
    fetch(fake, session, "perplexity")
    (call,) = fake.calls()
    assert call.method == "GET" and call.query == {"version": ["2.18"], "source": ["default"]}
    assert call.headers["cookie"] == COOKIE
    assert call.headers["origin"] == fake.url + "/perplexity"
    assert call.headers["referer"] == fake.url + "/perplexity/account/usage"
    assert "authorization" not in call.headers


@pytest.mark.parametrize(("body", "notes"), [
    ({"balance_cents": 0}, []),
    ({"balance_cents": "12", "credit_grants": "x", "renewal_date_ts": 1e300}, []),
    ({"balance_cents": 0, "credit_grants": [{"type": "recurring", "amount_cents": 5000}],
      "renewal_date_ts": NOW - 10}, ["recurring credits $50.00"]),  # a renewal in the past is not shown
    ({"balance_cents": 0, "credit_grants": [{"type": "purchased", "amount_cents": 300}],
      "current_period_purchased_cents": 200}, ["purchased credits $3.00"]),
    ({"balance_cents": 0, "credit_grants": [{"type": "recurring", "amount_cents": -5}, 7, {"type": "new"}]}, []),
])
def test_odd_pools_are_not_reported(fake, session, body, notes):
    fake.route("GET", PATH, body, errors="plain")
    assert figures(fetch(fake, session, "perplexity"))["notes"] == notes


def test_no_balance_is_a_bad_response(fake, session):
    fake.route("GET", PATH, {"credit_grants": []}, errors="plain")
    with pytest.raises(BadResponse, match="balance_cents"):
        fetch(fake, session, "perplexity")


@pytest.mark.parametrize("status", ["401", "403"])
def test_expired_session_is_auth_with_the_reconnect_command(fake, session, status):
    fake.fault(PATH, status, message=f"bad token {COOKIE}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "perplexity")
    assert caught.value.status == int(status) and COOKIE not in str(caught.value)
    assert str(caught.value).endswith("reconnect in a minute: `tokseg add perplexity --name test-perplexity "
                                      "--reconnect`")


def test_a_paste_without_the_cookie_names_it():
    problem = perplexity.key_problem('{"session_cookie": ""}')
    assert problem and "has no 'session_cookie' (the __Secure-next-auth.session-token" in problem
    assert "https://www.perplexity.ai/account/usage" in problem and "\n" not in problem


def test_docs_hold_the_snippet_tokseg_prints():
    assert perplexity.SESSION.snippet in (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the console snippet")
def test_the_console_snippet_keeps_only_the_session_cookie():
    curl = CURL.read_text().replace("\n", "")
    harness = f"global.prompt=()=>{json.dumps(curl)};global.document={{cookie:'pplx.x=1'}};" + perplexity.SESSION.snippet
    printed = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=30, check=True).stdout
    assert perplexity.SESSION.compact(printed) == KEY


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    added = run_tokseg("add", "perplexity", "--name", "px", "--base-url", fake.url + "/perplexity", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added px (perplexity): $72.50")
    assert perplexity.SESSION.snippet in added.stderr
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "px $72.50"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    for path in home.rglob("*"):
        if path.is_file():
            assert COOKIE.split("=", 1)[1] not in path.read_bytes().decode(errors="replace"), path
