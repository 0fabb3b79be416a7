"""Nebius Token Factory through the fake server: the session document, each figure, each error class, the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_tokseg
from tests.fakeserver import Reply
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError, NoSecret, RateLimited
from tokseg.providers import nebius

BALANCE = "/nebius/api-mfe/billing/gateway/root/customers/getBalance"
TRIAL = "/nebius/api-mfe/billing/gateway/root/billingActs/getCurrentTrial"
KEY = SPECS["nebius"].key
VALUES = json.loads(KEY)
RECONNECT = "reconnect in a minute: `tokseg add nebius --name test-nebius --reconnect`"
CURL = Path(__file__).parent.parent / "fixtures" / "nebius" / "getBalance.curl"


def usd(amount: float) -> dict:
    return {"amount": amount, "currency": "USD"}


# --- figures -----------------------------------------------------------------------------------


def test_paid_balance_and_trial_left(fake, session):
    reading = figures(fetch(fake, session, "nebius"))
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["balance"] == [usd(37.25)]
    assert reading["limit"] == usd(100.0) and reading["limit_remaining"] == usd(87.5)  # 100 − 12.5
    assert reading["notes"] == [] and reading["spent"] == {} and reading["windows"] == []


def test_cookies_csrf_header_and_contract_sent(fake, session):
    fetch(fake, session, "nebius")
    paid, trial = fake.calls()
    assert (paid.method, paid.path, trial.method, trial.path) == ("POST", BALANCE, "POST", TRIAL)
    assert paid.json() == {"contractId": VALUES["contract_id"]}
    assert trial.json() == {"parentId": VALUES["contract_id"]}
    for call in (paid, trial):
        assert call.headers["cookie"] == (f"__Host-app_session={VALUES['app_session']}; "
                                          f"__Host-psifi.x-csrf-token={VALUES['csrf_cookie']}")
        assert call.headers["x-csrf-token"] == VALUES["csrf_token"]
        assert call.headers["origin"] == fake.url + "/nebius"
        assert "authorization" not in call.headers


def test_currency_option_names_the_balance_currency(fake, session):
    assert figures(fetch(fake, session, "nebius", currency="eur"))["balance"] == [{"amount": 37.25, "currency": "EUR"}]
    with pytest.raises(ConfigError, match="currency 'euro'"):
        fetch(fake, session, "nebius", currency="euro")


def test_no_trial_shows_the_balance_alone(fake, session):
    fake.fault(TRIAL, "404")
    reading = figures(fetch(fake, session, "nebius"))
    assert reading["balance"] == [usd(37.25)] and reading["limit"] is None and reading["limit_remaining"] is None


def test_trial_only_account_heads_with_the_trial_left(fake, session):
    fake.route("POST", BALANCE, {"contractId": "contract-e00k9x4t2vq8"}, errors="nebius")  # no balance field
    reading = figures(fetch(fake, session, "nebius"))
    assert reading["headline"] == {"kind": "limit_remaining", "key": ""}
    assert reading["balance"] == [] and reading["limit_remaining"] == usd(87.5)


def test_spent_past_the_trial_limit_leaves_nothing(fake, session):
    fake.route("POST", TRIAL, {"spec": {"netConsumptionLimit": "10"}, "status": {"netConsumptionSpent": "10.4"}},
               errors="nebius")
    assert figures(fetch(fake, session, "nebius"))["limit_remaining"] == usd(0.0)


@pytest.mark.parametrize("trial", [{}, {"spec": {"netConsumptionLimit": "abc"}, "status": {}},
                                   {"spec": {"netConsumptionLimit": "0"}, "status": {"netConsumptionSpent": "0"}},
                                   {"spec": [], "status": "x"}, ["not", "an", "object"]])
def test_an_odd_trial_answer_is_not_reported(fake, session, trial):
    fake.route("POST", TRIAL, trial, errors="nebius")
    reading = figures(fetch(fake, session, "nebius"))
    assert reading["balance"] == [usd(37.25)] and reading["limit_remaining"] is None


def test_neither_figure_is_a_bad_response(fake, session):
    fake.route("POST", BALANCE, {"balance": None}, errors="nebius")
    fake.fault(TRIAL, "404")
    with pytest.raises(BadResponse, match="getBalance sent no balance"):
        fetch(fake, session, "nebius")


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_session_is_auth_with_the_reconnect_command(fake, session, status):
    fake.fault(BALANCE, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "nebius")
    assert caught.value.status == int(status)
    assert "web session has expired or was signed out" in str(caught.value)
    assert str(caught.value).endswith(RECONNECT)


def test_bad_csrf_token_in_the_body_is_auth(fake, session):
    fake.route("POST", BALANCE, Reply(403, {"statusCode": 403, "code": "EBADCSRFTOKEN",
                                            "message": "invalid csrf token"}), errors="nebius")
    with pytest.raises(AuthError, match="reconnect in a minute"):
        fetch(fake, session, "nebius")
    fake.route("POST", BALANCE, {"statusCode": 200, "code": "EBADCSRFTOKEN"}, errors="nebius")
    with pytest.raises(AuthError, match="the session was refused .EBADCSRFTOKEN."):
        fetch(fake, session, "nebius")


def test_error_envelopes_in_a_200_answer(fake, session):
    fake.route("POST", BALANCE, {"statusCode": 429, "message": "slow down"}, errors="nebius")
    with pytest.raises(RateLimited):
        fetch(fake, session, "nebius")
    fake.route("POST", BALANCE, {"statusCode": 500, "message": "internal\x1b[31m"}, errors="nebius")
    fake.fault(TRIAL, "404")
    with pytest.raises(BadResponse, match=r"statusCode 500 \(internal\\x1b\[31m\)"):
        fetch(fake, session, "nebius")


def test_a_cookie_echoed_by_the_server_is_scrubbed(fake, session):
    fake.fault("*", "401", message=f"bad session {VALUES['app_session']} / {VALUES['csrf_token']}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "nebius")
    assert VALUES["app_session"] not in str(caught.value) and VALUES["csrf_token"] not in str(caught.value)
    assert "[session]" in str(caught.value)


def test_a_stored_session_that_is_not_one_is_auth_without_a_request(fake, session):
    broken = json.dumps({**VALUES, "csrf_token": ""})
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "nebius", secret=broken)
    assert "has no 'csrf_token'" in str(caught.value) and str(caught.value).endswith(RECONNECT)
    with pytest.raises(NoSecret):
        nebius.fetch(_with_secret(fake, session, None))
    assert not fake.calls()


def _with_secret(fake, session, secret):
    from tests.providers.conftest import make_ctx

    ctx = make_ctx(fake, session, "nebius")
    return type(ctx)(**{**ctx.__dict__, "secret": secret})


# --- the pasted session ------------------------------------------------------------------------


def test_pasted_session_is_kept_compact_with_only_its_fields():
    pasted = " '" + json.dumps({**VALUES, "extra": "dropped"}, indent=1).replace("\n", " ") + "'\n"
    assert nebius.SESSION.compact(pasted) == KEY


@pytest.mark.parametrize(("pasted", "message"), [
    ("", "not the JSON line the snippet prints"),
    ('{"app_session": "abc', "it looks cut short"),
    ("[1, 2]", "not the JSON object"),
    (json.dumps({k: v for k, v in VALUES.items() if k != "contract_id"}), "has no 'contract_id' (the contractId"),
    (json.dumps({**VALUES, "csrf_cookie": 7}), "has no 'csrf_cookie' (the __Host-psifi.x-csrf-token cookie)"),
    (json.dumps({**VALUES, "app_session": "a b\r\nX-Evil: 1"}), "'app_session' holds spaces"),
])
def test_an_unusable_paste_is_one_line_naming_the_field(pasted, message):
    problem = nebius.key_problem(pasted)
    assert problem and message in problem and "\n" not in problem
    assert "https://tokenfactory.nebius.com" in problem


def test_instructions_name_the_page_the_request_and_the_one_line_snippet():
    text = nebius.SESSION.instructions()
    assert "https://tokenfactory.nebius.com" in text and "getBalance" in text and "Copy as cURL (bash)" in text
    assert "\n" not in nebius.SESSION.snippet and nebius.SESSION.snippet in text


def test_docs_hold_the_snippet_tokseg_prints():
    assert nebius.SESSION.snippet in (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the console snippet")
@pytest.mark.parametrize("cookie_flag", ["-b '", "-H 'Cookie: "])
def test_the_console_snippet_prints_the_session_from_a_copied_request(tmp_path, cookie_flag):
    """The snippet run as a console runs it: prompt() answers the cURL (line breaks stripped, as the box does)."""
    curl = CURL.read_text().replace("-b '", cookie_flag).replace("\n", "")
    harness = (f"global.prompt=()=>{json.dumps(curl)};global.document={{cookie:'_ga=GA1.1.5'}};"
               + nebius.SESSION.snippet)
    printed = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=30, check=True).stdout
    assert nebius.SESSION.compact(printed) == KEY
    assert "_ga" not in printed and "text/plain" not in printed  # only what the provider needs


# --- through the CLI ---------------------------------------------------------------------------


def test_add_reconnect_refresh_and_show_through_the_cli(fake, config_file, home, tmp_path):
    """The session piped to `tokseg add`, an expired one reconnected, `refresh`, the segment and --json."""
    url = fake.url + "/nebius"
    missing = run_tokseg("add", "nebius", "--base-url", url, input=json.dumps({**VALUES, "csrf_token": ""}) + "\n")
    assert missing.returncode == 1 and not fake.calls() and not config_file.exists()
    assert "not added: the nebius session has no 'csrf_token' (the request's x-csrf-token header)" in missing.stderr
    assert nebius.SESSION.snippet in missing.stderr  # the steps come first

    added = run_tokseg("add", "nebius", "--name", "neb", "--base-url", url, input=json.dumps(VALUES, indent=None) + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added neb (nebius): $37.25")
    keyring = json.loads((tmp_path / "xdata" / "tokseg-test-keyring.json").read_text())
    assert list(keyring.values()) == [KEY]  # compact, only the declared fields

    nowhere = run_tokseg("add", "nebius", "--name", "other", "--reconnect", input=KEY + "\n")
    assert nowhere.returncode != 0 and "no account named 'other' to reconnect" in nowhere.stderr

    fake.fault(BALANCE, "401")
    expired = run_tokseg("refresh")
    assert expired.returncode == 1 and "`tokseg add nebius --name neb --reconnect`" in expired.stdout
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["error"]["kind"] == "auth"
    assert "`tokseg add nebius --name neb --reconnect`" in account["error"]["message"]

    fake.clear_faults()
    fresh = json.dumps({**VALUES, "csrf_token": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"})
    again = run_tokseg("add", "nebius", "--name", "neb", "--reconnect", input=fresh + "\n")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("new key saved for neb (nebius): $37.25")
    assert fake.calls(BALANCE)[-1].headers["x-csrf-token"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "neb $37.25"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    for path in home.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert VALUES["app_session"] not in text and VALUES["csrf_cookie"] not in text, path
