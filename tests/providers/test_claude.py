"""Claude OAuth usage windows through a real local HTTP server, with Claude Code's real credentials file layout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, fixture
from tokseg import net, refresh
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, BadResponse, RateLimited, ServerError
from tokseg.providers import claude
from tokseg.providers._base import Ctx

NOW = 1795366020.0  # 2026-11-22T16:47:00Z
USAGE = "/claude/api/oauth/usage"
TOKEN = "sk-ant-oat01-TESTTOKEN-aaaaaaaaaaaa"

BODY = fixture("claude/usage.json")  # the fake server's default answer at USAGE


def credentials(folder: Path, *, expires_at_ms: float = (NOW + 3600) * 1000, token: str = TOKEN,
                scopes: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".credentials.json"
    data = {"claudeAiOauth": {"accessToken": token, "refreshToken": "sk-ant-ort01-REFRESH",
                              "expiresAt": expires_at_ms,
                              "scopes": scopes or ["user:inference", "user:profile", "user:sessions:claude_code"],
                              "subscriptionType": "max", "rateLimitTier": "default_claude_max_20x"},
            "mcpOAuth": {}}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def make_ctx(srv: FakeServer, home: Path, clock: list[float], **options: str) -> Ctx:
    base = f"{srv.url}/claude"
    return make_context("claude", "claude", claude.Options(base_url=base, **options), session=net.new_session(),
                        clock=lambda: clock[0], env={"HOME": str(home)})


@pytest.fixture
def user(tmp_path: Path) -> Path:
    return tmp_path / "user"


def test_windows_headline_and_extra_usage_exact(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    reading = claude.fetch(make_ctx(fake, user, [NOW])).to_dict()
    assert reading["headline"] == {"kind": "window", "key": "5h"}
    assert reading["windows"] == [
        {"name": "5h", "used_pct": 37.0, "resets_at": 1795370400.412345, "length_s": 5 * 3600},
        {"name": "7d", "used_pct": 22.5, "resets_at": 1795752000.0, "length_s": 7 * 86400},
        {"name": "7d-sonnet", "used_pct": 3.0, "resets_at": 1795752000.412401, "length_s": 7 * 86400},
    ]
    assert reading["spent"] == {"month": {"amount": 12.34, "currency": "USD"}}
    assert reading["limit"] == {"amount": 50.0, "currency": "USD"}
    assert reading["limit_remaining"] == {"amount": 37.66, "currency": "USD"}
    assert "plan: Max 20x" in reading["notes"]
    sent = fake.calls(USAGE)[0].headers
    assert sent["authorization"] == f"Bearer {TOKEN}"
    assert sent["anthropic-beta"] == "oauth-2025-04-20"


def test_fraction_utilization_is_scaled_but_a_small_percent_confirmed_by_limits_is_not(
        fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    body = {"five_hour": {"utilization": 0.42, "resets_at": "2026-11-22T18:00:00Z"},
            "seven_day": {"utilization": 0.5, "resets_at": "2026-11-27T04:00:00Z"},
            "limits": [{"kind": "weekly_all", "percent": 0.5, "resets_at": "2026-11-27T04:00:00Z"}]}
    fake.route("GET", USAGE, body, errors="anthropic")
    windows = {w.name: w.used_pct for w in claude.fetch(make_ctx(fake, user, [NOW])).windows}
    assert windows["5h"] == pytest.approx(42.0)
    assert windows["7d"] == pytest.approx(0.5)


def test_limits_only_answer_and_enterprise_all_null() -> None:
    limits_only = claude.parse({"limits": [{"kind": "session", "percent": 61, "resets_at": "2026-11-22T18:00:00Z"}]})
    assert [(w.name, w.used_pct) for w in limits_only.windows] == [("5h", 61.0)]
    enterprise = claude.parse({"five_hour": None, "seven_day": None,
                               "extra_usage": {"is_enabled": True, "monthly_limit": None, "used_credits": 250,
                                               "currency": "USD"}})
    assert enterprise.windows == ()
    assert enterprise.headline.kind == "spent"
    assert enterprise.spent["month"].amount == 2.5 and enterprise.limit is None
    with pytest.raises(BadResponse):
        claude.parse({"unexpected": True})


def test_401_says_sign_in_again_and_leaves_credentials_untouched(fake: FakeServer, user: Path) -> None:
    path = credentials(user / ".claude")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    fake.fault(USAGE, "401", message="OAuth token has expired.")
    with pytest.raises(AuthError, match="run `claude` to sign in again") as caught:
        claude.fetch(make_ctx(fake, user, [NOW]))
    assert caught.value.status == 401
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert [r.path for r in fake.calls()] == [USAGE]  # no token/refresh endpoint was called


def test_expired_token_is_not_sent_and_not_refreshed(fake: FakeServer, user: Path) -> None:
    path = credentials(user / ".claude", expires_at_ms=(NOW - 60) * 1000)
    before = path.read_bytes()
    with pytest.raises(AuthError, match="token expired: run `claude` to sign in again"):
        claude.fetch(make_ctx(fake, user, [NOW]))
    assert fake.calls() == []
    assert path.read_bytes() == before


def test_403_is_policy_not_expiry(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    fake.fault(USAGE, "html", status=403)
    with pytest.raises(AuthError, match="not an expired login") as caught:
        claude.fetch(make_ctx(fake, user, [NOW]))
    assert caught.value.status == 403
    assert "sign in again" not in str(caught.value).replace("signing in again will not help", "")


def test_429_backs_off_per_token_and_refuses_to_poll_until_it_ends(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    fake.fault(USAGE, "429", retry_after="0", message="Rate limited. Please try again later.", times=1)
    clock = [NOW]
    with pytest.raises(RateLimited) as first:
        claude.fetch(make_ctx(fake, user, clock))
    assert first.value.retry_after == 300.0  # retry-after: 0 is not taken literally
    clock[0] = NOW + 299
    with pytest.raises(RateLimited) as second:
        claude.fetch(make_ctx(fake, user, clock))
    assert second.value.retry_after == pytest.approx(1.0)
    assert len(fake.calls(USAGE)) == 1  # the second fetch never reached the server
    clock[0] = NOW + 301
    assert claude.fetch(make_ctx(fake, user, clock)).windows[0].used_pct == 37.0
    assert len(fake.calls(USAGE)) == 2


def test_429_honours_a_longer_retry_after_and_a_new_token_is_not_blocked(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    fake.fault(USAGE, "429", retry_after="1200")
    with pytest.raises(RateLimited) as caught:
        claude.fetch(make_ctx(fake, user, [NOW]))
    assert caught.value.retry_after == 1200.0
    credentials(user / ".claude", token="sk-ant-oat01-REFRESHED-bbbbbbbb")  # Claude Code refreshed its login
    fake.clear_faults()
    assert claude.fetch(make_ctx(fake, user, [NOW + 10])).windows[0].name == "5h"


def test_polls_at_most_once_per_minimum_interval(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    clock = [NOW]
    claude.fetch(make_ctx(fake, user, clock))
    clock[0] = NOW + 60
    cached = claude.fetch(make_ctx(fake, user, clock))
    assert cached.windows[0].used_pct == 37.0 and any("cached" in n for n in cached.notes)
    assert len(fake.calls(USAGE)) == 1
    clock[0] = NOW + claude.MIN_POLL_S
    claude.fetch(make_ctx(fake, user, clock))
    assert len(fake.calls(USAGE)) == 2


def test_claude_config_dir_and_option_choose_the_profile(fake: FakeServer, user: Path, tmp_path: Path) -> None:
    credentials(user / ".claude", token="sk-ant-oat01-DEFAULT-cccccccc")
    credentials(tmp_path / "work-profile", token="sk-ant-oat01-WORK-dddddddd")
    ctx = make_ctx(fake, user, [NOW])
    ctx = Ctx(**{**ctx.__dict__, "env": {"HOME": str(user), "CLAUDE_CONFIG_DIR": str(tmp_path / "work-profile")}})
    claude.fetch(ctx)
    assert fake.calls(USAGE)[-1].headers["authorization"].endswith("WORK-dddddddd")
    explicit = claude.find_credentials(Ctx(**{**ctx.__dict__, "options": claude.Options(config_dir=str(user / ".claude")),
                                              "env": {"HOME": "/nowhere"}}))
    assert explicit is not None and explicit.token.endswith("DEFAULT-cccccccc")


def test_mcp_only_credentials_and_missing_scope() -> None:
    assert claude._from_json({"mcpOAuth": {"x": {}}}, "file") is None
    cred = claude._from_json({"claudeAiOauth": {"accessToken": "t", "scopes": ["user:inference"]}}, "file")
    assert cred is not None and cred.scopes == ("user:inference",)


def test_keychain_service_name_hashes_the_config_dir() -> None:
    assert claude.keychain_service({}) == "Claude Code-credentials"
    named = claude.keychain_service({"CLAUDE_CONFIG_DIR": "/Users/dev/.claude-work"})
    assert named.startswith("Claude Code-credentials-") and len(named.rsplit("-", 1)[1]) == 8


def test_end_to_end_refresh_to_segment(fake: FakeServer, config_file: Path, tmp_path: Path) -> None:
    credentials(tmp_path / "user" / ".claude", expires_at_ms=4e12)
    write_config(config_file, f'[accounts.max]\nprovider = "claude"\nbase_url = "{fake.url}/claude"\n')
    report = refresh.run(force=True)
    assert [o.error_kind for o in report.outcomes] == [None]
    shown = json.loads(run_tokseg("--json").stdout)
    text = json.dumps(shown)
    assert "5h 37%" in text and TOKEN not in text


def test_parked_auth_error_is_retried_once_claude_code_signs_in_again(
        fake: FakeServer, config_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "user" / ".claude"
    credentials(folder, expires_at_ms=4e12, token="sk-ant-oat01-OLD-eeeeeeee")
    fake.fault(USAGE, "401", message="OAuth token has expired.")
    write_config(config_file, f'[accounts.max]\nprovider = "claude"\nbase_url = "{fake.url}/claude"\n')
    assert refresh.run().outcomes[0].error_kind == "auth"
    assert refresh.run().outcomes == []  # parked: the same login is not retried
    credentials(folder, expires_at_ms=4e12, token="sk-ant-oat01-NEW-ffffffff")
    fake.clear_faults()
    assert [o.error_kind for o in refresh.run().outcomes] == [None]
    assert len(fake.calls(USAGE)) == 2


def test_a_server_error_counts_as_a_poll_and_the_last_good_answer_is_served(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    clock = [NOW]
    claude.fetch(make_ctx(fake, user, clock))
    clock[0] = NOW + claude.MIN_POLL_S
    fake.fault(USAGE, "503", times=1)
    with pytest.raises(ServerError):
        claude.fetch(make_ctx(fake, user, clock))
    clock[0] += 30
    again = claude.fetch(make_ctx(fake, user, clock))
    assert again.windows[0].used_pct == 37.0 and any("cached" in n for n in again.notes)
    assert len(fake.calls(USAGE)) == 2
