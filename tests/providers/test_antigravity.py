"""Antigravity's model quotas through the fake server, with its login in a real SQLite state database."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, fixture
from tests.providers.conftest import NOW
from tokseg import net
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, BadResponse, NetworkError, RateLimited, ServerError
from tokseg.providers import antigravity
from tokseg.providers._base import Ctx
from tokseg.render import template

LOAD = "/antigravity/v1internal:loadCodeAssist"
MODELS = "/antigravity/v1internal:fetchAvailableModels"
TOKEN = "ya29.a0AfB_byAntigravityTokenThatIsNotRealButLooksLikeOneQm9vYmFy"
AT_14 = 1772460000.0  # 2026-03-02T14:00:00Z, as in tests/fixtures/antigravity/
WINDOWS = [{"name": "gemini-pro", "used_pct": 25.0, "resets_at": 1772465400.0, "length_s": None},
           {"name": "gemini-flash", "used_pct": 0.0, "resets_at": 1772470800.0, "length_s": None},
           {"name": "claude-gpt", "used_pct": pytest.approx(60.0), "resets_at": AT_14, "length_s": None}]


def state_db(path: Path, status: Any = None, *, wal: bool = True) -> Path:
    """Antigravity's state.vscdb as VS Code lays it out, the sign-in item beside others (None: signed out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    rows = [("antigravityOnboarding", "true"), ("workbench.panel.width", "300")]
    if status is not None:
        rows.append((antigravity.AUTH_KEY, status if isinstance(status, (str, bytes)) else json.dumps(status)))
    db.executemany("INSERT INTO ItemTable VALUES (?, ?)", rows)
    db.commit()
    db.close()
    return path


def signed_in(token: str = TOKEN) -> dict:
    return {"apiKey": token, "email": "dev@example.com", "name": "Dev", "userStatusProtoBinaryBase64": "CgQKAggB"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return state_db(tmp_path / "Antigravity" / "User" / "globalStorage" / "state.vscdb", signed_in())


def make_ctx(fake: FakeServer, db: Path | str, *, now: float = NOW, env: dict[str, str] | None = None) -> Ctx:
    options = antigravity.Options(base_url=f"{fake.url}/antigravity", state_db=str(db))
    return make_context("antigravity", "antigravity", options, session=net.new_session(), clock=lambda: now,
                        env=env or {}, timeout=(1.0, 0.4))


def fetch(fake: FakeServer, db: Path | str) -> dict:
    return antigravity.fetch(make_ctx(fake, db)).to_dict()


# --- figures ------------------------------------------------------------------------------------


def test_a_window_per_model_group_exact(fake: FakeServer, db: Path) -> None:
    reading = fetch(fake, db)
    assert reading["windows"] == WINDOWS
    assert reading["headline"] == {"kind": "window", "key": "claude-gpt"}
    assert reading["notes"] == ["account: dev@example.com", "tier: Google AI Pro",
                                "gemini-pro: Gemini 3 Pro (High) is the lowest of 2 models",
                                "gemini-flash: Gemini 3 Flash is the lowest of 1 model",
                                "claude-gpt: Claude Sonnet 4.5 is the lowest of 3 models"]


def test_the_requests_carry_the_token_the_metadata_and_the_project(fake: FakeServer, db: Path) -> None:
    fetch(fake, db)
    load, models = fake.calls()
    assert (load.method, load.path, models.method, models.path) == ("POST", LOAD, "POST", MODELS)
    assert load.json() == {"metadata": {"ideType": "ANTIGRAVITY", "platform": "PLATFORM_UNSPECIFIED",
                                        "pluginType": "GEMINI"}}
    assert models.json() == {"project": "bright-river-a1b2c"}
    assert {load.headers["authorization"], models.headers["authorization"]} == {f"Bearer {TOKEN}"}


def test_without_a_project_the_models_are_asked_for_with_an_empty_body(fake: FakeServer, db: Path) -> None:
    fake.route("POST", LOAD, {}, errors="google")
    reading = fetch(fake, db)
    assert fake.calls(MODELS)[0].json() == {} and reading["notes"][:1] == ["account: dev@example.com"]


def test_the_answer_read_tolerantly() -> None:
    body = {"models": {
        "gemini-3-pro-high": {"displayName": "Gemini 3 Pro (High)",
                              "quotaInfo": {"resetTime": "2026-03-02T13:00:00Z"}},  # zero left out: used up
        "gemini-3-flash": {"quotaInfo": {"remainingFraction": -0.5}},  # not a fraction
        "claude-sonnet-4-5": {"displayName": 7, "quotaInfo": {"remainingFraction": "0.5",
                                                              "resetTime": "2099-01-01T00:00:00Z"}},
        "tab_x": {"quotaInfo": {"remainingFraction": 0.0}}, "odd": "x", "gemini-3-flash-lite": None,
        "gemini-3-pro-low": {"quotaInfo": None}}}
    reading = antigravity.parse(body, NOW)
    assert [(w.name, w.used_pct, w.resets_at) for w in reading.windows] == [
        ("gemini-pro", 100.0, 1772456400.0), ("claude-gpt", 50.0, None)]
    assert reading.notes[-1] == "claude-gpt: claude-sonnet-4-5 is the lowest of 1 model"


@pytest.mark.parametrize("body", [{}, {"models": []}, {"models": None}, [], 3])
def test_an_answer_without_a_model_object_is_bad_response(body) -> None:
    with pytest.raises(BadResponse, match="no models object"):
        antigravity.parse(body, NOW)


def test_no_model_with_a_quota_is_a_note() -> None:
    reading = antigravity.parse({"models": {"gemini-2.5-flash-image": {"displayName": "Image"}}}, NOW)
    assert reading.windows == () and reading.notes == ("the answer reports no model quota tokseg can show",)


@pytest.mark.parametrize("model, group", [("Gemini 3 Pro (High)", "gemini-pro"), ("Gemini 3 Flash", "gemini-flash"),
                                          ("Claude Opus 4.5 (Thinking)", "claude-gpt"),
                                          ("GPT-OSS 120B (Medium)", "claude-gpt"), ("Image model", None)])
def test_model_groups(model, group) -> None:
    assert antigravity.group(model) == group


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(models=st.dictionaries(st.sampled_from(["gemini-3-pro-high", "gemini-3-flash", "claude-x", "gpt-y", "z"]),
                              st.none() | st.text(max_size=3) | st.fixed_dictionaries({}, optional={
                                  "displayName": st.none() | st.text(max_size=12),
                                  "quotaInfo": st.none() | st.integers() | st.fixed_dictionaries({}, optional={
                                      "remainingFraction": st.none() | st.floats() | st.text(max_size=4)
                                      | st.integers(-2, 2),
                                      "resetTime": st.none() | st.integers() | st.sampled_from(
                                          ["2026-03-02T15:00:00Z", "nope", "", "2026-03-01T00:00:00Z"])})})))
def test_parser_on_random_answers(models) -> None:
    reading = antigravity.parse({"models": models}, NOW)
    for window in reading.windows:
        assert 0.0 <= window.used_pct <= 100.0 and re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or window.resets_at > NOW
    json.dumps(reading.to_dict(), allow_nan=False)


# --- errors -------------------------------------------------------------------------------------


def test_a_refused_token_says_to_open_antigravity(fake: FakeServer, db: Path) -> None:
    fake.fault(MODELS, "401", message=f"Request had invalid authentication credentials {TOKEN}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, db)
    assert str(caught.value).startswith("Google refused Antigravity's token (HTTP 401): open Antigravity")
    assert "never refreshes" in str(caught.value) and str(db) in str(caught.value)
    assert caught.value.status == 401 and TOKEN not in str(caught.value)


def test_a_403_is_not_called_an_expired_token(fake: FakeServer, db: Path) -> None:
    fake.fault(MODELS, "403", message=f"Verify your account to continue. {TOKEN}")
    with pytest.raises(AuthError) as caught:
        fetch(fake, db)
    text = str(caught.value)
    assert text.startswith("Google refused Antigravity's login (key refused by") and "HTTP 403" in text
    assert "Verify your account to continue." in text and "open Antigravity, which says why" in text
    assert caught.value.status == 403 and TOKEN not in text and "signs in again" not in text


@pytest.mark.parametrize("fault, error", [("429", RateLimited), ("500", ServerError), ("503", ServerError),
                                          ("html", BadResponse), ("truncated", BadResponse),
                                          ("wrong_type", BadResponse), ("slow", NetworkError)])
def test_faults_keep_their_class(fake: FakeServer, db: Path, fault: str, error: type) -> None:
    fake.fault("*", fault, delay=1.0)
    with pytest.raises(error):
        fetch(fake, db)


@pytest.mark.parametrize("status", [None, "{not json", "[1]", {"apiKey": ""}, {"apiKey": 5}, {"email": "x@y"}])
def test_no_login_is_auth_before_any_request(fake: FakeServer, tmp_path: Path, status: Any) -> None:
    path = state_db(tmp_path / "state.vscdb", status)
    with pytest.raises(AuthError, match=r"no Antigravity login in .*state\.vscdb; open Antigravity and sign in"):
        fetch(fake, path)
    with pytest.raises(AuthError, match="no Antigravity login"):
        fetch(fake, tmp_path / "missing.vscdb")
    assert not fake.calls()


def test_a_file_that_is_not_a_database_is_bad_response(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    path.write_bytes(b"not a database at all, just some bytes" * 10)
    with pytest.raises(BadResponse, match="could not read Antigravity's login from"):
        fetch(fake, path)


def test_the_database_is_left_as_it_was(fake: FakeServer, db: Path) -> None:
    before = {p.name: p.read_bytes() for p in db.parent.iterdir()}
    fetch(fake, db)
    assert {p.name: p.read_bytes() for p in db.parent.iterdir()} == before


def test_credential_stamp_follows_the_login(fake: FakeServer, db: Path, tmp_path: Path) -> None:
    first = antigravity.credential_stamp(make_ctx(fake, db))
    state_db(db, signed_in(TOKEN + "x"))
    second = antigravity.credential_stamp(make_ctx(fake, db))
    assert first and second and first != second and TOKEN not in first
    assert antigravity.credential_stamp(make_ctx(fake, tmp_path / "none.vscdb")) == ""


def test_detect_finds_the_default_database_only_with_a_login(tmp_path: Path, monkeypatch) -> None:
    from tokseg.providers import _vscdb

    monkeypatch.setattr(_vscdb.sys, "platform", "linux")
    env = {"HOME": str(tmp_path)}
    default = tmp_path / ".config" / "Antigravity" / "User" / "globalStorage" / "state.vscdb"
    state_db(default, None)
    assert antigravity.detect(env, lambda argv, timeout: None) == []
    state_db(default, signed_in())
    (found,) = antigravity.detect(env, lambda argv, timeout: None)
    assert (found.provider, found.account, found.where, found.options) == ("antigravity", "antigravity",
                                                                           str(default), {})
    assert TOKEN not in json.dumps(found.to_dict())
    monkeypatch.setattr(_vscdb.sys, "platform", "darwin")
    assert antigravity.db_path(antigravity.Options(), {"HOME": "/Users/dev"}) == \
        "/Users/dev/Library/Application Support/Antigravity/User/globalStorage/state.vscdb"


# --- through the CLI ----------------------------------------------------------------------------


def test_end_to_end_add_refresh_json(fake: FakeServer, db: Path, home: Path, config_file: Path) -> None:
    now = time.time()
    body = fixture("antigravity/available_models.json")
    for entry in body["models"].values():
        if "quotaInfo" in entry:
            entry["quotaInfo"]["resetTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 4 * 3600 + 30))
    fake.route("POST", MODELS, body, errors="google")
    added = run_tokseg("add", "antigravity", "--name", "ag", "--base-url", fake.url + "/antigravity",
                       "-o", f"state_db={db}", input="")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added ag (antigravity): claude-gpt 60% ↻4h"
    assert run_tokseg("refresh").returncode == 0
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    assert [w["name"] for w in account["windows"]] == ["gemini-pro", "gemini-flash", "claude-gpt"]
    shown = run_tokseg("--template", "{ag.gemini-pro.pct:.0f}% {ag.claude-gpt.pct:.0f}% {ag.claude-gpt.reset}")
    assert shown.stdout.strip() == "25% 60% 4h"

    fake.fault("*", "401")
    failed = run_tokseg("refresh")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["error"]["kind"] == "auth" and account["stale"] is True
    assert "open Antigravity so it signs in again" in account["error"]["message"]
    assert [w["name"] for w in account["windows"]] == ["gemini-pro", "gemini-flash", "claude-gpt"]
    for path in home.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_bytes().decode(errors="replace"), path


def test_a_config_account_reads_the_login_it_names(fake: FakeServer, db: Path, config_file: Path) -> None:
    write_config(config_file, f'[accounts.ag]\nprovider = "antigravity"\nbase_url = "{fake.url}/antigravity"\n'
                              f'state_db = "{db}"\n')
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.startswith("ag claude-gpt 60%")

