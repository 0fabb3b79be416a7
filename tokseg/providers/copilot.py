"""GitHub Copilot: premium requests left this month, from copilot_internal/user.

Options:
    base_url: the GitHub API root, "https://api.HOST" for GitHub Enterprise (default "https://api.github.com")
    host: the GitHub host whose login to use (default "github.com")
Reports:
    window "premium" (used % of the monthly premium requests, reset date, the month's length), and
    "chat"/"completions" when the plan caps them (free plan); headline: the premium window
Needs:
    a GitHub token with Copilot access, found in this order: the one `tokseg login copilot` stored in
    the keyring for this account; the editors' github-copilot/apps.json, then hosts.json; `gh auth
    token`; $GH_TOKEN / $GITHUB_TOKEN. Editor files are read, never written.
Errors:
    auth when no token is found, the token is refused (401/403), or Copilot is not enabled for the
    account (404); rate_limited on 429
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tokseg.errors import AuthError, BadResponse, FetchError
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._subscription import (
    as_dict,
    fingerprint,
    finite,
    iso_time,
    number,
    read_json,
    refine,
    user_home,
)
from tokseg.reading import Headline, Reading, Window

NAME, TITLE = "copilot", "GitHub Copilot (premium requests)"
SECRET = None  # found by find_token: tokseg's own login or the editors' / gh's

QUOTA_PATH = "copilot_internal/user"
API_VERSION = "2025-04-01"
GH_TIMEOUT_S = 5.0
SNAPSHOTS = (("premium_interactions", "premium"), ("chat", "chat"), ("completions", "completions"))


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.github.com"
    host: str = "github.com"


@dataclass(frozen=True)
class Token:
    value: str
    where: str


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    token = find_token(ctx)
    if token is None:
        raise AuthError(f"no GitHub token with Copilot access found for {opts.host}: run "
                        f"`tokseg login copilot --account {ctx.account}`, sign in to Copilot in your editor, "
                        "or `gh auth login`")
    headers = {"Authorization": f"token {token.value}", "Accept": "application/json",
               "X-GitHub-Api-Version": API_VERSION}
    try:
        body = ctx.http.get_json(QUOTA_PATH, headers=headers)
    except AuthError as exc:
        raise refine(exc, f"GitHub refused the token from {token.where} (HTTP {exc.status}): run "
                          f"`tokseg login copilot --account {ctx.account}` to sign in again") from exc
    except FetchError as exc:
        if exc.status == 404:
            raise refine(exc, f"Copilot is not enabled for the GitHub account of the token from {token.where} "
                              "(HTTP 404); check the Copilot subscription or sign in with another account") from exc
        raise
    return parse(body)


def parse(body: Any) -> Reading:
    """Windows from the quota answer: paid `quota_snapshots` or the free plan's monthly counts."""
    if not isinstance(body, dict):
        raise BadResponse(f"quota answer is not an object ({type(body).__name__})")
    resets_at = iso_time(body.get("quota_reset_date_utc")) or iso_time(body.get("quota_reset_date"))
    length = month_length_s(resets_at) if resets_at is not None else None
    windows, notes = [], []
    snapshots = body.get("quota_snapshots")
    if isinstance(snapshots, dict):
        for key, name in SNAPSHOTS:
            snap = snapshots.get(key)
            used = _snapshot_used(snap)
            if used is not None:
                windows.append(Window(name, used, resets_at, length))
                counts = as_dict(snap)
                remaining, entitled = number(counts.get("remaining")), number(counts.get("entitlement"))
                if name == "premium" and remaining is not None and entitled:
                    notes.append(f"premium requests: {remaining:g} of {entitled:g} left")
            elif isinstance(snap, dict) and snap.get("unlimited") is True and name == "premium":
                notes.append("premium requests: unlimited")
    elif isinstance(body.get("monthly_quotas"), dict):
        totals, left = body["monthly_quotas"], body.get("limited_user_quotas") or {}
        for name in ("chat", "completions"):
            total, remaining = number(totals.get(name)), number(left.get(name) if isinstance(left, dict) else None)
            used = finite(100.0 * (total - remaining) / total) if total and remaining is not None else None
            if used is not None:
                windows.append(Window(name, used, resets_at, length))
    elif "copilot_plan" not in body:
        raise BadResponse("quota answer has neither quota_snapshots nor monthly_quotas")
    if isinstance(body.get("copilot_plan"), str):
        notes.insert(0, f"plan: {body['copilot_plan']}")
    names = [w.name for w in windows]
    key = "premium" if "premium" in names else (names[0] if names else "")
    return Reading(headline=Headline("window", key) if key else Headline("none"),
                   windows=tuple(windows), notes=tuple(notes))


def month_length_s(resets_at: float) -> float | None:
    """Seconds in the monthly quota period that ends at `resets_at`: back to the same day and time a month
    earlier (UTC, the day clamped to that month's last), so 30 days for a reset on 1 December."""
    try:
        end = datetime.fromtimestamp(resets_at, timezone.utc)
        year, month = (end.year, end.month - 1) if end.month > 1 else (end.year - 1, 12)
        start = end.replace(year=year, month=month, day=min(end.day, calendar.monthrange(year, month)[1]))
    except (ValueError, OverflowError, OSError):
        return None  # a date at the calendar's edge: the length is not known
    return resets_at - start.timestamp()


def _snapshot_used(snap: Any) -> float | None:
    """Used % of one quota snapshot; None for unlimited ones and zero placeholders (they carry no signal)."""
    if not isinstance(snap, dict) or snap.get("unlimited") is True:
        return None
    total, left = number(snap.get("entitlement")), number(snap.get("remaining"))
    if not total and not left:
        return None
    percent_left = number(snap.get("percent_remaining"))
    if percent_left is not None:
        return finite(100.0 - percent_left)  # over quota, percent_remaining goes negative: used > 100 %
    if total and left is not None:
        return finite(100.0 * (total - left) / total)
    return None


# --- where a usable GitHub token is ------------------------------------------------------------


def copilot_config_dirs(env: Mapping[str, str]) -> list[str]:
    """The editors' github-copilot folders: $XDG_CONFIG_HOME (or ~/.config), and %LOCALAPPDATA% on Windows."""
    base = env.get("XDG_CONFIG_HOME", "").strip() or os.path.join(user_home(env), ".config")
    folders = [os.path.join(base, "github-copilot")]
    if env.get("LOCALAPPDATA"):
        folders.append(os.path.join(env["LOCALAPPDATA"], "github-copilot"))
    return folders


def editor_token(host: str, env: Mapping[str, str]) -> Token | None:
    """A token from apps.json (keys "<host>:<app id>") or the older hosts.json (keys "<host>")."""
    for folder in copilot_config_dirs(env):
        for name in ("apps.json", "hosts.json"):
            path = os.path.join(folder, name)
            data = read_json(path)
            if not isinstance(data, dict):
                continue
            for key, entry in data.items():
                if (key == host or key.startswith(f"{host}:")) and isinstance(entry, dict):
                    value = entry.get("oauth_token")
                    if isinstance(value, str) and value:
                        return Token(value, path)
    return None


def gh_token(host: str, run: Run) -> Token | None:
    """`gh auth token --hostname HOST`; None if gh is absent or not signed in."""
    done = run(["gh", "auth", "token", "--hostname", host], GH_TIMEOUT_S)
    value = done.stdout.decode(errors="replace").strip() if done else ""
    return Token(value, "`gh auth token`") if done and done.returncode == 0 and value else None


def login_token(ctx: Ctx[Options]) -> Token | None:
    """The token `tokseg login copilot` stored in the keyring under this account's name."""
    value = ctx.stored_secret()
    return Token(value, "the keyring (tokseg login)") if value else None


def find_token(ctx: Ctx[Options]) -> Token | None:
    host = ctx.options.host
    found = login_token(ctx) or editor_token(host, ctx.env) or gh_token(host, ctx.run)
    if found:
        return found
    for var in ("GH_TOKEN", "GITHUB_TOKEN"):
        if ctx.env.get(var, "").strip():
            return Token(ctx.env[var].strip(), f"${var}")
    return None


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when the token in use changes (a new login, editor sign-in or gh login)."""
    found = find_token(ctx)
    return fingerprint(found.value) if found else ""


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """A github.com login an editor or gh keeps (tokseg's own `tokseg login` adds its account itself)."""
    token = editor_token("github.com", env)
    if token:
        return [Source("GitHub Copilot editor login (premium requests)", token.where, NAME, NAME)]
    if gh_token("github.com", run):
        return [Source("GitHub CLI login, for Copilot premium requests", "`gh auth token`", NAME, NAME)]
    return []
