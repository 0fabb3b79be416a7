"""Gemini API key check through the fake server: the key is tested, no figure is made up."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import FakeServer, Reply, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures, make_ctx
from tokseg.errors import AuthError, BadResponse, RateLimited, ServerError, TokError
from tokseg.providers import gemini
from tokseg.render import template

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


# --- the Gemini CLI's Google sign-in, read-only ---------------------------------------------------

LOAD, QUOTA = "/gemini/v1internal:loadCodeAssist", "/gemini/v1internal:retrieveUserQuota"
TOKEN = "ya29.a0AfB_byC3dGhpcy1pcy1ub3QtYS1yZWFsLXRva2VuLWJ1dC1pdC1sb29rcy1saWtlLW9uZQ"
NEXT_DAY = 1772496000.0  # 2026-03-03T00:00:00Z, as in tests/fixtures/gemini/
WINDOWS = [{"name": "pro", "used_pct": pytest.approx(40.0), "resets_at": 1772483400.0, "length_s": None},
           {"name": "flash", "used_pct": pytest.approx(5.0), "resets_at": NEXT_DAY, "length_s": None},
           {"name": "flash-lite", "used_pct": 0.0, "resets_at": NEXT_DAY, "length_s": None}]


def login_file(folder: Path, *, token: object = TOKEN, expiry_ms: object = (NOW + 3000) * 1000,
               auth_type: str | None = "oauth-personal") -> Path:
    """The Gemini CLI's oauth_creds.json, with the settings.json it keeps beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    creds = {"access_token": token, "refresh_token": "1//0gRefresh-not-used", "scope": "openid",
             "token_type": "Bearer", "id_token": "eyJ.not.checked", "expiry_date": expiry_ms}
    (folder / "oauth_creds.json").write_text(json.dumps(creds), encoding="utf-8")
    if auth_type is not None:
        settings = {"security": {"auth": {"selectedType": auth_type}}, "ui": {"theme": "GitHub"}}
        (folder / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder / "oauth_creds.json"


def login_fetch(fake: FakeServer, session, path: Path, **options) -> dict:
    return figures(fetch(fake, session, "gemini", secret="", credentials=str(path), **options))


def test_without_a_key_the_cli_login_gives_a_window_per_model_family(fake, session, tmp_path) -> None:
    path = login_file(tmp_path / ".gemini")
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    reading = login_fetch(fake, session, path)
    assert reading["windows"] == WINDOWS
    assert reading["headline"] == {"kind": "window", "key": "pro"}
    assert reading["notes"] == ["tier: Gemini Code Assist Standard",
                                "pro: gemini-3-pro-preview is the lowest of 2 models",
                                "flash: gemini-2.5-flash is the lowest of 1 model",
                                "flash-lite: gemini-2.5-flash-lite is the lowest of 1 model"]
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == ["oauth_creds.json", "settings.json"]


def test_the_requests_carry_the_token_the_metadata_and_the_project(fake, session, tmp_path) -> None:
    login_fetch(fake, session, login_file(tmp_path))
    load, quota = fake.calls()
    assert (load.method, load.path, quota.method, quota.path) == ("POST", LOAD, "POST", QUOTA)
    assert load.json() == {"metadata": {"ideType": "GEMINI_CLI", "pluginType": "GEMINI"}}
    assert quota.json() == {"project": "acme-code-assist-4821"}
    assert {load.headers["authorization"], quota.headers["authorization"]} == {f"Bearer {TOKEN}"}
    assert "x-goog-api-key" not in quota.headers


def test_a_project_of_ones_own_is_sent_to_both(fake, session, tmp_path) -> None:
    login_fetch(fake, session, login_file(tmp_path), project="my-workspace-proj")
    load, quota = fake.calls()
    assert load.json()["cloudaicompanionProject"] == quota.json()["project"] == "my-workspace-proj"


def test_no_project_anywhere_asks_for_the_quota_without_one(fake, session, tmp_path) -> None:
    fake.route("POST", LOAD, {"currentTier": {"id": "free-tier"}}, errors="google")
    reading = login_fetch(fake, session, login_file(tmp_path))
    assert fake.calls(QUOTA)[0].json() == {} and reading["notes"][0] == "tier: free-tier"


def test_a_key_wins_in_auto_and_login_wins_when_asked(fake, session, tmp_path) -> None:
    path = login_file(tmp_path)
    fetch(fake, session, "gemini", credentials=str(path))
    assert [c.path for c in fake.calls()] == [PATH]
    reading = figures(fetch(fake, session, "gemini", credentials=str(path), auth="login"))
    assert reading["windows"] == WINDOWS and fake.calls(QUOTA)[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_auth_key_without_a_key_is_auth_before_any_request(fake, session, tmp_path) -> None:
    with pytest.raises(TokError, match=r'auth = "key" but no Gemini API key: `tokseg add gemini`') as caught:
        login_fetch(fake, session, login_file(tmp_path), auth="key")
    assert caught.value.kind == "auth" and not fake.calls()


def test_an_expired_token_says_run_gemini_once_before_any_request(fake, session, tmp_path) -> None:
    path = login_file(tmp_path, expiry_ms=(NOW - 1) * 1000)
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, path)
    assert str(caught.value).startswith("the Gemini CLI's token expired: run `gemini` once to sign in again")
    assert "never refreshes" in str(caught.value) and str(path) in str(caught.value)
    assert not fake.calls() and json.loads(path.read_text())["expiry_date"] == (NOW - 1) * 1000


def test_a_login_without_an_expiry_is_tried(fake, session, tmp_path) -> None:
    assert login_fetch(fake, session, login_file(tmp_path, expiry_ms=None))["windows"] == WINDOWS


@pytest.mark.parametrize("content", [None, "{not json", {"access_token": ""}, {"access_token": 7}, ["x"]])
def test_no_key_and_no_cli_login_is_auth(fake, session, tmp_path, content) -> None:
    path = tmp_path / "oauth_creds.json"
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(AuthError, match=r"no Gemini API key and no Gemini CLI login in .*oauth_creds\.json"):
        login_fetch(fake, session, path)
    assert not fake.calls()


@pytest.mark.parametrize("auth_type", ["gemini-api-key", "vertex-ai"])
def test_a_cli_set_to_a_key_or_vertex_is_auth_naming_the_setting(fake, session, tmp_path, auth_type) -> None:
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path, auth_type=auth_type))
    assert f"the Gemini CLI is set to sign in with '{auth_type}'" in str(caught.value)
    assert "sign in with Google in `gemini` (/auth)" in str(caught.value) and not fake.calls()


def test_the_older_settings_key_and_no_settings_file_are_read_too(fake, session, tmp_path) -> None:
    path = login_file(tmp_path, auth_type=None)
    assert login_fetch(fake, session, path)["windows"] == WINDOWS
    (tmp_path / "settings.json").write_text('{"selectedAuthType": "vertex-ai"}', encoding="utf-8")
    with pytest.raises(AuthError, match="'vertex-ai'"):
        login_fetch(fake, session, path)


def test_googles_withdrawal_for_the_account_type_is_auth_pointing_at_antigravity(fake, session, tmp_path) -> None:
    fake.route("POST", LOAD, fixture("gemini/load_code_assist_withdrawn.json"), errors="google")
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path))
    text = str(caught.value)
    assert text.startswith("Google no longer serves Gemini CLI sign-in to this account type")
    assert "2026-06-18" in text and "`tokseg add antigravity`" in text
    assert not fake.calls(QUOTA)


def test_the_withdrawal_as_an_error_answer_is_explained_the_same(fake, session, tmp_path) -> None:
    fake.fault(QUOTA, "403", message="IneligibleTierError: UNSUPPORTED_CLIENT")
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path))
    assert str(caught.value).startswith("Google no longer serves Gemini CLI sign-in") and caught.value.status == 403


def test_another_ineligible_tier_gives_googles_reason(fake, session, tmp_path) -> None:
    fake.route("POST", LOAD, {"ineligibleTiers": [{"reasonCode": "UNSUPPORTED_LOCATION",
                                                   "reasonMessage": "Not available in your country\x1b[2J"}]},
               errors="google")
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path))
    assert str(caught.value) == ("Google says this account may not use Code Assist: "
                                 "Not available in your country\\x1b[2J")


def test_a_refused_token_says_run_gemini_once(fake, session, tmp_path) -> None:
    fake.fault(LOAD, "401")
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path))
    assert str(caught.value).startswith("Google refused the Gemini CLI's token (HTTP 401): run `gemini` once")
    assert caught.value.status == 401 and TOKEN not in str(caught.value)


def test_a_403_names_the_project_setting(fake, session, tmp_path) -> None:
    fake.fault(QUOTA, "403", message=f"Permission denied on resource project for {TOKEN}")
    with pytest.raises(AuthError) as caught:
        login_fetch(fake, session, login_file(tmp_path))
    assert "set GOOGLE_CLOUD_PROJECT or -o project=…" in str(caught.value) and TOKEN not in str(caught.value)


@pytest.mark.parametrize("fault, error", [("429", RateLimited), ("500", ServerError), ("html", BadResponse),
                                          ("truncated", BadResponse), ("wrong_type", BadResponse)])
def test_other_faults_keep_their_class(fake, session, tmp_path, fault, error) -> None:
    fake.fault(QUOTA, fault)
    with pytest.raises(error):
        login_fetch(fake, session, login_file(tmp_path))


def test_the_quota_answer_read_tolerantly(fake, session, tmp_path) -> None:
    reset = "2026-03-02T18:00:00Z"
    fake.route("POST", QUOTA, {"buckets": [
        {"modelId": "gemini-2.5-pro", "resetTime": reset},  # a fraction of zero left out: used up
        {"modelId": "gemini-2.5-flash", "remainingFraction": 1.5, "resetTime": reset},  # not a fraction
        {"modelId": "gemini-2.5-flash", "remainingFraction": "0.25", "resetTime": "2027-01-01T00:00:00Z"},
        {"modelId": 42, "remainingFraction": 0.1}, "junk", {"remainingFraction": 0.3},
        {"modelId": "gemini-2.5-flash-lite"}]}, errors="google")
    reading = login_fetch(fake, session, login_file(tmp_path))
    assert [(w["name"], w["used_pct"], w["resets_at"]) for w in reading["windows"]] == [
        ("pro", 100.0, 1772474400.0), ("flash", 75.0, None)]
    assert reading["headline"] == {"kind": "window", "key": "pro"}


@pytest.mark.parametrize("body", [{}, {"buckets": None}, [], 7])
def test_an_answer_without_buckets_is_bad_response(fake, session, tmp_path, body) -> None:
    fake.route("POST", QUOTA, body, errors="google")
    with pytest.raises(BadResponse, match="no buckets list"):
        login_fetch(fake, session, login_file(tmp_path))


def test_no_usable_bucket_is_a_note(fake, session, tmp_path) -> None:
    fake.route("POST", QUOTA, {"buckets": [{"modelId": "gemini-embedding-001", "remainingFraction": 0.5}]},
               errors="google")
    reading = login_fetch(fake, session, login_file(tmp_path))
    assert reading["windows"] == [] and reading["notes"][-1] == "the answer reports no model quota tokseg can show"


@pytest.mark.parametrize("model, family", [("gemini-2.5-pro", "pro"), ("gemini-3-pro-preview", "pro"),
                                           ("gemini-2.5-flash", "flash"), ("gemini-2.0-flash-001", "flash"),
                                           ("gemini-2.5-flash-lite", "flash-lite"), ("gemini-embedding-001", None),
                                           ("gemini-2.5-pro_vertex", "pro"), ("", None)])
def test_model_families(model, family) -> None:
    assert gemini.family(model) == family


def test_the_cli_folder_from_gemini_cli_home(tmp_path) -> None:
    env = {"GEMINI_CLI_HOME": str(tmp_path / "profile"), "HOME": str(tmp_path)}
    assert gemini.credentials_path(gemini.Options(), env) == str(tmp_path / "profile" / ".gemini" / "oauth_creds.json")
    assert gemini.credentials_path(gemini.Options(), {"HOME": str(tmp_path)}) == \
        str(tmp_path / ".gemini" / "oauth_creds.json")
    assert gemini.credentials_path(gemini.Options(credentials="~/c.json"), env) == os.path.expanduser("~/c.json")


def test_credential_stamp_follows_the_login_and_its_auth_type(fake, session, tmp_path) -> None:
    def stamp(**options) -> str:
        return gemini.credential_stamp(make_ctx(fake, session, "gemini", credentials=str(path), **options))
    path = login_file(tmp_path)
    first = stamp()
    login_file(tmp_path, auth_type="gemini-api-key")
    second = stamp()
    login_file(tmp_path, token=TOKEN + "x")
    assert len({first, second, stamp()}) == 3 and TOKEN not in first
    assert stamp(auth="key") == ""


def test_detect_finds_the_cli_login(tmp_path) -> None:
    def run(argv, timeout):
        return None
    path = login_file(tmp_path / ".gemini")
    (found,) = gemini.detect({"HOME": str(tmp_path)}, run)
    assert (found.provider, found.account, found.where, found.options, found.key_env) == \
        ("gemini", "gemini", str(path), {}, None)
    assert TOKEN not in json.dumps(found.to_dict())
    (login, key) = gemini.detect({"HOME": str(tmp_path), "GOOGLE_API_KEY": KEY}, run)
    assert (login.key_env, key.key_env) == (None, "GOOGLE_API_KEY")
    (found,) = gemini.detect({"HOME": str(tmp_path), "GEMINI_API_KEY": KEY}, run)
    assert found.options == {"auth": "login"}  # else the key in the environment would be read instead
    other = login_file(tmp_path / "profile" / ".gemini")
    (found,) = gemini.detect({"HOME": str(tmp_path), "GEMINI_CLI_HOME": str(tmp_path / "profile")}, run)
    assert found.options == {"credentials": str(other)}
    login_file(tmp_path / ".gemini", auth_type="vertex-ai")
    assert gemini.detect({"HOME": str(tmp_path)}, run) == []


def route_now(fake: FakeServer) -> float:
    """The quota answer with resets relative to the real clock, for the CLI runs; returns that clock."""
    now = time.time()
    body = fixture("gemini/retrieve_user_quota.json")
    for bucket, ahead in zip(body["buckets"], (9 * 3600, 3 * 3600 + 12 * 60 + 30, 9 * 3600, 9 * 3600, 9 * 3600)):
        bucket["resetTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + ahead))
    fake.route("POST", QUOTA, body, errors="google")
    return now


def test_the_cli_login_through_the_cli_and_its_expiry(fake: FakeServer, home: Path, config_file: Path,
                                                      tmp_path: Path) -> None:
    """No key: `tokseg add gemini` with nothing piped reads the CLI's login; once its token expires, the last
    reading stays (stale) and the error says to run `gemini` once."""
    now = route_now(fake)
    folder = tmp_path / "user" / ".gemini"
    path = login_file(folder, expiry_ms=(now + 3000) * 1000)
    before = path.read_bytes()
    env = {"GEMINI_API_KEY": "", "GOOGLE_CLOUD_PROJECT": ""}
    added = run_tokseg("add", "gemini", "--name", "gcli", "-o", f"login_base_url={fake.url}/gemini", input="\n",
                       env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added gcli (gemini): pro 40% ↻3h12m"
    assert run_tokseg("refresh", env=env).returncode == 0
    assert run_tokseg("--template", "{gcli.pro.pct:.0f}% {gcli.flash.pct:.0f}% {gcli.flash-lite.pct:.0f}%",
                      env=env).stdout.strip() == "40% 5% 0%"
    (account,) = json.loads(run_tokseg("--json", env=env).stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["pro", "flash", "flash-lite"]
    assert {c.headers["authorization"] for c in fake.calls(QUOTA)} == {f"Bearer {TOKEN}"}
    assert path.read_bytes() == before

    login_file(folder, expiry_ms=(time.time() - 60) * 1000)
    calls = len(fake.calls())
    failed = run_tokseg("refresh", env=env)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert len(fake.calls()) == calls  # an expired token is not sent
    (account,) = json.loads(run_tokseg("--json", env=env).stdout)["accounts"]
    assert account["error"]["kind"] == "auth" and account["stale"] is True
    assert "run `gemini` once" in account["error"]["message"]
    assert [w["name"] for w in account["windows"]] == ["pro", "flash", "flash-lite"]  # the last reading stays
    everything = added.stdout + added.stderr + failed.stdout + failed.stderr + json.dumps(account)
    assert TOKEN not in everything
    for stored in home.rglob("*"):
        if stored.is_file():
            assert TOKEN not in stored.read_bytes().decode(errors="replace"), stored


def test_add_refuses_a_withdrawn_login_with_the_reason(fake: FakeServer, home: Path, config_file: Path,
                                                      tmp_path: Path) -> None:
    fake.route("POST", LOAD, fixture("gemini/load_code_assist_withdrawn.json"), errors="google")
    login_file(tmp_path / "user" / ".gemini", expiry_ms=(time.time() + 3000) * 1000)
    refused = run_tokseg("add", "gemini", "-o", f"login_base_url={fake.url}/gemini", "-o", "auth=login",
                         input="", env={"GEMINI_API_KEY": ""})
    assert refused.returncode == 1 and "Google no longer serves Gemini CLI sign-in" in refused.stderr
    assert "tokseg add antigravity" in refused.stderr and not config_file.exists()


def test_on_a_terminal_enter_alone_reads_the_cli_login(fake: FakeServer, home: Path, config_file: Path,
                                                       tmp_path: Path) -> None:
    """`tokseg add gemini` asks for a key on a terminal; Enter alone means none: the CLI's login is read."""
    route_now(fake)
    login_file(tmp_path / "user" / ".gemini", expiry_ms=(time.time() + 3000) * 1000)
    controller, terminal = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "tokseg", "add", "gemini", "-o",
                              f"login_base_url={fake.url}/gemini"], stdin=terminal, stdout=terminal, stderr=terminal,
                             close_fds=True, env={**os.environ, "GEMINI_API_KEY": "", "GOOGLE_CLOUD_PROJECT": ""})
    os.close(terminal)
    seen = b""

    def read_until(marker: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(controller, 4096)
            except OSError:
                break

    try:
        read_until(b"Enter alone reads the Gemini CLI's Google sign-in (~/.gemini/oauth_creds.json)): ")
        os.write(controller, b"\n")
        read_until(b"3h12m")
        assert child.wait(timeout=20) == 0, seen
    finally:
        child.kill()
        os.close(controller)
    assert b"added gemini (gemini): pro 40% \xe2\x86\xbb3h12m" in seen


bucket_fields = st.fixed_dictionaries({}, optional={
    "modelId": st.none() | st.integers() | st.sampled_from(["gemini-2.5-pro", "gemini-2.5-flash", "x", ""]),
    "remainingFraction": st.none() | st.floats() | st.integers(-2, 2) | st.text(max_size=4),
    "resetTime": st.none() | st.integers() | st.sampled_from(["2026-03-02T18:00:00Z", "soon", "", "1999-01-01T00:00:00Z"]),
    "tokenType": st.sampled_from(["REQUESTS", "TOKENS"])})


@settings(max_examples=100, deadline=None)
@given(buckets=st.lists(bucket_fields | st.none() | st.text(max_size=3), max_size=6))
def test_quota_parser_on_random_answers(buckets) -> None:
    reading = gemini.parse_quota({"buckets": buckets}, NOW)
    for window in reading.windows:
        assert 0.0 <= window.used_pct <= 100.0 and re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or window.resets_at > NOW
    json.dumps(reading.to_dict(), allow_nan=False)
