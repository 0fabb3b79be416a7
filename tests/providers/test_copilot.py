"""Copilot premium requests through a real local HTTP server; tokens from real editor files, a real gh process
and the real file-backed keyring."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
import pytest

from tests.fakeserver import FakeServer, fixture
from tokseg import net
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, RateLimited
from tokseg.providers import copilot
from tokseg.providers._base import Ctx

NOW = 1795366020.0
QUOTA = "/copilot/copilot_internal/user"
PAID = fixture("copilot/user.json")  # the fake server's default answer at QUOTA
DEC_1 = 1796083200.0  # 2026-12-01T00:00:00Z


def apps_json(user: Path, token: str = "ghu_EDITORTOKEN0001", config_home: Path | None = None) -> Path:
    folder = (config_home or user / ".config") / "github-copilot"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "apps.json"
    path.write_text(json.dumps({"github.com:Iv1.b507a08c87ecfe98": {
        "user": "octodev", "oauth_token": token, "githubAppId": "Iv1.b507a08c87ecfe98"}}), encoding="utf-8")
    return path


def fake_gh(folder: Path, token: str | None) -> Path:
    """A real executable named gh that behaves like `gh auth token` signed in (or not)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "gh"
    body = f'echo "{token}"' if token else 'echo "no oauth token" >&2; exit 1'
    script.write_text(f'#!/bin/sh\n[ "$1 $2" = "auth token" ] || exit 2\n{body}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


def make_ctx(srv: FakeServer, env: dict[str, str], account: str = "copilot") -> Ctx:
    base = f"{srv.url}/copilot"
    return make_context("copilot", account, copilot.Options(base_url=base), session=net.new_session(),
                        clock=lambda: NOW, env=env)


def test_premium_window_exact_with_editor_token(fake: FakeServer, tmp_path: Path) -> None:
    user = tmp_path / "user"
    path = apps_json(user)
    before = path.read_bytes()
    reading = copilot.fetch(make_ctx(fake, {"HOME": str(user), "PATH": ""})).to_dict()
    assert reading["headline"] == {"kind": "window", "key": "premium"}
    assert reading["windows"] == [{"name": "premium", "used_pct": 29.3, "resets_at": DEC_1, "length_s": 30 * 86400}]
    assert reading["notes"] == ["plan: individual", "premium requests: 212 of 300 left"]
    assert fake.calls(QUOTA)[0].headers["authorization"] == "token ghu_EDITORTOKEN0001"
    assert path.read_bytes() == before


def test_free_plan_over_quota_and_placeholder_shapes() -> None:
    free = copilot.parse({"copilot_plan": "free", "quota_reset_date": "2026-12-01",
                          "monthly_quotas": {"chat": "500", "completions": 300},
                          "limited_user_quotas": {"chat": 125, "completions": "75"}})
    assert [(w.name, w.used_pct, w.resets_at) for w in free.windows] == [("chat", 75.0, DEC_1),
                                                                         ("completions", 75.0, DEC_1)]
    assert free.headline.key == "chat" and [w.length_s for w in free.windows] == [30 * 86400, 30 * 86400]
    over = copilot.parse({"quota_snapshots": {"premium_interactions": {
        "entitlement": 300, "remaining": -15, "percent_remaining": -5.0, "unlimited": False}}})
    assert over.windows[0].used_pct == 105.0 and over.windows[0].length_s is None  # no reset date, no length
    placeholder = copilot.parse({"copilot_plan": "business", "token_based_billing": True, "quota_snapshots": {
        "premium_interactions": {"entitlement": 0, "remaining": 0, "percent_remaining": 100, "unlimited": False}}})
    assert placeholder.windows == () and placeholder.headline.kind == "none"


@pytest.mark.parametrize(("reset", "days"), [
    ("2026-12-01T00:00:00Z", 30), ("2027-01-01T00:00:00Z", 31), ("2026-03-01T00:00:00Z", 28),
    ("2028-03-01T00:00:00Z", 29), ("2026-03-31T12:00:00Z", 31), ("2026-05-31T00:00:00Z", 31),
])
def test_the_monthly_window_is_as_long_as_the_month_before_its_reset(reset: str, days: int) -> None:
    reading = copilot.parse({"quota_reset_date_utc": reset, "quota_snapshots": {
        "premium_interactions": {"entitlement": 300, "remaining": 150, "unlimited": False}}})
    # 31 March starts on 28 February and 31 May on 30 April: the day is clamped to the shorter month.
    assert reading.windows[0].length_s == days * 86400


def test_token_from_gh_when_no_editor_file(fake: FakeServer, tmp_path: Path) -> None:
    bin_dir = fake_gh(tmp_path / "bin", "gho_FROMGHCLI0002")
    copilot.fetch(make_ctx(fake, {"HOME": str(tmp_path / "user"), "PATH": str(bin_dir)}))
    assert fake.calls(QUOTA)[0].headers["authorization"] == "token gho_FROMGHCLI0002"


def test_keyring_login_wins_over_editor_files(fake: FakeServer, tmp_path: Path) -> None:
    user = tmp_path / "user"
    apps_json(user)
    keyring.set_password("tokseg", "work-copilot", "ghu_FROMDEVICEFLOW03")
    copilot.fetch(make_ctx(fake, {"HOME": str(user), "PATH": ""}, account="work-copilot"))
    assert fake.calls(QUOTA)[0].headers["authorization"] == "token ghu_FROMDEVICEFLOW03"


def test_404_means_copilot_not_enabled(fake: FakeServer, tmp_path: Path) -> None:
    apps_json(tmp_path / "user")
    fake.fault(QUOTA, "404", message="Not Found")
    with pytest.raises(AuthError, match="Copilot is not enabled") as caught:
        copilot.fetch(make_ctx(fake, {"HOME": str(tmp_path / "user"), "PATH": ""}))
    assert caught.value.status == 404


def test_401_names_the_token_source_and_the_fix(fake: FakeServer, tmp_path: Path) -> None:
    path = apps_json(tmp_path / "user")
    fake.fault(QUOTA, "401", message="Bad credentials")
    with pytest.raises(AuthError) as caught:
        copilot.fetch(make_ctx(fake, {"HOME": str(tmp_path / "user"), "PATH": ""}))
    message = str(caught.value)
    assert str(path) in message and "tokseg login copilot --account copilot" in message
    assert "ghu_" not in message


def test_429_and_no_token_anywhere(fake: FakeServer, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path / "user"), "PATH": str(fake_gh(tmp_path / "bin", None))}
    with pytest.raises(AuthError, match="no GitHub token"):
        copilot.fetch(make_ctx(fake, env))
    assert fake.calls() == []
    fake.fault(QUOTA, "429", retry_after="60", message="API rate limit exceeded")
    with pytest.raises(RateLimited) as caught:
        copilot.fetch(make_ctx(fake, {**env, "GH_TOKEN": "ghp_ENVTOKEN000004"}))
    assert caught.value.retry_after == 60.0


def test_hosts_json_and_xdg_config_home(tmp_path: Path) -> None:
    folder = tmp_path / "xdg" / "github-copilot"
    folder.mkdir(parents=True)
    (folder / "hosts.json").write_text(json.dumps({"github.com": {"user": "octodev", "oauth_token": "gho_OLD05"}}))
    found = copilot.editor_token("github.com", {"HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert found is not None and found.value == "gho_OLD05" and found.where.endswith("hosts.json")
    assert copilot.editor_token("ghe.example.com", {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) is None
