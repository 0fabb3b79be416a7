"""`tokseg login copilot`: GitHub's device flow against a real local HTTP server, token into the real keyring."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import keyring
import pytest

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, Request
from tokseg.device_flow import CLIENT_ID, GRANT_TYPE, DeviceFlow
from tokseg.errors import AuthError

CODE_PATH, TOKEN_PATH = "/github/login/device/code", "/github/login/oauth/access_token"


def device_code(srv: FakeServer, interval: float = 5, expires_in: float = 900) -> None:
    srv.route("POST", CODE_PATH, {"device_code": "3584d83530557fdd1f46af8289938c8ef79f9dc5",
                                 "user_code": "WDJB-MJHT", "verification_uri": "https://github.com/login/device",
                                 "expires_in": expires_in, "interval": interval})


def polls(srv: FakeServer, *answers: dict) -> None:
    """Answer the token polls in this order; the last answer repeats."""
    queue = list(answers)
    srv.route("POST", TOKEN_PATH, lambda request: queue.pop(0) if len(queue) > 1 else queue[0])


def form(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


class Clock:
    """A fake clock that the fake sleep advances, recording each requested interval."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_login_end_to_end_stores_the_token_and_adds_the_account(fake: FakeServer, config_file: Path) -> None:
    device_code(fake, interval=0)
    polls(fake, {"error": "authorization_pending"},
          {"access_token": "ghu_DEVICEFLOWTOKEN1", "token_type": "bearer", "scope": ""})
    done = run_tokseg("login", "copilot", "--base-url", f"{fake.url}/github")
    assert done.returncode == 0, done.stderr
    assert "https://github.com/login/device" in done.stdout and "WDJB-MJHT" in done.stdout
    assert "ghu_DEVICEFLOWTOKEN1" not in done.stdout + done.stderr
    assert keyring.get_password("tokseg", "copilot") == "ghu_DEVICEFLOWTOKEN1"
    assert '[accounts.copilot]\nprovider = "copilot"' in config_file.read_text()
    first = form(fake.calls(CODE_PATH)[0])
    assert first == {"client_id": CLIENT_ID, "scope": "read:user"}
    poll = form(fake.calls(TOKEN_PATH)[-1])
    assert poll["grant_type"] == GRANT_TYPE and poll["device_code"].startswith("3584d835")
    assert len(fake.calls(TOKEN_PATH)) == 2


def test_slow_down_adds_five_seconds_to_the_interval(fake: FakeServer) -> None:
    device_code(fake, interval=5)
    polls(fake, {"error": "authorization_pending"}, {"error": "slow_down"}, {"error": "authorization_pending"},
          {"access_token": "ghu_SLOWTOKEN", "token_type": "bearer"})
    flow = DeviceFlow(f"{fake.url}/github")
    clock = Clock()
    assert flow.wait(flow.start(), sleep=clock.sleep, clock=clock) == "ghu_SLOWTOKEN"
    assert clock.slept == [5, 5, 10, 10]


def test_expired_code_from_the_server_and_from_the_clock(fake: FakeServer) -> None:
    device_code(fake, interval=5)
    polls(fake, {"error": "authorization_pending"}, {"error": "expired_token"})
    flow = DeviceFlow(f"{fake.url}/github")
    clock = Clock()
    with pytest.raises(AuthError, match="expired"):
        flow.wait(flow.start(), sleep=clock.sleep, clock=clock)
    device_code(fake, interval=5, expires_in=12)
    polls(fake, {"error": "authorization_pending"})
    before = len(fake.calls(TOKEN_PATH))
    with pytest.raises(AuthError, match="expired"):
        flow.wait(flow.start(), sleep=clock.sleep, clock=clock)
    assert len(fake.calls(TOKEN_PATH)) - before == 2  # at 5 s and 10 s; at 15 s the code was dead


def test_denied_in_the_browser_stores_nothing(fake: FakeServer, config_file: Path) -> None:
    device_code(fake, interval=0)
    polls(fake, {"error": "access_denied", "error_description": "The user has denied your application access."})
    done = run_tokseg("login", "copilot", "--base-url", f"{fake.url}/github")
    assert done.returncode == 1 and "denied" in done.stderr and "Traceback" not in done.stderr
    assert keyring.get_password("tokseg", "copilot") is None
    assert not config_file.exists()


def test_plain_http_off_loopback_is_refused() -> None:
    done = run_tokseg("login", "copilot", "--base-url", "http://github.example.com")
    assert done.returncode == 1 and "plain http" in done.stderr


def test_an_account_of_another_provider_is_not_overwritten(fake: FakeServer, config_file: Path) -> None:
    write_config(config_file, '[accounts.router]\nprovider = "openrouter"\n')
    keyring.set_password("tokseg", "router", "sk-or-v1-KEEPME")
    done = run_tokseg("login", "copilot", "--account", "router", "--base-url", f"{fake.url}/github")
    assert done.returncode != 0 and "openrouter account" in done.stderr
    assert keyring.get_password("tokseg", "router") == "sk-or-v1-KEEPME"
    assert fake.calls() == []
