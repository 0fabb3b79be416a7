"""Kimi Code plan through the fake server: each window figure, the key and the CLI's login, each error class."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures, make_ctx
from tokseg.errors import AuthError, BadResponse, TokError
from tokseg.providers import kimi
from tokseg.render import template

PATH = "/kimi/coding/v1/usages"
KEY = SPECS["kimi"].key
TOKEN = "eyJhbGciOiJIUzUxMiJ9.a2ltaS1jbGktbG9naW4.c2lnbmF0dXJlLW9mLXRoZS1jbGk"
FIVE_END = 1772458382.717479  # 2026-03-02T13:33:02.717479433Z, as in tests/fixtures/kimi/usages.json
OVERALL_END = 1772724193.716839  # 2026-03-05T15:23:13.716839300Z
WINDOWS = [{"name": "5h", "used_pct": 69.5, "resets_at": FIVE_END, "length_s": 18000.0},
           {"name": "overall", "used_pct": 10.45, "resets_at": OVERALL_END, "length_s": None}]
NOTES = ["5h: 139 of 200 requests used", "overall: 214 of 2048 requests used"]


def login_file(folder: Path, **fields: Any) -> Path:
    """A Kimi CLI credentials file as the CLI writes it (None drops a field)."""
    data = {"access_token": TOKEN, "refresh_token": "rt-never-used", "expires_at": NOW + 900.5, "scope": "kimi-code",
            "token_type": "Bearer", "expires_in": 900, **fields}
    path = folder / "credentials" / "kimi-code.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}), encoding="utf-8")
    return path


def windows(fake, session, body: Any) -> list[dict]:
    fake.route("GET", PATH, body, errors="openai")
    return figures(fetch(fake, session, "kimi"))["windows"]


def detail(limit: Any = "200", used: Any = "139", remaining: Any = "61", **reset: Any) -> dict:
    found = {"limit": limit, "used": used, "remaining": remaining, **reset}
    return {k: v for k, v in found.items() if v is not None}


# --- figures -----------------------------------------------------------------------------------


def test_five_hour_and_overall_windows_with_the_requests_used(fake, session):
    reading = figures(fetch(fake, session, "kimi"))
    assert reading["windows"] == WINDOWS
    assert reading["notes"] == NOTES
    assert reading["headline"] == {"kind": "window", "key": "5h"}
    assert reading["balance"] == [] and reading["spent"] == {}


def test_headers_sent_with_a_key(fake, session):
    fetch(fake, session, "kimi")
    (call,) = fake.calls()
    assert (call.method, call.path, call.query) == ("GET", PATH, {})
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["accept"] == "application/json"


def test_the_used_count_else_limit_minus_remaining(fake, session):
    body = {"usage": detail(limit=1000, used=None, remaining=800),
            "limits": [{"window": {"duration": 300, "timeUnit": "MINUTE"}, "detail": detail(used=None)}]}
    found = windows(fake, session, body)
    assert [(w["name"], w["used_pct"]) for w in found] == [("5h", 69.5), ("overall", 20.0)]


def test_counts_that_do_not_add_up_are_not_reported(fake, session):
    body = {"usage": detail(limit="0", used="0"),
            "limits": [{"window": {"duration": 300, "timeUnit": "MINUTE"}, "detail": detail(used="201")},
                       {"window": {"duration": 5, "timeUnit": "HOUR"}, "detail": detail(used=None, remaining="-1")},
                       {"window": {"duration": 5, "timeUnit": "HOUR"}, "detail": detail(limit="lots")},
                       {"window": {"duration": 1, "timeUnit": "TIME_UNIT_DAY"}, "detail": detail(used="0")}]}
    fake.route("GET", PATH, body, errors="openai")
    reading = figures(fetch(fake, session, "kimi"))
    assert [(w["name"], w["used_pct"]) for w in reading["windows"]] == [("1d", 0.0)]
    assert reading["notes"] == ["1d: 0 of 200 requests used"]


def test_windows_named_by_their_length(fake, session):
    units = [(300, "TIME_UNIT_MINUTE"), (300, "minute"), (18000, "TIME_UNIT_SECOND"), (1, "WEEK"), (3, "FORTNIGHT"),
             (0, "MINUTE"), ("300", "MINUTE"), (10**9, "DAY")]
    body = {"limits": [{"window": {"duration": d, "timeUnit": u}, "detail": detail()} for d, u in units]
            + [{"detail": detail()}, "not an entry"]}
    found = windows(fake, session, body)
    assert [(w["name"], w["length_s"]) for w in found] == [
        ("5h", 18000.0), ("5h-2", 18000.0), ("5h-3", 18000.0), ("7d", 604800.0), ("window", None),
        ("window-2", None), ("5h-4", 18000.0), ("window-3", None), ("window-4", None)]
    for window in found:
        assert re.fullmatch(template.NAME, f"kc.{window['name']}.pct")


def test_the_fullest_window_is_the_headline(fake, session):
    fake.route("GET", PATH, {"usage": detail(limit=100, used=99), "limits": fixture("kimi/usages.json")["limits"]},
               errors="openai")
    assert figures(fetch(fake, session, "kimi"))["headline"] == {"kind": "window", "key": "overall"}


@pytest.mark.parametrize("reset, expected", [
    ({"resetTime": "2026-03-02T13:00:00Z"}, NOW + 3600),
    ({"resetAt": "2026-03-02T13:00:00.5+00:00"}, NOW + 3600.5),
    ({"reset_time": NOW + 60}, NOW + 60),
    ({"reset_at": (NOW + 60) * 1000}, NOW + 60),
    ({"resetTime": str(int(NOW + 60))}, NOW + 60),
    ({"resetTime": "2026-03-01T00:00:00Z"}, None),
    ({"resetTime": NOW + 400 * 86400}, None),
    ({"resetTime": "soon"}, None),
    ({}, None),
])
def test_reset_times(fake, session, reset, expected):
    (window,) = windows(fake, session, {"usage": detail(**reset)})
    assert window["resets_at"] == expected


def test_no_usable_window_is_a_note(fake, session):
    fake.route("GET", PATH, {"usage": {"limit": "0"}, "limits": []}, errors="openai")
    reading = figures(fetch(fake, session, "kimi"))
    assert reading["windows"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == ["the answer reports no window with a usable limit"]


@pytest.mark.parametrize("body, message", [
    ([1, 2], "the answer is not an object"),
    ({"error": {"message": "nope"}}, "the answer has neither usage nor limits"),
])
def test_malformed_bodies_are_bad_response(fake, session, body, message):
    fake.route("GET", PATH, body, errors="openai")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "kimi")


junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
        | st.sampled_from(["12", "1e400", "NaN", "", "300", "MINUTE", "TIME_UNIT_HOUR", "2026-03-02T13:00:00Z"])
        | st.lists(st.integers(), max_size=2))
details = st.dictionaries(st.sampled_from(["limit", "used", "remaining", *kimi.RESET_FIELDS]), junk)


@settings(max_examples=200, deadline=None)
@given(usage=details | junk, limits=st.lists(st.fixed_dictionaries(
    {"window": st.dictionaries(st.sampled_from(["duration", "timeUnit"]), junk) | junk, "detail": details | junk}),
    max_size=4) | junk)
def test_parser_on_random_answers(usage, limits):
    try:
        reading = kimi.parse({"usage": usage, "limits": limits}, NOW)
    except TokError:
        return
    names = [w.name for w in reading.windows]
    assert len(names) == len(set(names)) and len(reading.notes) in (len(names), 1)
    for window in reading.windows:
        assert 0.0 <= window.used_pct <= 100.0
        assert re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or NOW < window.resets_at <= NOW + kimi.MAX_AHEAD
    json.dumps(reading.to_dict(), allow_nan=False)


# --- the Kimi CLI's login, read-only -----------------------------------------------------------


def test_without_a_key_the_cli_login_is_read_and_left_alone(fake, session, tmp_path):
    path = login_file(tmp_path)
    before, stat = path.read_bytes(), path.stat()
    reading = figures(fetch(fake, session, "kimi", secret="", credentials=str(path)))
    assert reading["windows"] == WINDOWS
    assert fake.calls(PATH)[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in path.parent.iterdir()) == ["kimi-code.json"]


def test_a_key_wins_over_the_cli_login(fake, session, tmp_path):
    fetch(fake, session, "kimi", credentials=str(login_file(tmp_path)))
    assert fake.calls(PATH)[0].headers["authorization"] == f"Bearer {KEY}"


def test_the_cli_folder_from_kimi_code_home(tmp_path):
    env = {"KIMI_CODE_HOME": str(tmp_path / "kc"), "HOME": str(tmp_path)}
    assert kimi.credentials_path(kimi.Options(), env) == str(tmp_path / "kc" / "credentials" / "kimi-code.json")
    assert kimi.credentials_path(kimi.Options(), {"HOME": str(tmp_path)}) == \
        str(tmp_path / ".kimi-code" / "credentials" / "kimi-code.json")
    assert kimi.credentials_path(kimi.Options(credentials="~/x.json"), env) == os.path.expanduser("~/x.json")


def test_an_expired_cli_login_is_auth_before_any_request(fake, session, tmp_path):
    path = login_file(tmp_path, expires_at=NOW - 1)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "kimi", secret="", credentials=str(path))
    assert str(caught.value).startswith("the Kimi CLI's login expired: run `kimi` to sign in again")
    assert "never refreshes" in str(caught.value) and str(path) in str(caught.value)
    assert not fake.calls() and json.loads(path.read_text())["expires_at"] == NOW - 1


@pytest.mark.parametrize("content", [None, "{not json", {"access_token": ""}, {"access_token": 42}, ["x"]])
def test_no_key_and_no_cli_login_is_auth(fake, session, tmp_path, content):
    path = tmp_path / "kimi-code.json"
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(AuthError, match=r"no Kimi Code API key and no Kimi CLI login in .*kimi-code\.json"):
        fetch(fake, session, "kimi", secret="", credentials=str(path))
    assert not fake.calls()


def test_a_login_without_an_expiry_is_tried(fake, session, tmp_path):
    path = login_file(tmp_path, expires_at=None)
    assert figures(fetch(fake, session, "kimi", secret="", credentials=str(path)))["windows"] == WINDOWS


@pytest.mark.parametrize("status", ["401", "403"])
def test_a_refused_cli_login_says_to_sign_in_again(fake, session, tmp_path, status):
    path = login_file(tmp_path)
    fake.fault(PATH, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "kimi", secret="", credentials=str(path))
    assert str(caught.value).startswith("Kimi refused the Kimi CLI's login: run `kimi` to sign in again")
    assert caught.value.status == int(status) and TOKEN not in str(caught.value)


def test_a_refused_key_says_which_key_is_needed(fake, session):
    fake.fault(PATH, "401")
    with pytest.raises(AuthError, match="it needs a Kimi Code API key from https://www.kimi.com/code/console"):
        fetch(fake, session, "kimi")


def test_credential_stamp_follows_the_cli_login(fake, session, tmp_path):
    path = login_file(tmp_path)
    first = kimi.credential_stamp(make_ctx(fake, session, "kimi", credentials=str(path)))
    login_file(tmp_path, access_token=TOKEN + "x")
    second = kimi.credential_stamp(make_ctx(fake, session, "kimi", credentials=str(path)))
    assert first and second and first != second and TOKEN not in first
    assert kimi.credential_stamp(make_ctx(fake, session, "kimi", credentials=str(tmp_path / "none.json"))) == ""


def test_detect_finds_the_cli_login(tmp_path):
    none = lambda argv, timeout: None  # noqa: E731
    path = login_file(tmp_path / ".kimi-code")
    (found,) = kimi.detect({"HOME": str(tmp_path)}, none)
    assert (found.provider, found.account, found.where, found.options, found.key_env) == \
        ("kimi", "kimi", str(path), {}, None)
    other = login_file(tmp_path / "elsewhere")
    (found,) = kimi.detect({"HOME": str(tmp_path), "KIMI_CODE_HOME": str(tmp_path / "elsewhere")}, none)
    assert found.options == {"credentials": str(other)}
    assert TOKEN not in repr(found)
    path.write_text("{}", encoding="utf-8")
    assert kimi.detect({"HOME": str(tmp_path)}, none) == []


# --- through the CLI ---------------------------------------------------------------------------


def route_now(fake) -> None:
    now = time.time()
    body = fixture("kimi/usages.json")
    body["limits"][0]["detail"]["resetTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 72 * 60 + 30))
    body["usage"]["resetTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3 * 86400 + 30))
    fake.route("GET", PATH, body, errors="openai")


def test_add_with_a_key_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    route_now(fake)
    added = run_tokseg("add", "kimi", "--name", "kc", "--base-url", fake.url + "/kimi", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added kc (kimi): 5h 70% ↻1h12m")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "kc 5h 70% ↻1h12m"
    shown = run_tokseg("--template", "{kc.5h.pct:.0f}% {kc.5h.reset} | overall {kc.overall.pct:.0f}% {kc.overall.reset}")
    assert shown.stdout.strip() == "70% 1h12m | overall 10% 3d"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "overall"]
    assert [c.headers["authorization"] for c in fake.calls(PATH)] == [f"Bearer {KEY}"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path


def test_the_cli_login_through_the_cli(fake, config_file, home, tmp_path):
    """No key at all: `tokseg add` with nothing piped and a configured account both read the CLI's login."""
    route_now(fake)
    path = login_file(tmp_path / "kimi-home", expires_at=time.time() + 3600)
    before = path.read_bytes()
    env = {"KIMI_CODE_HOME": str(tmp_path / "kimi-home")}
    added = run_tokseg("add", "kimi", "--base-url", fake.url + "/kimi", input="\n", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added kimi (kimi): 5h 70%")
    write_config(config_file, f'[accounts.kc]\nprovider = "kimi"\nbase_url = "{fake.url}/kimi"\n'
                              f'credentials = "{path}"\n')
    assert run_tokseg("refresh").returncode == 0
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "overall"]
    assert {c.headers["authorization"] for c in fake.calls(PATH)} == {f"Bearer {TOKEN}"}
    assert path.read_bytes() == before
    listed = run_tokseg("list", "--json")
    assert listed.returncode == 0 and TOKEN not in listed.stdout
