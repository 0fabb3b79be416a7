"""Antigravity: what is left of each model group's quota (Gemini Pro, Gemini Flash, Claude/GPT), from its login.

Antigravity, Google's VS Code fork, keeps its Google sign-in in its state
database. tokseg reads the access token from there (read-only, never
refreshed: Antigravity refreshes it while it runs) and asks Google's Code
Assist service which models the login may use and what fraction of each
one's quota is left. The app's own summary splits a group's quota into a
5-hour and a weekly limit; this answer gives one fraction per model and
does not say which limit it is, so no window here claims a length.

Options:
    base_url: the Code Assist root (default "https://cloudcode-pa.googleapis.com")
    state_db: Antigravity's state database (state.vscdb) to read the login from; empty means Antigravity's
        own place on this system (default "")
Reports:
    windows "gemini-pro", "gemini-flash" and "claude-gpt" (the Claude and GPT-OSS models Antigravity offers):
    used % of the group's quota, the lowest fraction left of its models, and that model's reset time (no
    length, so no pace); notes: the account, the tier and the model each window comes from. Headline: the
    fullest window.
Needs:
    an Antigravity login (open Antigravity and sign in). Its token is read from Antigravity's state
    database, opened read-only: ~/Library/Application Support/Antigravity/User/globalStorage/state.vscdb on
    macOS, ~/.config/Antigravity/… on Linux ($XDG_CONFIG_HOME when set), %APPDATA%\\Antigravity\\… on Windows.
    The token lasts about an hour after Antigravity last refreshed it; then the last reading stays, marked
    stale, until Antigravity runs again.
Errors:
    auth when there is no login or Google refuses the token (401: open Antigravity so it signs in again;
    403: Antigravity shows why, e.g. an account to verify);
    rate_limited on 429; server on 5xx; bad_response when the database cannot be read or the answer has no
    model list
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse, FetchError
from tokseg.providers import _cloudcode, _vscdb
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._common import no_leak
from tokseg.providers._subscription import as_dict, fingerprint, refine
from tokseg.reading import Reading
from tokseg.safe_text import line as printable

NAME, TITLE = "antigravity", "Antigravity (model quotas)"
SECRET = None  # the token belongs to Antigravity; see read_login

# Reverse-engineered (UNCONFIRMED): the item Antigravity keeps its sign-in under (JSON with the access
# token as `apiKey`, and `email`), the calls it makes and the metadata it sends.
AUTH_KEY = "antigravityAuthStatus"
MODELS = "v1internal:fetchAvailableModels"
METADATA = {"ideType": "ANTIGRAVITY", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}
INTERNAL = ("chat_", "tab_")  # model ids of the editor's own helpers, not a quota a user spends (UNCONFIRMED)
GROUPS = ("gemini-pro", "gemini-flash", "claude-gpt")
SIGN_IN = "open Antigravity so it signs in again (tokseg never refreshes Antigravity's token)"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://cloudcode-pa.googleapis.com"
    state_db: str = ""


@dataclass(frozen=True)
class Login:
    """The part of Antigravity's sign-in tokseg uses."""

    token: str
    email: str


def fetch(ctx: Ctx[Options]) -> Reading:
    path = db_path(ctx.options, ctx.env)
    login = read_login(path)
    if login is None:
        raise AuthError(f"no Antigravity login in {path}; open Antigravity and sign in")
    base = ctx.http.base_url
    with no_leak(login.token):
        try:
            assist = _cloudcode.load_code_assist(ctx, login.token, base, METADATA)
            body = _cloudcode.post(ctx, MODELS, login.token, {"project": assist.project} if assist.project else {},
                                   base)
        except AuthError as exc:
            if exc.status == 403:
                raise refine(exc, f"Google refused Antigravity's login ({exc}): open Antigravity, which says why "
                                  "(an account to verify, a tier or region it does not serve)") from exc
            raise refine(exc, f"Google refused Antigravity's token (HTTP {exc.status}): {SIGN_IN}; {path}") from exc
        notes = tuple(n for n in (f"account: {login.email}" if login.email else "",
                                  f"tier: {assist.tier}" if assist.tier else "") if n)
        return parse(body, ctx.now(), notes)


def parse(body: Any, now: float, notes: tuple[str, ...] = ()) -> Reading:
    """One window per model group from fetchAvailableModels' `models{}` (UNCONFIRMED shape)."""
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, dict):
        raise BadResponse("antigravity fetchAvailableModels: the answer has no models object")
    quotas = []
    for model_id, raw in models.items():
        entry = as_dict(raw)
        if not isinstance(model_id, str) or model_id.startswith(INTERNAL) or "quotaInfo" not in entry:
            continue
        label = entry.get("displayName")
        found = _cloudcode.quota(label if isinstance(label, str) and label.strip() else model_id,
                                 entry["quotaInfo"], now)
        if found:
            quotas.append(found)
    return _cloudcode.reading(quotas, group, GROUPS, notes)


def group(model: str) -> str | None:
    """The quota group of a model by its name: Claude and GPT-OSS share one, Gemini Pro and Flash one each."""
    name = model.lower()
    if "claude" in name or "gpt" in name:
        return "claude-gpt"
    if "gemini" in name and "flash" in name:
        return "gemini-flash"
    if "gemini" in name and "pro" in name:
        return "gemini-pro"
    return None


# --- Antigravity's login, read-only ------------------------------------------------------------


def db_path(options: Options, env: Mapping[str, str]) -> str:
    """The state_db option, else where Antigravity keeps its state on this system."""
    if options.state_db:
        return os.path.expanduser(options.state_db)
    return _vscdb.default_db(env, "Antigravity")


def read_login(path: str) -> Login | None:
    """The access token (`apiKey`) and email from the sign-in item; None when there is none."""
    text = _vscdb.read_item(path, AUTH_KEY, "Antigravity's login")
    try:
        data = as_dict(json.loads(text)) if text else {}
    except ValueError:
        return None
    token, email = data.get("apiKey"), data.get("email")
    if not isinstance(token, str) or not token.strip():
        return None
    return Login(token.strip(), printable(email, 80) if isinstance(email, str) else "")


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when Antigravity signs in again or refreshes its token, so a parked auth error is retried then."""
    try:
        login = read_login(db_path(ctx.options, ctx.env))
    except FetchError:
        return ""
    return fingerprint(login.token) if login else ""


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """Antigravity's state database, when it holds a login (the token itself is not kept)."""
    path = _vscdb.default_db(env, "Antigravity")
    try:
        login = read_login(path)
    except FetchError:
        return []
    if login is None:
        return []
    return [Source("Antigravity login (model quotas)", path, NAME, NAME, places=("state_db",))]
