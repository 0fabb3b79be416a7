"""Gemini API key check through the fake server: the key is tested, no figure is made up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_tokseg
from tests.fakeserver import FakeServer, Reply, fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, RateLimited, ServerError
from tokseg.providers import gemini

PATH = "/gemini/v1beta/models"
KEY = SPECS["gemini"].key


def test_a_working_key_is_a_note_and_no_figure(fake: FakeServer, session) -> None:
    reading = figures(fetch(fake, session, "gemini"))
    assert reading == {"headline": {"kind": "none", "key": ""}, "balance": [], "limit": None, "limit_remaining": None,
                       "spent": {}, "tokens": {}, "windows": [], "rate_limits": [], "models": [],
                       "notes": [gemini.VALID]}
    assert gemini.VALID.startswith("key valid: the Gemini API answered. Google reports no usage")
    assert "https://ai.google.dev/gemini-api/docs/rate-limits" in gemini.VALID


def test_the_key_goes_in_the_header_only(fake: FakeServer, session) -> None:
    fetch(fake, session, "gemini")
    (call,) = fake.calls()
    assert (call.method, call.path, call.query) == ("GET", PATH, {})
    assert call.headers["x-goog-api-key"] == KEY
    assert "authorization" not in call.headers


def test_an_empty_model_list_still_proves_the_key(fake: FakeServer, session) -> None:
    fake.route("GET", PATH, {"models": []}, errors="google")
    assert fetch(fake, session, "gemini").notes == (gemini.VALID,)


@pytest.mark.parametrize("body, message", [({}, "field models is missing"), ({"models": None}, "field models is null"),
                                           ({"models": {"a": 1}}, "field models is not a list"),
                                           ([1], "the body is not an object")])
def test_an_answer_without_a_model_list_is_bad_response(fake: FakeServer, session, body, message) -> None:
    fake.route("GET", PATH, body, errors="google")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "gemini")


def test_googles_400_for_an_invalid_key_is_auth_with_its_message(fake: FakeServer, session) -> None:
    fake.route("GET", PATH, Reply(400, fixture("gemini/invalid_key.json")), errors="google")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "gemini")
    text = str(caught.value)
    assert caught.value.status == 400
    assert text.startswith("Google refused the key: it needs a Gemini API key from https://aistudio.google.com/apikey")
    assert "API key not valid. Please pass a valid API key." in text


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_says_which_key_is_needed_and_hides_it(fake: FakeServer, session, status: str) -> None:
    fake.fault(PATH, status, message=f"API key {KEY} is restricted")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "gemini")
    assert caught.value.status == int(status)
    assert str(caught.value).startswith("Google refused the key") and KEY not in str(caught.value)


def test_other_client_errors_stay_bad_response(fake: FakeServer, session) -> None:
    fake.fault(PATH, "404")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "gemini")
    assert caught.value.status == 404


def test_quota_and_server_errors(fake: FakeServer, session) -> None:
    fake.fault(PATH, "429", retry_after="7", times=1)
    with pytest.raises(RateLimited) as limited:
        fetch(fake, session, "gemini")
    assert limited.value.retry_after == 7.0
    fake.fault(PATH, "503")
    with pytest.raises(ServerError):
        fetch(fake, session, "gemini")


def test_detect_offers_google_api_key_only_without_gemini_api_key() -> None:
    def run(argv, timeout):
        return None
    assert gemini.detect({}, run) == []
    (found,) = gemini.detect({"GOOGLE_API_KEY": KEY}, run)
    assert (found.provider, found.account, found.key_env, found.where) == ("gemini", "gemini", "GOOGLE_API_KEY",
                                                                            "$GOOGLE_API_KEY")
    assert KEY not in json.dumps(found.to_dict())
    assert gemini.detect({"GOOGLE_API_KEY": KEY, "GEMINI_API_KEY": KEY}, run) == []
    assert gemini.detect({"GOOGLE_API_KEY": "  "}, run) == []


def test_end_to_end_add_refresh_json(fake: FakeServer, home: Path, config_file: Path) -> None:
    fake.route("GET", PATH, Reply(400, fixture("gemini/invalid_key.json")), errors="google")
    refused = run_tokseg("add", "gemini", "--base-url", fake.url + "/gemini/v1beta", input="AIzaWRONG\n")
    assert refused.returncode == 1 and "Google refused the key" in refused.stderr
    assert not config_file.exists()
    fake.route("GET", PATH, fixture("gemini/models.json"), errors="google")
    added = run_tokseg("add", "gemini", "--base-url", fake.url + "/gemini/v1beta", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"added gemini (gemini): –; key …{KEY[-4:]} (keyring)"
    assert run_tokseg("refresh").returncode == 0
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and account["notes"] == [gemini.VALID]
    assert [c.headers["x-goog-api-key"] for c in fake.calls(PATH)][-2:] == [KEY, KEY]
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
