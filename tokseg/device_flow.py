"""GitHub's OAuth device flow, for `tokseg login copilot`.

The user confirms a short code in a browser while we poll; no secret is
typed into the terminal and none is put on a command line. The answer is a
GitHub token that the Copilot quota endpoint accepts directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from tokseg.errors import AuthError, BadResponse, NetworkError
from tokseg.net import check_base_url, new_session

# The VS Code Copilot GitHub App's client id, which Copilot-aware tools use for this flow (SEEN).
# UNCONFIRMED: GitHub could stop honouring it for third-party tools; --client-id overrides it.
CLIENT_ID = "Iv1.b507a08c87ecfe98"
SCOPE = "read:user"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL_S = 5.0
SLOW_DOWN_STEP_S = 5.0
TIMEOUT = (5.0, 15.0)


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    expires_in: float
    interval: float


class DeviceFlow:
    """One login attempt against `base_url` (https://github.com, or https://HOST for GHE)."""

    def __init__(self, base_url: str, client_id: str = CLIENT_ID, session: requests.Session | None = None) -> None:
        self.base_url = check_base_url(base_url, "login")
        self.client_id = client_id
        self.session = session or new_session(pool_size=1)

    def start(self) -> DeviceCode:
        body = self._post("login/device/code", {"client_id": self.client_id, "scope": SCOPE})
        try:
            return DeviceCode(
                device_code=str(body["device_code"]),
                user_code=str(body["user_code"]),
                verification_uri=str(body.get("verification_uri") or f"{self.base_url}/login/device"),
                expires_in=float(body.get("expires_in") or 900),
                interval=float(DEFAULT_INTERVAL_S if body.get("interval") is None else body["interval"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"{self.base_url}/login/device/code answered without a device code") from exc

    def wait(self, code: DeviceCode, *, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> str:
        """Poll until the user approves; honours `interval` and adds 5 s on each `slow_down`."""
        deadline = clock() + code.expires_in
        interval = code.interval
        form = {"client_id": self.client_id, "device_code": code.device_code, "grant_type": GRANT_TYPE}
        while True:
            sleep(interval)
            if clock() >= deadline:
                raise AuthError("the code expired before it was entered; run `tokseg login copilot` again")
            body = self._post("login/oauth/access_token", form)
            token = body.get("access_token")
            if isinstance(token, str) and token:
                return token
            error = body.get("error")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval = max(interval + SLOW_DOWN_STEP_S, float(body.get("interval") or 0))
                continue
            if error == "expired_token":
                raise AuthError("the code expired before it was entered; run `tokseg login copilot` again")
            if error == "access_denied":
                raise AuthError("the request was denied in the browser; nothing was stored")
            detail = body.get("error_description") or error or "no token and no error"
            raise BadResponse(f"GitHub answered the login poll with: {detail}")

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}/{path}"
        try:
            response = self.session.post(url, data=form, headers={"Accept": "application/json"},
                                         timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            raise NetworkError(f"could not reach {url} ({type(exc).__name__})") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 and not (isinstance(body, dict) and "error" in body):
            raise BadResponse(f"{url} answered HTTP {response.status_code}")
        if not isinstance(body, dict):
            raise BadResponse(f"{url} did not send a JSON object")
        return body
