"""Google Gemini: a Gemini API key check, or the Gemini CLI login's quota per model family.

Two ways in. With a Gemini API key, Google reports no usage, spend or quota
(no endpoint, no rate-limit headers), so tokseg checks the key with the free
model list and says so in a note. With the Gemini CLI's Google sign-in, the
Code Assist service says what fraction of each model's quota is left and
when it resets: that is read, with the CLI's token, which is never refreshed
or written (the CLI refreshes it whenever it runs).

Options:
    base_url: API root for a key (default "https://generativelanguage.googleapis.com/v1beta")
    auth: "key" (an API key), "login" (the Gemini CLI's Google sign-in) or "auto": the key when the account
        has one, else the login (default "auto")
    credentials: the Gemini CLI's oauth_creds.json; empty means $GEMINI_CLI_HOME/.gemini/oauth_creds.json,
        else ~/.gemini/oauth_creds.json (default "")
    login_base_url: the Code Assist root the login's quota is read from (default "https://cloudcode-pa.googleapis.com")
    project: the Google Cloud project whose quota is read with the login; empty means $GOOGLE_CLOUD_PROJECT,
        else the one Code Assist names for the login (default "")
Reports:
    with a key, no figures: a note that the key works and that Google reports no usage for API keys, with
    the page of the published rate limits per tier. With the login, windows "pro", "flash" and "flash-lite"
    (used % of the model family's quota, the lowest fraction left of its models, and its reset time; no
    length, so no pace); notes: the tier and the model each window comes from. Headline: the fullest window.
Needs:
    a Gemini API key from Google AI Studio (GEMINI_API_KEY; `tokseg discover` also offers GOOGLE_API_KEY),
    or the Gemini CLI signed in with Google (run `gemini` once). Its token lasts about an hour after the CLI
    last ran; then the last reading stays, marked stale, until the CLI runs again. Google withdrew Gemini
    CLI sign-in for individual, Google AI Pro and Ultra accounts (2026-06-18): those quotas are in Antigravity.
Errors:
    key: 400 (Google's answer to an invalid key, or a free tier not offered where you are), 401 and 403: auth,
    with Google's message. Login: auth when there is no login, when its token expired (run `gemini` once), when
    the CLI is set to an API key or Vertex AI, when Google refuses the token, and when Google withdrew Gemini
    CLI sign-in for the account type (use antigravity). Both: 429 rate_limited; 5xx server; an answer without
    a model list or quota buckets: bad_response
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse, FetchError, NoSecret
from tokseg.providers import _cloudcode
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import auth_hint, checked_url, get_list, no_leak
from tokseg.providers._subscription import as_dict, as_list, epoch_seconds, fingerprint, read_json, refine, user_home
from tokseg.reading import Reading
from tokseg.safe_text import line as printable

NAME, TITLE = "gemini", "Google Gemini (API key check or Gemini CLI quota)"
KEYS_URL = "https://aistudio.google.com/apikey"
LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits"
SECRET = SecretSpec(env="GEMINI_API_KEY", hint=f"create a key at {KEYS_URL}",
                    fallback="the Gemini CLI's Google sign-in (~/.gemini/oauth_creds.json)")
CHOICES = {"auth": ("auto", "key", "login")}
OTHER_ENV = "GOOGLE_API_KEY"  # Google's SDKs read it too; GEMINI_API_KEY wins when both are set
HOME_ENV = "GEMINI_CLI_HOME"  # UNCONFIRMED: the CLI uses it in place of the home folder, so ~/.gemini moves under it
PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"  # the CLI's own variable for a Workspace account's project
PATH = "/models"
WHERE = "gemini models"
KEY_HINT = f"Google refused the key: it needs a Gemini API key from {KEYS_URL}"
VALID = ("key valid: the Gemini API answered. Google reports no usage, spend or quota for API keys, "
         f"so there is nothing to show; the published rate limits per tier are at {LIMITS_URL}")
SIGN_IN = "run `gemini` once to sign in again (tokseg never refreshes the Gemini CLI's token)"
# Reverse-engineered (UNCONFIRMED): the Code Assist calls the Gemini CLI makes, and the metadata it sends.
QUOTA = "v1internal:retrieveUserQuota"
METADATA = {"ideType": "GEMINI_CLI", "pluginType": "GEMINI"}
USABLE_AUTH = ("", "oauth-personal")  # settings.json's auth type; none set means the Google sign-in
FAMILIES = ("pro", "flash", "flash-lite")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://generativelanguage.googleapis.com/v1beta"
    auth: str = "auto"
    credentials: str = ""
    login_base_url: str = "https://cloudcode-pa.googleapis.com"
    project: str = ""


@dataclass(frozen=True)
class Login:
    """The part of the Gemini CLI's sign-in tokseg uses; `where` names the file for messages."""

    token: str
    where: str
    expires_at: float | None
    auth_type: str


def fetch(ctx: Ctx[Options]) -> Reading:
    base = checked_url(ctx.options.login_base_url, "login_base_url", ctx.account)
    if ctx.options.auth == "key" or (ctx.options.auth == "auto" and ctx.secret):
        return fetch_key(ctx)
    return fetch_login(ctx, base)


def fetch_key(ctx: Ctx[Options]) -> Reading:
    secret = ctx.secret
    if not secret:
        raise NoSecret(f"account {ctx.account!r} has auth = \"key\" but no Gemini API key: `tokseg add gemini` "
                       f"with a key from {KEYS_URL}, or set {SECRET.env}")
    with no_leak(secret):
        try:
            body = ctx.http.get_json(PATH, headers={"x-goog-api-key": secret, "Accept": "application/json"})
        except BadResponse as exc:
            if exc.status != 400:
                raise
            raise auth_hint(exc, KEY_HINT) from exc
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        return parse(body)


def parse(body: Any) -> Reading:
    """A model list means the key works; the list itself is not shown."""
    get_list(body, "models", WHERE)
    return Reading(notes=(VALID,))


# --- the Gemini CLI's sign-in, read-only -------------------------------------------------------


def fetch_login(ctx: Ctx[Options], base: str) -> Reading:
    now = ctx.now()
    login = cli_login(ctx.options, ctx.env)
    if login is None:
        raise AuthError(f"no Gemini API key and no Gemini CLI login in {credentials_path(ctx.options, ctx.env)}: "
                        f"`tokseg add gemini` with a key from {KEYS_URL}, or run `gemini` and sign in with Google")
    if login.auth_type not in USABLE_AUTH:
        raise AuthError(f"the Gemini CLI is set to sign in with {printable(login.auth_type, 40)!r} (its settings.json "
                        "beside the login), which has no quota to read: sign in with Google in `gemini` (/auth), "
                        "or add a Gemini API key (`tokseg add gemini`)")
    if login.expires_at is not None and login.expires_at <= now:
        raise AuthError(f"the Gemini CLI's token expired: {SIGN_IN}; {login.where}")
    project = ctx.options.project or ctx.env.get(PROJECT_ENV, "").strip()
    with no_leak(login.token):
        try:
            assist = _cloudcode.load_code_assist(ctx, login.token, base, METADATA, project)
        except FetchError as exc:
            _explain(exc, login)
            raise
        if assist.refusal:
            raise AuthError(assist.refusal)
        project = project or assist.project
        try:
            body = _cloudcode.post(ctx, QUOTA, login.token, {"project": project} if project else {}, base)
        except FetchError as exc:
            _explain(exc, login)
            raise
        return parse_quota(body, now, assist.tier)


def _explain(exc: FetchError, login: Login) -> None:
    """Raise a refused token explained (withdrawn for the account type, expired, refused otherwise); else return."""
    if _cloudcode.refused(exc):
        raise _cloudcode.withdrawn(exc) from exc
    if isinstance(exc, AuthError) and exc.status == 401:
        raise refine(exc, f"Google refused the Gemini CLI's token (HTTP 401): {SIGN_IN}; {login.where}") from exc
    if isinstance(exc, AuthError) and exc.status == 403:
        raise refine(exc, f"Code Assist refused the Gemini CLI's login ({exc}); a Workspace account needs its "
                          f"Google Cloud project: set {PROJECT_ENV} or -o project=…") from exc


def parse_quota(body: Any, now: float, tier: str = "") -> Reading:
    """One window per model family from retrieveUserQuota's `buckets[]` (UNCONFIRMED shape)."""
    if not isinstance(body, dict) or not isinstance(body.get("buckets"), list):
        raise BadResponse("gemini retrieveUserQuota: the answer has no buckets list")
    quotas = []
    for bucket in as_list(body.get("buckets")):
        model = as_dict(bucket).get("modelId")
        found = _cloudcode.quota(model, bucket, now) if isinstance(model, str) else None
        if found:
            quotas.append(found)
    notes = (f"tier: {tier}",) if tier else ()
    return _cloudcode.reading(quotas, family, FAMILIES, notes)


def family(model: str) -> str | None:
    """"pro", "flash" or "flash-lite" from a model id such as gemini-2.5-flash-lite; None for other models."""
    words = set(re.split(r"[^a-z]+", model.lower().replace("flash-lite", "flashlite")))
    if "flashlite" in words:
        return "flash-lite"
    return next((name for name in ("pro", "flash") if name in words), None)


def credentials_path(options: Options, env: Mapping[str, str]) -> str:
    """The option, else $GEMINI_CLI_HOME/.gemini/oauth_creds.json, else ~/.gemini/oauth_creds.json."""
    if options.credentials:
        return os.path.expanduser(options.credentials)
    home = env.get(HOME_ENV, "").strip() or user_home(env)
    return os.path.join(home, ".gemini", "oauth_creds.json")


def cli_login(options: Options, env: Mapping[str, str]) -> Login | None:
    """`access_token` and `expiry_date` (epoch ms) from the credentials file, and the CLI's auth type from the
    settings.json beside it (`security.auth.selectedType`, older `selectedAuthType`; UNCONFIRMED)."""
    path = credentials_path(options, env)
    data = as_dict(read_json(path))
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip():
        return None
    settings = as_dict(read_json(os.path.join(os.path.dirname(path), "settings.json")))
    chosen = as_dict(as_dict(settings.get("security")).get("auth")).get("selectedType")
    chosen = chosen if isinstance(chosen, str) else settings.get("selectedAuthType")
    return Login(token.strip(), path, epoch_seconds(data.get("expiry_date")),
                 chosen.strip() if isinstance(chosen, str) else "")


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when the Gemini CLI signs in again or changes its auth type, so a parked auth error is retried."""
    login = None if ctx.options.auth == "key" else cli_login(ctx.options, ctx.env)
    return fingerprint(f"{login.token}\0{login.auth_type}") if login else ""


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The Gemini CLI's Google sign-in (only its presence is looked at), and a key in $GOOGLE_API_KEY unless
    $GEMINI_API_KEY is set (which discovery offers by itself)."""
    found = []
    login = cli_login(Options(), env)
    if login is not None and login.auth_type in USABLE_AUTH:
        options = {"credentials": login.where} if env.get(HOME_ENV, "").strip() else {}
        if env.get(SECRET.env or "", "").strip():
            options["auth"] = "login"  # else the key in the environment would be read instead
        found.append(Source("Gemini CLI login (quota per model family)", login.where, NAME, NAME, options,
                            places=("credentials",)))
    if env.get(OTHER_ENV, "").strip() and not env.get(SECRET.env or "", "").strip():
        found.append(Source(f"Google API key in ${OTHER_ENV} (Gemini API key check)", f"${OTHER_ENV}", NAME, NAME,
                            key_env=OTHER_ENV))
    return found
