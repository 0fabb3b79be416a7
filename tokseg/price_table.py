"""Which price table the log sources use: genai-prices' bundled one or, opt-in, a newer one it publishes.

New models appear weekly; the table bundled with the installed genai-prices
knows only those of its release. `[settings] prices = "auto"` makes the
refresher fetch the table genai-prices' own updater (`UpdatePrices`) reads,
from the same URL (`prices_url` overrides it) with its HTTP client and
timeouts, at most once a day and before any log row is priced. The package's
updater is a background thread for long-lived processes that parses the body
and keeps it only in memory; the refresher is a new process every run, so the
body is kept in tokseg's cache folder, byte for byte in the package's own
format, and parsed with the package's own parser when a run first prices.

Never on the hot path, never long: the download has `WAIT_S` in all. A
failure (offline, HTTP error, a body that is not a table) keeps the table in
use - the last one downloaded, else the bundled one - and logs one line;
only a table that parses is stored, atomically, so a run prices with a whole
table or with the bundled one (a damaged file is the bundled one, and
`doctor` says so). "bundled" (the default) never touches the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from tokseg import atomic, dirs
from tokseg.safe_text import line

MODES = ("bundled", "auto")
FOLDER = "prices"
TABLE_FILE = "genai-prices.json"
STATE_FILE = "update.json"
EVERY_S = 24 * 3600.0  # at most one download attempt a day
WAIT_S = 15.0  # the longest a refresh waits for the download
STALE_DAYS = 7  # doctor warns when the downloaded table is older than this

log = logging.getLogger("tokseg.refresh")


class Choice(NamedTuple):
    """A downloaded table to price with, and its stat, so a daemon reloads it once a download replaced it."""

    path: str
    stat: tuple[int, int, int]


_chosen: list[Choice | None] = [None]  # this process's choice (`prepare`); None is the bundled table


def chosen() -> Choice | None:
    return _chosen[0]


def parse(payload: bytes) -> Any:
    """A table in the package's own JSON format (a list of providers), validated by the package's own parser.

    Returns the package's DataSnapshot. Raises ValueError (pydantic's ValidationError is one) for anything
    else, an empty list included: a table that prices nothing must not replace one that prices everything.
    """
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import _providers_from_raw  # the parser the package's own updater uses

    raw = json.loads(payload)
    if not isinstance(raw, list) or not raw:
        raise ValueError("not a non-empty list of providers")
    return DataSnapshot(_providers_from_raw(raw), from_auto_update=True)


def folder() -> Path:
    return dirs.cache_dir() / FOLDER


def table_path() -> Path:
    return folder() / TABLE_FILE


def read_state() -> dict[str, Any]:
    """The last attempt: attempted_at, fetched_at (of the stored table), error (None after a success)."""
    try:
        found = json.loads((folder() / STATE_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def prepare(mode: str, url: str, timeout: float, now: float, *, fetch: bool = True) -> None:
    """Choose this process's table for `mode`; with `fetch` (the refresher), download it first when due."""
    _chosen[0] = None
    if mode != "auto":
        return
    if fetch and _due(read_state(), _source(url), now):
        _update(url, timeout, now)
    try:
        found = os.stat(table_path())
    except OSError:
        return
    _chosen[0] = Choice(str(table_path()), (found.st_mtime_ns, found.st_size, found.st_ino))


def _source(url: str) -> str:
    """Which URL an attempt was made for, without writing the URL (it may hold a mirror's credentials)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _due(state: dict[str, Any], source: str, now: float) -> bool:
    """Never tried, tried a day ago or more, "in the future" (a clock set back), or from another URL: try."""
    attempted = state.get("attempted_at")
    if isinstance(attempted, bool) or not isinstance(attempted, (int, float)) or state.get("source") != source:
        return True
    return not 0 <= now - attempted < EVERY_S


def _update(url: str, timeout: float, now: float) -> None:
    """One download attempt within WAIT_S; its outcome goes to the state file and, on failure, one log line."""
    where = _where(url)  # imports the package here, before the download thread needs it
    arrived: dict[str, Any] = {}

    def work() -> None:
        try:
            arrived["payload"] = _download(url, timeout)
        except Exception as exc:  # any failure of the download keeps the table in use
            arrived["error"] = _reason(exc)

    # A daemon thread: a server that drips bytes past WAIT_S must not hold the run, nor the process.
    worker = threading.Thread(target=work, daemon=True, name="prices-update")
    worker.start()
    worker.join(WAIT_S)
    state = read_state()
    state.update(attempted_at=now, source=_source(url))
    payload = arrived.get("payload")
    try:
        if payload is None:
            state["error"] = arrived.get("error", f"no answer within {WAIT_S:g}s")
            kept = "downloaded" if table_path().is_file() else "bundled"
            log.warning("prices: could not fetch %s (%s); pricing with the %s table", where, state["error"], kept)
        else:
            atomic.replace_file(str(dirs.ensure_private(folder()) / TABLE_FILE), payload)
            state.update(fetched_at=now, error=None)
        atomic.replace_file(str(dirs.ensure_private(folder()) / STATE_FILE), json.dumps(state).encode())
    except OSError as exc:  # a full disk or a read-only cache: the run goes on with the table it has
        log.warning("prices: could not store the table in %s (%s)", folder(), exc.strerror or type(exc).__name__)


def _download(url: str, timeout: float) -> bytes:
    """The body at `url`, fetched as the package's updater fetches it, and only if the package can parse it."""
    import httpx2
    from genai_prices import UpdatePrices
    from genai_prices.update_prices import DEFAULT_UPDATE_URL

    # The package's updater's URL (or the override) and its own request timeouts, shortened to `timeout`.
    updater = UpdatePrices(url=url or DEFAULT_UPDATE_URL)
    limit = updater.request_timeout
    reply = httpx2.get(updater.url, timeout=httpx2.Timeout(
        timeout=min(limit.read or timeout, timeout), connect=min(limit.connect or timeout, timeout)))
    reply.raise_for_status()
    parse(reply.content)
    return reply.content


def _reason(exc: Exception) -> str:
    """A short cause with no server text in it (a body could say anything)."""
    import httpx2

    if isinstance(exc, httpx2.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx2.TransportError):
        return f"network: {type(exc).__name__}"
    if isinstance(exc, ValueError):
        return f"not a genai-prices table ({type(exc).__name__})"
    return type(exc).__name__


def _where(url: str) -> str:
    """host/path of the URL, without credentials or query, for messages."""
    from genai_prices.update_prices import DEFAULT_UPDATE_URL

    parts = urlsplit(url or DEFAULT_UPDATE_URL)
    return f"{parts.hostname}{parts.path}"


def bundled() -> dict[str, Any]:
    """The bundled table's version and install time, without importing the package (doctor stays quick)."""
    import importlib.metadata  # ~7 ms, which a refresh does not need

    try:
        version = importlib.metadata.version("genai-prices")
        spec = importlib.util.find_spec("genai_prices")
        origin = spec.origin if spec else None
        installed = os.stat(Path(origin).parent / "data.py").st_mtime if origin else None
    except (importlib.metadata.PackageNotFoundError, ImportError, OSError):
        return {"version": None, "installed_at": None}
    return {"version": version, "installed_at": installed}


def status(mode: str, now: float) -> dict[str, Any]:
    """For `doctor`: the table a refresh prices with, how old it is, and a warning with its fix."""
    info: dict[str, Any] = {"mode": mode, "table": "bundled", "bundled": bundled(), "path": None,
                            "fetched_at": None, "age_s": None, "attempted_at": None, "warning": None,
                            "fix": None}
    if mode != "auto":
        return info
    state, path = read_state(), table_path()
    info["attempted_at"] = _number(state.get("attempted_at"))
    retry = f"tokseg tries again at the first refresh after {_clock(info['attempted_at'] + EVERY_S)}" \
        if info["attempted_at"] is not None else "the next refresh tries again"
    if path.is_file():
        info.update(path=str(path), fetched_at=_number(state.get("fetched_at")) or _mtime(path))
        try:
            parse(path.read_bytes())
        except Exception:  # what the refresher would see: the bundled table instead
            info.update(warning=f"{path} is damaged, so refreshes price with the bundled table",
                        fix=f"rm {path} {folder() / STATE_FILE}; the next refresh downloads it again")
            return info
        info["table"] = "downloaded"
        info["age_s"] = now - info["fetched_at"] if info["fetched_at"] is not None else None
    error = state.get("error")
    if isinstance(error, str) and error:
        info.update(warning=f"the last download failed ({_safe(error)}); refreshes price with the "
                            f"{info['table']} table",
                    fix=f"check the connection, any proxy (HTTPS_PROXY) and [settings] prices_url; {retry}")
    elif info["fetched_at"] is not None and now - info["fetched_at"] > STALE_DAYS * 86400:
        info.update(warning=f"the downloaded table is {int((now - info['fetched_at']) // 86400)} days old",
                    fix=f"check refresher.log for the failed downloads; {retry}")
    return info


def _safe(text: str) -> str:
    """The state file is tokseg's own, but a hand-edited one must not put controls on a terminal."""
    return line(text, 200)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _clock(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))
