"""HTTP for providers: one session per refresh run, timeouts, error classes, no leaks.

Every provider request goes through `Http`, so the rules live in one place:
plain http only to loopback, secret headers never follow a redirect to
another origin, and every failure becomes a `tokseg.errors` class whose
message names the host and path but never a header or query string.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from tokseg import __version__
from tokseg.backoff import parse_retry_after
from tokseg.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    FetchError,
    NetworkError,
    RateLimited,
    ServerError,
)

if TYPE_CHECKING:
    import requests

USER_AGENT = f"tokseg/{__version__} (+status segment for AI spend)"
DEFAULT_TIMEOUT = (5.0, 15.0)
MAX_REDIRECTS = 3
MAX_BODY_BYTES = 8 * 1024 * 1024


def new_session(pool_size: int = 8) -> requests.Session:
    """The one session a refresh run shares between its threads."""
    import requests  # ~50 ms: only a run that sends a request pays for it
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class LazySession:
    """A session made at the first request: a run whose due accounts are all local logs never imports requests."""

    def __init__(self, pool_size: int = 8) -> None:
        self.pool_size = pool_size
        self._lock = threading.Lock()
        self._session: requests.Session | None = None

    def get(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                self._session = new_session(self.pool_size)
            return self._session


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, where: str) -> str:
    """Refuse a base URL that would send a key in clear text; `where` names the account."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: base_url {url!r} is not an http(s) URL; write e.g. https://api.example.com/v1")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{where}: base_url {url!r} uses plain http, which would send the key in clear text; "
            "use https (plain http is allowed only to localhost/127.0.0.1)"
        )
    return url.rstrip("/")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _where(url: str) -> str:
    """host/path of a URL, without query or credentials, for messages."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


class Http:
    """A provider's view of HTTP: a base URL, secret headers and error classification."""

    def __init__(
        self,
        session: requests.Session | LazySession,
        base_url: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        now: float = 0.0,
    ) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.now = now
        self.last_headers: dict[str, str] = {}

    @property
    def session(self) -> requests.Session:
        if isinstance(self._session, LazySession):
            self._session = self._session.get()
        return self._session

    def url(self, path: str, base: str | None = None) -> str:
        root = (base or self.base_url).rstrip("/")
        return path if path.startswith(("http://", "https://")) else f"{root}/{path.lstrip('/')}"

    def get_json(self, path: str, *, params: Any = None, headers: dict[str, str] | None = None,
                 base: str | None = None) -> Any:
        return self.request_json("GET", path, params=params, headers=headers, base=base)

    def post_json(self, path: str, *, body: Any = None, params: Any = None,
                  headers: dict[str, str] | None = None, base: str | None = None) -> Any:
        return self.request_json("POST", path, params=params, headers=headers, body=body, base=base)

    def request_json(self, method: str, path: str, *, params: Any = None,
                     headers: dict[str, str] | None = None, body: Any = None,
                     base: str | None = None) -> Any:
        """Send one request and return its JSON body, or raise a classified error.

        `headers` are treated as secret: they are dropped if a redirect leaves the origin.
        """
        response = self._send(method, self.url(path, base), params, headers or {}, body)
        self.last_headers = {k.lower(): v for k, v in response.headers.items()}
        self._raise_for_status(response)
        return self._json(response)

    def _send(self, method: str, url: str, params: Any, headers: dict[str, str], body: Any) -> requests.Response:
        import requests  # loaded already by the session

        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            send_headers = headers if _origin(url) == origin else {}
            try:
                response = self.session.request(
                    method, url, params=params, headers=send_headers,
                    json=body, timeout=self.timeout, allow_redirects=False, stream=True,
                )
                response._content = self._read_capped(response, url)
            except requests.Timeout as exc:
                raise NetworkError(f"{_where(url)} did not answer within {self.timeout[1]:g}s") from exc
            except requests.ConnectionError as exc:
                raise NetworkError(f"could not connect to {urlsplit(url).hostname}") from exc
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                raise BadResponse(f"{_where(url)} sent a body that was cut short or garbled") from exc
            except requests.RequestException as exc:
                raise NetworkError(f"request to {_where(url)} failed ({type(exc).__name__})") from exc
            if response.status_code not in (301, 302, 303, 307, 308) or "location" not in response.headers:
                return response
            url = urljoin(url, response.headers["location"])
            params = None
            if response.status_code == 303:
                method, body = "GET", None
        raise BadResponse(f"{_where(url)} redirected more than {MAX_REDIRECTS} times")

    @staticmethod
    def _read_capped(response: requests.Response, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                response.close()
                raise BadResponse(f"{_where(url)} sent more than {MAX_BODY_BYTES // 1048576} MB")
            chunks.append(chunk)
        return b"".join(chunks)

    def _raise_for_status(self, response: requests.Response) -> None:
        code = response.status_code
        if code < 400:
            return
        where = f"{_where(response.url)} (HTTP {code})"
        detail = error_detail(response)
        suffix = f": {detail}" if detail else ""
        exc: FetchError
        if code in (401, 403):
            exc = AuthError(f"key refused by {where}{suffix}")
        elif code == 429:
            retry = parse_retry_after(response.headers.get("retry-after"), self.now)
            exc = RateLimited(f"rate limited by {where}", retry_after=retry)
        elif code >= 500:
            exc = ServerError(f"server error at {where}")
        else:
            exc = BadResponse(f"unexpected answer from {where}{suffix}")
        exc.status = code
        raise exc

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            kind = response.headers.get("content-type", "unknown type").split(";")[0]
            raise BadResponse(f"{_where(response.url)} did not send JSON ({kind})") from exc


def error_detail(response: requests.Response, limit: int = 160) -> str:
    """The provider's own error message from the common JSON envelopes, one line, short."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    message: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            message = err.get("message")
        elif isinstance(err, str):
            message = err
        message = message or body.get("message") or body.get("detail")
    if not isinstance(message, str):
        return ""
    line = " ".join(message.split())
    return line[: limit - 1] + "…" if len(line) > limit else line


_KEY_SHAPED = re.compile(r"\b(sk|xai|nvapi|gsk|ghp|gho|ghu|github_pat)[-_][A-Za-z0-9_\-]{6,}")


PREFIX_HINT_MAX = 16


def scrub(text: str, secret: str | None) -> str:
    """Remove the account's secret, and anything shaped like a key, from a message.

    A short prefix written as a hint ("needs an Admin key sk-ant-admin…") is kept,
    unless it is the start of the secret itself (a key cut short by truncation).
    """
    if secret:
        text = text.replace(secret, "[key]")

    def replace(m: re.Match) -> str:
        token = m.group(0)
        is_hint = text[m.end():m.end() + 1] == "…" and len(token) <= PREFIX_HINT_MAX
        if is_hint and not (secret and secret.startswith(token)):
            return token
        return f"{m.group(1)}-…"

    return _KEY_SHAPED.sub(replace, text)
