"""OpenAI Codex (ChatGPT plan): the 5-hour and weekly windows, from Codex's own logs first.

Options:
    base_url: ChatGPT's backend root; a root without /backend-api is asked at /api/codex/usage, as
        Codex itself does (default "https://chatgpt.com/backend-api")
    codex_home: Codex's folder; empty means $CODEX_HOME, else ~/.codex (default "")
    source: "auto" (logs, then the usage endpoint), "logs" or "api" (default "auto")
Reports:
    windows "5h" and "7d" (used %, reset time, length) and per-model extra limits; headline: the 5h window
    (the weekly one on plans that only have that)
Needs:
    Codex signed in with ChatGPT (run `codex`). The newest session log's last `rate_limits` is read
    with no network at all; only when it has none is wham/usage asked, with the token from
    <codex home>/auth.json (read, never refreshed or written).
Errors:
    auth when auth.json is missing, holds an API-key login (no plan windows) or the token is refused
    (run `codex` to sign in again); rate_limited on 429
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._subscription import (
    as_dict,
    as_list,
    env_dirs,
    epoch_seconds,
    fingerprint,
    iso_time,
    number,
    read_json,
    refine,
    user_home,
    window_label,
)
from tokseg.reading import Headline, Reading, Window

NAME, TITLE = "codex", "Codex (ChatGPT plan windows)"
SECRET = None  # the token belongs to the Codex CLI; see auth.json

CHOICES = {"source": ("auto", "logs", "api")}
TAIL_CHUNK = 256 * 1024
TAIL_LIMIT = 8 * 1024 * 1024  # never read more than this from the end of one log
RECENT_DAY_DIRS = 3
SIGN_IN = "run `codex` to sign in again"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://chatgpt.com/backend-api"
    codex_home: str = ""
    source: str = "auto"


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    home = codex_home(opts, ctx.env)
    now = ctx.now()
    if opts.source in ("auto", "logs"):
        found = latest_rate_limits(os.path.join(home, "sessions"))
        if found:
            limits, stamp = found
            return from_rollout(limits, now, stamp)
        if opts.source == "logs":
            return Reading(notes=(f"no rate_limits in the newest Codex log under {home}/sessions yet",))
    return from_usage(_ask(ctx, home), now)


def codex_home(options: Options, env: Mapping[str, str]) -> str:
    if options.codex_home:
        return os.path.expanduser(options.codex_home)
    homes = env_dirs(env, "CODEX_HOME")
    return homes[0] if homes else os.path.join(user_home(env), ".codex")


# --- the rollout logs: Codex writes rate_limits on every token_count event ---------------------


def newest_log(sessions: str) -> str | None:
    """The most recently written rollout, looking in the newest few YYYY/MM/DD folders only."""
    days = list(_day_dirs(sessions))[:RECENT_DAY_DIRS]
    best: tuple[float, str] | None = None
    for day in days:
        try:
            entries = list(os.scandir(day))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".jsonl") and entry.is_file():
                stamp = entry.stat().st_mtime
                if best is None or stamp > best[0]:
                    best = (stamp, entry.path)
    return best[1] if best else None


def _day_dirs(sessions: str) -> Iterator[str]:
    """sessions/YYYY/MM/DD folders, newest first (the names sort as dates)."""
    def children(path: str) -> list[str]:
        try:
            return sorted((e.name for e in os.scandir(path) if e.is_dir()), reverse=True)
        except OSError:
            return []

    for year in children(sessions):
        for month in children(os.path.join(sessions, year)):
            for day in children(os.path.join(sessions, year, month)):
                yield os.path.join(sessions, year, month, day)


def latest_rate_limits(sessions: str) -> tuple[dict, str] | None:
    """The newest log's last non-null `rate_limits` (main lane preferred) and its event timestamp."""
    path = newest_log(sessions)
    if path is None:
        return None
    other: tuple[dict, str] | None = None
    for line in _lines_backwards(path):
        if b'"token_count"' not in line or b'"rate_limits"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        payload = event.get("payload") if isinstance(event, dict) else None
        if not isinstance(payload, dict) or payload.get("type") != "token_count":
            continue
        limits = payload.get("rate_limits")
        if not isinstance(limits, dict):
            continue
        found = (limits, str(event.get("timestamp") or ""))
        if limits.get("limit_id") in (None, "codex"):
            return found
        other = other or found  # another lane (e.g. a per-model limit); use it only if nothing better
    return other


def _lines_backwards(path: str) -> Iterator[bytes]:
    """Complete lines from the end of a file, last first, reading at most TAIL_LIMIT bytes."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 (only a failing open ends the generator early)
    except OSError:
        return
    with fh:
        end = fh.seek(0, os.SEEK_END)
        position, carry = end, b""
        while position > 0 and end - position < TAIL_LIMIT:
            step = min(TAIL_CHUNK, position)
            position -= step
            fh.seek(position)
            block = fh.read(step) + carry
            lines = block.split(b"\n")
            carry = lines.pop(0) if position > 0 else b""
            for line in reversed(lines):
                if line.strip():
                    yield line


def from_rollout(limits: dict, now: float, stamp: str = "") -> Reading:
    """Windows from a log's `rate_limits`: {used_percent, window_minutes, resets_at|resets_in_seconds}."""
    written = iso_time(stamp)
    windows = []
    for slot in ("primary", "secondary"):
        raw = limits.get(slot)
        if not isinstance(raw, dict):
            continue
        minutes = number(raw.get("window_minutes"))
        used = number(raw.get("used_percent"))
        if minutes is None or used is None:
            continue
        resets_at = epoch_seconds(raw.get("resets_at"))
        after = number(raw.get("resets_in_seconds"))  # older logs (UNCONFIRMED): relative to the event
        if resets_at is None and after is not None and written is not None:
            resets_at = written + after
        if resets_at is not None and resets_at <= now:
            used, resets_at = 0.0, None  # the window reset since Codex last wrote it
        windows.append(Window(window_label(minutes * 60), used, resets_at, minutes * 60))
    notes = [f"from Codex log at {stamp}" if stamp else "from Codex log"]
    if isinstance(limits.get("plan_type"), str):
        notes.insert(0, f"plan: {limits['plan_type']}")
    return _reading(windows, notes)


# --- wham/usage: the same windows over the network ---------------------------------------------


def _ask(ctx: Ctx[Options], home: str) -> Any:
    token, account_id = read_auth(home)
    base = ctx.http.base_url
    path = "wham/usage" if "/backend-api" in base else "api/codex/usage"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if account_id:
        headers["ChatGPT-Account-Id"] = account_id
    try:
        return ctx.http.get_json(path, headers=headers)
    except AuthError as exc:
        if exc.status == 403:
            raise refine(exc, "usage endpoint refused the login (HTTP 403): a policy or region block, or a login "
                              f"that needs renewing; {SIGN_IN}") from exc
        raise refine(exc, f"login expired or revoked (HTTP {exc.status}): {SIGN_IN}") from exc


def read_auth(home: str) -> tuple[str, str | None]:
    """The ChatGPT access token and account id from auth.json (read-only)."""
    path = os.path.join(home, "auth.json")
    data = read_json(path)
    if not isinstance(data, dict):
        raise AuthError(f"no Codex login at {path} (Codex may keep it in the OS keyring instead); "
                        "run `codex` and sign in with ChatGPT")
    tokens = as_dict(data.get("tokens"))
    token = tokens.get("access_token")
    if not isinstance(token, str) or not token:
        if data.get("OPENAI_API_KEY"):
            raise AuthError(f"Codex is signed in with an API key ({path}): API-key logins have no plan windows")
        raise AuthError(f"{path} holds no ChatGPT token; run `codex` and sign in with ChatGPT")
    account = tokens.get("account_id")
    if not isinstance(account, str) or not account:
        account = _account_from_jwt(tokens.get("id_token")) or _account_from_jwt(token)
    return token, account


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when Codex signs in again, so a parked auth error is retried then."""
    data = read_json(os.path.join(codex_home(ctx.options, ctx.env), "auth.json"))
    tokens = as_dict(as_dict(data).get("tokens"))
    token = tokens.get("access_token")
    return fingerprint(token) if isinstance(token, str) and token else ""


def _account_from_jwt(jwt: Any) -> str | None:
    """Old auth.json files lack account_id; it is a claim of the id/access token (payload only, unverified)."""
    if not isinstance(jwt, str) or jwt.count(".") != 2:
        return None
    part = jwt.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    nested = claims.get("https://api.openai.com/auth")
    for source in (claims, nested if isinstance(nested, dict) else {}):
        if isinstance(source.get("chatgpt_account_id"), str):
            return source["chatgpt_account_id"]
    orgs = claims.get("organizations")
    if isinstance(orgs, list) and orgs and isinstance(orgs[0], dict) and isinstance(orgs[0].get("id"), str):
        return orgs[0]["id"]
    return None


def from_usage(body: Any, now: float) -> Reading:
    """Windows from wham/usage, classified by their length, not their slot."""
    if not isinstance(body, dict) or not isinstance(body.get("rate_limit"), dict):
        raise BadResponse("usage answer has no rate_limit object")
    windows = _usage_windows(body["rate_limit"], now, "")
    for extra in as_list(body.get("additional_rate_limits")):
        if isinstance(extra, dict) and isinstance(extra.get("rate_limit"), dict):
            prefix = _slug(extra.get("limit_name") or extra.get("metered_feature") or "extra")
            windows.extend(_usage_windows(extra["rate_limit"], now, prefix))
    notes = []
    if isinstance(body.get("plan_type"), str):
        notes.append(f"plan: {body['plan_type']}")
    if body["rate_limit"].get("limit_reached") is True:
        notes.append("limit reached")
    credits = as_dict(body.get("credits"))
    balance = number(credits.get("balance"))
    if credits.get("has_credits") and balance is not None:
        notes.append(f"credits: {balance:g}")
    return _reading(windows, notes)


def _usage_windows(limit: dict, now: float, prefix: str) -> list[Window]:
    windows = []
    for slot in ("primary_window", "secondary_window"):
        raw = limit.get(slot)
        if not isinstance(raw, dict):
            continue
        seconds, used = number(raw.get("limit_window_seconds")), number(raw.get("used_percent"))
        if seconds is None or used is None:
            continue
        resets_at = epoch_seconds(raw.get("reset_at"))  # seconds; a value in ms is recognised and scaled
        after = number(raw.get("reset_after_seconds"))
        if resets_at is None and after is not None:
            resets_at = now + after
        name = window_label(seconds)
        windows.append(Window(f"{prefix}-{name}" if prefix else name, used, resets_at, seconds))
    return windows


def _slug(text: Any) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in str(text)).split()
    return "-".join(words)[:24] or "extra"


def _reading(windows: list[Window], notes: list[str]) -> Reading:
    names = [w.name for w in windows]
    key = next((n for n in ("5h", "7d") if n in names), names[0] if names else "")
    return Reading(headline=Headline("window", key) if key else Headline("none"),
                   windows=tuple(windows), notes=tuple(notes))


# --- what `tokseg discover` offers -------------------------------------------------------------


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """Each Codex home ($CODEX_HOME's list, else ~/.codex) holding a login or session logs."""
    custom = env_dirs(env, "CODEX_HOME")
    found = []
    for home in custom or [os.path.join(user_home(env), ".codex")]:
        auth, sessions = os.path.join(home, "auth.json"), os.path.join(home, "sessions")
        if os.path.isfile(auth) or os.path.isdir(sessions):
            found.append(Source("Codex login / logs (5h/weekly windows)", auth if os.path.isfile(auth) else sessions,
                                NAME, NAME, {"codex_home": home} if custom else {}, places=("codex_home",)))
    return found
