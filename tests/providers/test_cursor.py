"""Cursor's plan usage through the fake server, with Cursor's login in a real SQLite state database."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import FakeServer, fixture
from tests.providers.conftest import NOW
from tokseg import net
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, BadResponse, NetworkError, RateLimited, ServerError, TokError
from tokseg.providers import _vscdb, cursor
from tokseg.providers._base import Ctx
from tokseg.reading import Reading

PATH = "/cursor/api/usage-summary"
USER = "user_01JABCDEFGHJKMNPQRSTVWXYZ"
CYCLE_START = datetime(2026, 2, 15, 8, 30, tzinfo=timezone.utc).timestamp()
CYCLE_END = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc).timestamp()  # as in tests/fixtures/cursor/


def jwt(sub: Any = f"auth0|{USER}", exp: float | None = NOW + 30 * 86400) -> str:
    """A token shaped like Cursor's (the signature is never checked by tokseg)."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    claims = {k: v for k, v in {"sub": sub, "exp": exp, "iss": "https://authentication.cursor.sh"}.items()
              if v is not None}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


TOKEN = jwt()


def state_db(path: Path, token: Any = TOKEN, *, wal: bool = True) -> Path:
    """Cursor's state.vscdb as VS Code lays it out: ItemTable(key, value) with other keys beside the login."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    rows = [("cursorAuth/cachedEmail", "dev@example.com"), ("workbench.panel.width", "300")]
    if token is not None:
        rows.append(("cursorAuth/accessToken", token))
    db.executemany("INSERT INTO ItemTable VALUES (?, ?)", rows)
    db.commit()
    db.close()
    return path


def make_ctx(fake: FakeServer, db: Path | str, *, now: float = NOW, env: dict[str, str] | None = None) -> Ctx:
    options = cursor.Options(base_url=f"{fake.url}/cursor", state_db=str(db))
    return make_context("cursor", "cursor", options, session=net.new_session(), clock=lambda: now, env=env or {})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return state_db(tmp_path / "Cursor" / "User" / "globalStorage" / "state.vscdb")


# --- figures ------------------------------------------------------------------------------------


def test_windows_on_demand_spend_and_notes_exact(fake: FakeServer, db: Path) -> None:
    reading = cursor.fetch(make_ctx(fake, db)).to_dict()
    length = CYCLE_END - CYCLE_START
    assert reading["headline"] == {"kind": "window", "key": "plan"}
    assert reading["windows"] == [
        {"name": "plan", "used_pct": 61.7, "resets_at": CYCLE_END, "length_s": length},
        {"name": "auto", "used_pct": 18.5, "resets_at": CYCLE_END, "length_s": length},
        {"name": "api", "used_pct": 61.2, "resets_at": CYCLE_END, "length_s": length},
    ]
    assert reading["spent"] == {"month": {"amount": 3.2, "currency": "USD"}}
    assert reading["limit"] == {"amount": 50.0, "currency": "USD"}
    assert reading["limit_remaining"] == {"amount": 46.8, "currency": "USD"}
    assert reading["notes"] == ["plan: $12.34 of $20.00 included used", "membership: pro",
                                "billing cycle 2026-02-15 to 2026-03-15"]


def test_the_cookie_is_user_id_and_token_and_nothing_else_is_sent(fake: FakeServer, db: Path) -> None:
    cursor.fetch(make_ctx(fake, db))
    (call,) = fake.calls()
    assert call.path == PATH and call.method == "GET"
    assert call.headers["cookie"] == f"WorkosCursorSessionToken={USER}%3A%3A{TOKEN}"
    assert call.headers["accept"] == "application/json"
    assert "authorization" not in call.headers


def test_plan_percent_from_cents_when_no_percent_is_given() -> None:
    body = {"billingCycleEnd": "2026-03-15T08:30:00Z",
            "individualUsage": {"plan": {"used": 500, "limit": 2000}, "onDemand": {"enabled": False, "used": 0}}}
    reading = cursor.parse(body, NOW)
    assert [(w.name, w.used_pct, w.resets_at, w.length_s) for w in reading.windows] == [("plan", 25.0, CYCLE_END, None)]
    assert reading.spent == {} and reading.limit is None and reading.limit_remaining is None


def test_epoch_millisecond_cycle_times_are_read_too() -> None:
    body = {"billingCycleStart": str(int(CYCLE_START * 1000)), "billingCycleEnd": int(CYCLE_END * 1000),
            "individualUsage": {"plan": {"totalPercentUsed": 10}}}
    (window,) = cursor.parse(body, NOW).windows
    assert (window.resets_at, window.length_s) == (CYCLE_END, CYCLE_END - CYCLE_START)


def test_on_demand_without_a_cap_and_no_plan_window_heads_with_the_spend() -> None:
    body = {"membershipType": "enterprise", "isUnlimited": True,
            "individualUsage": {"plan": {"enabled": False, "used": 0, "limit": 0},
                                "onDemand": {"enabled": True, "used": 12345, "limit": None, "remaining": None}}}
    reading = cursor.parse(body, NOW)
    assert reading.windows == () and reading.headline.kind == "spent" and reading.headline.key == "month"
    assert reading.spent["month"].amount == 123.45
    assert reading.limit is None and reading.limit_remaining is None
    assert reading.notes == ("membership: enterprise", "unlimited plan")


def test_remaining_is_worked_out_when_only_used_and_cap_are_given() -> None:
    body = {"individualUsage": {"onDemand": {"used": 6000, "limit": 5000}}}
    reading = cursor.parse(body, NOW)
    assert reading.spent["month"].amount == 60.0 and reading.limit_remaining is not None
    assert reading.limit_remaining.amount == 0.0


@pytest.mark.parametrize("odd", [None, "lots", -5, True, [], {"x": 1}, "NaN", 1e400])
def test_odd_fields_are_not_reported(odd: Any) -> None:
    body = {"billingCycleStart": odd, "billingCycleEnd": odd, "membershipType": odd, "isUnlimited": odd,
            "individualUsage": {"plan": {"used": odd, "limit": odd, "totalPercentUsed": odd, "autoPercentUsed": odd,
                                         "apiPercentUsed": odd},
                                "onDemand": {"used": odd, "limit": odd, "remaining": odd}}}
    reading = cursor.parse(json.loads(json.dumps(body).replace("Infinity", "1e400")), NOW)
    assert reading.windows == () and reading.spent == {} and reading.limit is None
    assert reading.headline.kind == "none"


def test_a_reset_in_the_past_or_years_ahead_is_not_believed() -> None:
    for end in ("2026-03-01T00:00:00Z", "2031-01-01T00:00:00Z"):
        (window,) = cursor.parse({"billingCycleEnd": end, "individualUsage": {"plan": {"totalPercentUsed": 5}}},
                                 NOW).windows
        assert window.resets_at is None


@pytest.mark.parametrize("body", [[1, 2], {"plan": "pro"}, {"error": "not_authenticated"}, {}])
def test_an_answer_without_any_known_field_is_bad_response(fake: FakeServer, db: Path, body: Any) -> None:
    fake.route("GET", PATH, body, errors="plain")
    with pytest.raises(BadResponse, match="the answer has none of individualUsage"):
        cursor.fetch(make_ctx(fake, db))


# --- Cursor's login -----------------------------------------------------------------------------


def test_no_database_is_auth_and_nothing_is_created_or_sent(fake: FakeServer, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "state.vscdb"
    with pytest.raises(AuthError, match=r"no Cursor login in .*state.vscdb; open Cursor and sign in"):
        cursor.fetch(make_ctx(fake, missing))
    assert not missing.exists() and not missing.parent.exists()
    assert fake.calls() == []


@pytest.mark.parametrize("token", [None, "", "   ", b""])
def test_a_database_without_a_login_is_auth(fake: FakeServer, tmp_path: Path, token: Any) -> None:
    path = state_db(tmp_path / "state.vscdb", token)
    with pytest.raises(AuthError, match="no Cursor login"):
        cursor.fetch(make_ctx(fake, path))
    assert fake.calls() == []


def test_a_database_without_item_table_is_auth(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.close()
    with pytest.raises(AuthError, match="no Cursor login"):
        cursor.fetch(make_ctx(fake, path))


def test_a_file_that_is_not_a_database_is_bad_response(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(BadResponse, match="could not read Cursor's login from .*trying again at the next refresh"):
        cursor.fetch(make_ctx(fake, path))


@pytest.mark.parametrize("stored", [TOKEN.encode(), json.dumps(TOKEN), f"  {TOKEN}\n"])
def test_the_token_may_be_stored_as_bytes_or_a_json_string(fake: FakeServer, tmp_path: Path, stored: Any) -> None:
    path = state_db(tmp_path / "state.vscdb", stored)
    cursor.fetch(make_ctx(fake, path))
    assert fake.calls(PATH)[0].headers["cookie"].endswith(f"%3A%3A{TOKEN}")


def test_an_expired_token_is_not_sent(fake: FakeServer, tmp_path: Path) -> None:
    path = state_db(tmp_path / "state.vscdb", jwt(exp=NOW - 60))
    with pytest.raises(AuthError, match="expired: open Cursor and sign in again"):
        cursor.fetch(make_ctx(fake, path))
    assert fake.calls() == []


@pytest.mark.parametrize("token", [jwt(sub=None), jwt(sub=42), jwt(sub="auth0|"), "not-a-jwt", "a.%%%.c"])
def test_a_token_without_a_user_id_is_auth_and_not_sent(fake: FakeServer, tmp_path: Path, token: str) -> None:
    path = state_db(tmp_path / "state.vscdb", token)
    with pytest.raises(AuthError, match="no user id") as caught:
        cursor.fetch(make_ctx(fake, path))
    assert fake.calls() == [] and token not in str(caught.value)


def test_a_subject_without_a_provider_prefix_is_the_user_id(fake: FakeServer, tmp_path: Path) -> None:
    path = state_db(tmp_path / "state.vscdb", jwt(sub=USER, exp=None))
    cursor.fetch(make_ctx(fake, path))
    assert fake.calls(PATH)[0].headers["cookie"].startswith(f"WorkosCursorSessionToken={USER}%3A%3A")


def test_the_database_is_never_written(fake: FakeServer, db: Path) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in db.parent.iterdir()}
    cursor.fetch(make_ctx(fake, db))
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in db.parent.iterdir()} == before


def test_cursor_writing_does_not_block_the_read_and_nothing_is_held_after(fake: FakeServer, db: Path) -> None:
    writer = sqlite3.connect(db, timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # Cursor in the middle of a write: a WAL reader is not blocked
    writer.execute("INSERT INTO ItemTable VALUES ('workbench.panel.width', '310')")
    assert Path(f"{db}-wal").exists()  # so the read goes through the WAL, as while Cursor runs
    assert cursor.fetch(make_ctx(fake, db)).windows
    writer.execute("COMMIT")
    writer.execute("BEGIN EXCLUSIVE")  # nothing of tokseg's is left holding the database
    writer.execute("ROLLBACK")
    writer.close()


def test_a_database_locked_for_longer_than_a_moment_is_bad_response(fake: FakeServer, tmp_path: Path) -> None:
    path = state_db(tmp_path / "state.vscdb", wal=False)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    try:
        with pytest.raises(BadResponse, match="database is locked"):
            cursor.fetch(make_ctx(fake, path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - started < _vscdb.LOCK_TIMEOUT_S + 1.5
    assert fake.calls() == []


def test_a_lock_released_within_the_moment_is_waited_for(fake: FakeServer, tmp_path: Path) -> None:
    path = state_db(tmp_path / "state.vscdb", wal=False)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.2, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        assert cursor.fetch(make_ctx(fake, path)).windows
    finally:
        release.join()
        holder.close()


def test_credential_stamp_follows_the_login(fake: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "state.vscdb"
    ctx = make_ctx(fake, path)
    assert cursor.credential_stamp(ctx) == ""
    state_db(path, jwt(exp=NOW + 60))
    first = cursor.credential_stamp(ctx)
    state_db(path, jwt(exp=NOW + 120))
    assert first and cursor.credential_stamp(ctx) not in ("", first)
    assert fake.calls() == []


# --- errors from cursor.com ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_login_says_sign_in_again_without_the_token(fake: FakeServer, db: Path, status: str) -> None:
    fake.fault(PATH, status, message=f"invalid session {USER}::{TOKEN}")
    with pytest.raises(AuthError) as caught:
        cursor.fetch(make_ctx(fake, db))
    text = str(caught.value)
    assert caught.value.status == int(status)
    assert text.startswith(f"cursor.com refused Cursor's login (HTTP {status}): open Cursor and sign in again")
    assert TOKEN not in text and TOKEN[-12:] not in text


@pytest.mark.parametrize("fault, error", [("429", RateLimited), ("500", ServerError), ("503", ServerError),
                                          ("html", BadResponse), ("wrong_type", BadResponse),
                                          ("truncated", BadResponse)])
def test_fault_classes(fake: FakeServer, db: Path, fault: str, error: type) -> None:
    fake.fault(PATH, fault, retry_after="7")
    with pytest.raises(error) as caught:
        cursor.fetch(make_ctx(fake, db))
    if fault == "429":
        assert caught.value.retry_after == 7.0  # type: ignore[attr-defined]


def test_slow_answer_is_network(fake: FakeServer, db: Path) -> None:
    fake.fault(PATH, "slow", delay=2.0)
    ctx = make_ctx(fake, db)
    ctx.http.timeout = (1.0, 0.3)
    with pytest.raises(NetworkError):
        cursor.fetch(ctx)


def test_a_sign_in_page_redirect_is_bad_response_and_the_cookie_stays_home(fake: FakeServer, db: Path) -> None:
    fake.fault(PATH, "redirect")
    with pytest.raises(TokError):
        cursor.fetch(make_ctx(fake, db))
    for call in fake.calls():
        if call.path != PATH:
            assert "cookie" not in call.headers


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.sampled_from(
    ["0", "-5", "1e400", "NaN", "61.7", "", "2026-03-15T08:30:00Z", "1773563400000"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)


def mutate(draw: Any, value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if draw(st.integers(0, 9))}
        return {k: draw(json_values) if draw(st.integers(0, 6)) == 0 else mutate(draw, v) for k, v in kept.items()}
    return draw(json_values) if draw(st.integers(0, 3)) == 0 else value


@FUZZ
@given(data=st.data())
def test_mutated_answers_only_ever_give_a_reading_or_a_tokseg_error(data: Any) -> None:
    body = mutate(data.draw, fixture("cursor/usage_summary.json"))
    try:
        reading = cursor.parse(body, NOW)
    except TokError:
        return
    assert isinstance(reading, Reading)
    reading.to_dict()


# --- discovery and the real CLI ------------------------------------------------------------------


def test_detect_finds_the_default_database_only_with_a_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vscdb.sys, "platform", "linux")
    env = {"HOME": str(tmp_path)}
    default = tmp_path / ".config" / "Cursor" / "User" / "globalStorage" / "state.vscdb"
    state_db(default, None)
    assert cursor.detect(env, lambda argv, timeout: None) == []
    state_db(default)
    (found,) = cursor.detect(env, lambda argv, timeout: None)
    assert (found.provider, found.account, found.where, found.options) == ("cursor", "cursor", str(default), {})
    assert TOKEN not in json.dumps(found.to_dict())
    moved = tmp_path / "xdg"
    assert cursor.detect({**env, "XDG_CONFIG_HOME": str(moved)}, lambda argv, timeout: None) == []


def test_macos_and_windows_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vscdb.sys, "platform", "darwin")
    assert cursor.default_db({"HOME": "/Users/dev"}) == \
        "/Users/dev/Library/Application Support/Cursor/User/globalStorage/state.vscdb"
    monkeypatch.setattr(_vscdb.sys, "platform", "win32")
    assert cursor.default_db({"HOME": "/h", "APPDATA": "/h/AppData/Roaming"}).startswith("/h/AppData/Roaming")


def test_end_to_end_add_refresh_json(fake: FakeServer, db: Path, home: Path, config_file: Path) -> None:
    token = jwt(exp=time.time() + 86400)
    now = time.time()
    state_db(db, token)
    body = fixture("cursor/usage_summary.json")
    body["billingCycleStart"] = datetime.fromtimestamp(now - 10 * 86400, timezone.utc).isoformat()
    body["billingCycleEnd"] = datetime.fromtimestamp(now + 3 * 86400 + 30, timezone.utc).isoformat()
    fake.route("GET", PATH, body, errors="plain")
    added = run_tokseg("add", "cursor", "--base-url", fake.url + "/cursor", "-o", f"state_db={db}", input="")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added cursor (cursor): plan 62% ↻3d")
    assert run_tokseg("refresh").returncode == 0
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok"
    assert [w["name"] for w in account["windows"]] == ["plan", "auto", "api"]
    assert run_tokseg("--template", "{cursor.plan.pct:.1f}% {cursor.spent.month}").stdout.strip() == "61.7% $3.20"
    for path in home.rglob("*"):
        if path.is_file():
            assert token not in path.read_bytes().decode(errors="replace"), path
