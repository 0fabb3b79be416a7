"""`tokseg login copilot`: GitHub's device flow against a real local HTTP server, token into the real keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from tests.conftest import run_tokseg
from tests.routeserver import Answer, RouteServer, server  # noqa: F401  (fixture)
from tokseg.device_flow import CLIENT_ID, GRANT_TYPE, DeviceFlow
from tokseg.errors import AuthError

CODE_PATH, TOKEN_PATH = "/login/device/code", "/login/oauth/access_token"


def device_code(srv: RouteServer, interval: float = 5, expires_in: float = 900) -> None:
    srv.json("POST", CODE_PATH, {"device_code": "3584d83530557fdd1f46af8289938c8ef79f9dc5",
                                 "user_code": "WDJB-MJHT", "verification_uri": "https://github.com/login/device",
                                 "expires_in": expires_in, "interval": interval})


def polls(srv: RouteServer, *answers: dict) -> None:
    srv.set("POST", TOKEN_PATH, *(Answer(200, a) for a in answers))


class Clock:
    """A fake clock that the fake sleep advances, recording each requested interval."""

    def __init__(self) -> None:
        self.now, self.slept = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_login_end_to_end_stores_the_token_and_adds_the_account(server: RouteServer, config_file: Path) -> None:
    device_code(server, interval=0)
    polls(server, {"error": "authorization_pending"},
          {"access_token": "ghu_DEVICEFLOWTOKEN1", "token_type": "bearer", "scope": ""})
    done = run_tokseg("login", "copilot", "--base-url", server.url)
    assert done.returncode == 0, done.stderr
    assert "https://github.com/login/device" in done.stdout and "WDJB-MJHT" in done.stdout
    assert "ghu_DEVICEFLOWTOKEN1" not in done.stdout + done.stderr
    assert keyring.get_password("tokseg", "copilot") == "ghu_DEVICEFLOWTOKEN1"
    assert '[accounts.copilot]\nprovider = "copilot"' in config_file.read_text()
    first = server.calls(CODE_PATH)[0].form()
    assert first == {"client_id": CLIENT_ID, "scope": "read:user"}
    poll = server.calls(TOKEN_PATH)[-1].form()
    assert poll["grant_type"] == GRANT_TYPE and poll["device_code"].startswith("3584d835")
    assert len(server.calls(TOKEN_PATH)) == 2


def test_slow_down_adds_five_seconds_to_the_interval(server: RouteServer) -> None:
    device_code(server, interval=5)
    polls(server, {"error": "authorization_pending"}, {"error": "slow_down"}, {"error": "authorization_pending"},
          {"access_token": "ghu_SLOWTOKEN", "token_type": "bearer"})
    flow = DeviceFlow(server.url)
    clock = Clock()
    assert flow.wait(flow.start(), sleep=clock.sleep, clock=clock) == "ghu_SLOWTOKEN"
    assert clock.slept == [5, 5, 10, 10]


def test_expired_code_from_the_server_and_from_the_clock(server: RouteServer) -> None:
    device_code(server, interval=5)
    polls(server, {"error": "authorization_pending"}, {"error": "expired_token"})
    flow = DeviceFlow(server.url)
    clock = Clock()
    with pytest.raises(AuthError, match="expired"):
        flow.wait(flow.start(), sleep=clock.sleep, clock=clock)
    device_code(server, interval=5, expires_in=12)
    polls(server, {"error": "authorization_pending"})
    before = len(server.calls(TOKEN_PATH))
    with pytest.raises(AuthError, match="expired"):
        flow.wait(flow.start(), sleep=clock.sleep, clock=clock)
    assert len(server.calls(TOKEN_PATH)) - before == 2  # at 5 s and 10 s; at 15 s the code was dead


def test_denied_in_the_browser_stores_nothing(server: RouteServer, config_file: Path) -> None:
    device_code(server, interval=0)
    polls(server, {"error": "access_denied", "error_description": "The user has denied your application access."})
    done = run_tokseg("login", "copilot", "--base-url", server.url)
    assert done.returncode == 1 and "denied" in done.stderr and "Traceback" not in done.stderr
    assert keyring.get_password("tokseg", "copilot") is None
    assert not config_file.exists()


def test_plain_http_off_loopback_is_refused() -> None:
    done = run_tokseg("login", "copilot", "--base-url", "http://github.example.com")
    assert done.returncode == 1 and "plain http" in done.stderr
