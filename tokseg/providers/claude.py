"""Claude Pro/Max: the 5-hour and weekly windows from Claude's OAuth usage endpoint.

Options:
    base_url: the API root (default "https://api.anthropic.com")
    config_dir: the Claude Code config folder whose login to use; empty means $CLAUDE_CONFIG_DIR,
        else ~/.claude (default "")
Reports:
    windows "5h" and "7d" (used %, reset time, length), "7d-sonnet"/"7d-opus" per-model weekly windows when
    the plan has them, and extra-usage spend this month with its cap; headline: the 5h window
Needs:
    a Claude Code login (run `claude` once). The token is read, never refreshed or written:
    from <config dir>/.credentials.json, the macOS keychain, or $CLAUDE_CODE_OAUTH_TOKEN.
Errors:
    auth when the token expired (run `claude` to sign in again) or the endpoint refuses it (403 is a
    policy/region/firewall block, not expiry); rate_limited on 429, after which this token is not
    polled again until the backoff ends; polls at most once per MIN_POLL_S per token.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg import defaults
from tokseg.errors import AuthError, BadResponse, RateLimited
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._gate import PollGate
from tokseg.providers._subscription import (
    CLAUDE_WINDOW_S,
    as_dict,
    as_list,
    env_dirs,
    fingerprint,
    finite,
    iso_time,
    number,
    read_json,
    refine,
    user_home,
)
from tokseg.reading import Headline, Money, Reading, Window

NAME, TITLE = "claude", "Claude (Pro/Max windows)"
SECRET = None  # the token belongs to Claude Code; see find_credentials

USAGE_PATH = "api/oauth/usage"
BETA_HEADER = "oauth-2025-04-20"
# Working tools cache the answer 180 s and back off 300 s on 429; 429s can last hours, so the
# backoff doubles with each 429 in a row (capped at an hour).
MIN_POLL_S = 180.0
BACKOFF_S = 300.0
MAX_BACKOFF_S = 3600.0
KEYCHAIN_SERVICE = "Claude Code-credentials"
KEYCHAIN_TIMEOUT_S = 5.0
SIGN_IN = "run `claude` to sign in again"
SCOPED = {"sonnet": "7d-sonnet", "opus": "7d-opus"}


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.anthropic.com"
    config_dir: str = ""


@dataclass(frozen=True)
class Credentials:
    """The part of Claude Code's login tokseg uses; `where` names its source for messages."""

    token: str
    where: str
    expires_at: float | None = None
    scopes: tuple[str, ...] | None = None
    plan: str = ""


def fetch(ctx: Ctx[Options]) -> Reading:
    now = ctx.now()
    cred = find_credentials(ctx)
    if cred is None:
        raise AuthError(f"no Claude Code login found ({_searched(ctx.options, ctx.env)}); run `claude` and sign in")
    if cred.expires_at is not None and cred.expires_at <= now:
        raise AuthError(f"token expired: {SIGN_IN} (tokseg never refreshes Claude Code's token; {cred.where})")
    if cred.scopes is not None and "user:profile" not in cred.scopes:
        raise AuthError(f"the token in {cred.where} lacks the user:profile scope needed to read usage; "
                        "sign in with `claude` (/login) rather than a setup-token")
    gate, key = PollGate(ctx.state), fingerprint(cred.token)
    entry = gate.get(key)
    blocked_until = number(entry.get("blocked_until")) or 0.0
    if blocked_until > defaults.latest_due(now, MAX_BACKOFF_S):
        blocked_until = 0.0  # further ahead than any block tokseg sets: the clock went back
    if blocked_until > now:
        raise RateLimited(f"usage endpoint rate-limited this token; not polling again for {blocked_until - now:.0f}s",
                          retry_after=blocked_until - now)
    polled_at = number(entry.get("polled_at")) or 0.0
    if not defaults.believable_time(polled_at, now):
        polled_at = 0.0
    if now - polled_at < MIN_POLL_S:
        if isinstance(entry.get("body"), dict):
            return parse(entry["body"], cred.plan, note=f"cached: polled {now - polled_at:.0f}s ago")
        raise RateLimited(f"polled {now - polled_at:.0f}s ago; tokseg asks at most once per {MIN_POLL_S:g}s per token",
                          retry_after=polled_at + MIN_POLL_S - now)
    headers = {"Authorization": f"Bearer {cred.token}", "anthropic-beta": BETA_HEADER, "Accept": "application/json"}
    gate.put(key, polled_at=now)  # counts even if the request then fails: a failing endpoint is not hammered
    try:
        body = ctx.http.get_json(USAGE_PATH, headers=headers)
    except RateLimited as exc:
        strikes = int(number(entry.get("strikes")) or 0) + 1
        wait = max(exc.retry_after or 0.0, min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (strikes - 1)))
        gate.put(key, polled_at=now, blocked_until=now + wait, strikes=strikes)
        raise RateLimited(f"usage endpoint answered 429 (often lasts long); backing off {wait:.0f}s for this token",
                          retry_after=wait) from exc
    except AuthError as exc:
        if exc.status == 403:
            raise refine(exc, "usage endpoint refused the token (HTTP 403): an organisation policy, region or "
                              "firewall block, not an expired login; signing in again will not help") from exc
        raise refine(exc, f"token expired: {SIGN_IN} (HTTP {exc.status} from the usage endpoint; "
                          "tokseg never refreshes Claude Code's token)") from exc
    reading = parse(body, cred.plan)
    gate.put(key, blocked_until=0.0, strikes=0, body=body)
    return reading


def parse(body: Any, plan: str = "", note: str = "") -> Reading:
    """The Reading for one usage answer (legacy flat buckets and/or the newer `limits[]`)."""
    if not isinstance(body, dict):
        raise BadResponse(f"usage answer is not an object ({type(body).__name__})")
    limits = [e for e in as_list(body.get("limits")) if isinstance(e, dict) and not _placeholder(e)]
    windows = []
    for name, bucket, kind in (("5h", "five_hour", "session"), ("7d", "seven_day", "weekly_all")):
        entry = next((e for e in limits if e.get("kind") == kind), None)
        window = _window(name, body.get(bucket), entry)
        if window:
            windows.append(window)
    windows.extend(_scoped(body, limits))
    spent, cap, left = _extra_usage(body.get("extra_usage"))
    known = {"five_hour", "seven_day", "limits", "extra_usage"} & set(body)
    if not known:
        raise BadResponse("usage answer has none of five_hour, seven_day, limits, extra_usage")
    names = [w.name for w in windows]
    if "5h" in names or "7d" in names:
        headline = Headline("window", "5h" if "5h" in names else "7d")
    else:
        headline = Headline("spent", "month") if spent else Headline("none")
    notes = tuple(n for n in (f"plan: {plan}" if plan else "", note) if n)
    return Reading(headline=headline, windows=tuple(windows), spent={"month": spent} if spent else {},
                   limit=cap, limit_remaining=left, notes=notes)


def _placeholder(entry: dict) -> bool:
    """A `limits[]` entry at 0 % with no reset carries no window (seen for unused scoped limits)."""
    return number(entry.get("percent")) in (None, 0.0) and not entry.get("resets_at")


def _percent(value: Any, check: float | None) -> float | None:
    """A 0-100 percentage from `utilization`.

    UNCONFIRMED: utilization is normally 0-100, but one client saw fractions below 1 (0.37 for
    37 %) mixed with percents in one answer and scales values under 1.0 by 100. We do the same,
    unless the matching `limits[]` percent says the small value really is a percent.
    """
    used = number(value)
    if used is None or not 0.0 < used < 1.0:
        return used
    if check is not None and abs(check - used) < abs(check - used * 100):
        return used
    return used * 100


def _window(name: str, bucket: Any, entry: dict | None) -> Window | None:
    """One window from its flat bucket and/or its `limits[]` entry; either may give percent or reset."""
    check = number(entry.get("percent")) if entry else None
    used = _percent(bucket.get("utilization"), check) if isinstance(bucket, dict) else None
    resets_at = iso_time(bucket.get("resets_at")) if isinstance(bucket, dict) else None
    if used is None:
        used = check
    if resets_at is None and entry:
        resets_at = iso_time(entry.get("resets_at"))
    return Window(name, used, resets_at, CLAUDE_WINDOW_S.get(name)) if used is not None else None


def _scoped(body: dict, limits: list[dict]) -> list[Window]:
    """Per-model weekly windows: from `limits[]` (the flat ones went null once it appeared), else flat."""
    found: dict[str, Window] = {}
    for entry in limits:
        if entry.get("kind") != "weekly_scoped":
            continue
        model = as_dict(as_dict(entry.get("scope")).get("model"))
        label = str(model.get("display_name") or "").lower()
        for word, name in SCOPED.items():
            if word in label and name not in found:
                window = _window(name, None, entry)
                if window:
                    found[name] = window
    for word, name in SCOPED.items():
        if name not in found:
            window = _window(name, body.get(f"seven_day_{word}"), None)
            if window:
                found[name] = window
    return [found[name] for name in SCOPED.values() if name in found]


def _extra_usage(extra: Any) -> tuple[Money | None, Money | None, Money | None]:
    """Pay-as-you-go overage this month; the amounts are in cents."""
    if not isinstance(extra, dict) or extra.get("is_enabled") is not True:
        return None, None, None
    code = extra.get("currency")
    currency = code if isinstance(code, str) else "USD"
    used = number(extra.get("used_credits"))
    cap = number(extra.get("monthly_limit"))
    spent = Money(used / 100, currency.upper()) if used is not None else None
    limit = Money(cap / 100, currency.upper()) if cap is not None else None
    left_cents = finite(cap - used) if cap is not None and used is not None else None
    left = Money(max(0.0, left_cents / 100), currency.upper()) if left_cents is not None else None
    return spent, limit, left


# --- where Claude Code keeps its login (read-only) ---------------------------------------------


def config_dirs(options: Options, env: Mapping[str, str]) -> list[str]:
    """Claude Code config folders to look in, in order: the option, $CLAUDE_CONFIG_DIR, ~/.claude."""
    if options.config_dir:
        return [os.path.expanduser(options.config_dir)]
    return env_dirs(env, "CLAUDE_CONFIG_DIR") or [os.path.join(user_home(env), ".claude")]


def find_credentials(ctx: Ctx[Options]) -> Credentials | None:
    """The first usable login: credentials file(s), then the macOS keychain, then the env token."""
    for folder in config_dirs(ctx.options, ctx.env):
        path = os.path.join(folder, ".credentials.json")
        cred = _from_json(read_json(path), path)
        if cred:
            return cred
    if sys.platform == "darwin":
        cred = _from_keychain(ctx)
        if cred:
            return cred
    token = ctx.env.get("CLAUDE_CODE_OAUTH_TOKEN", "").strip()
    return Credentials(token, "$CLAUDE_CODE_OAUTH_TOKEN") if token else None


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when Claude Code signs in again, so a parked auth error is retried then."""
    cred = find_credentials(ctx)
    return fingerprint(cred.token) if cred else ""


def keychain_service(env: Mapping[str, str]) -> str:
    """Claude Code's keychain item name; a non-empty CLAUDE_CONFIG_DIR adds a hash of that path."""
    folder = env.get("CLAUDE_CONFIG_DIR", "")
    if not folder:
        return KEYCHAIN_SERVICE
    digest = hashlib.sha256(unicodedata.normalize("NFC", folder).encode()).hexdigest()
    return f"{KEYCHAIN_SERVICE}-{digest[:8]}"


def _from_keychain(ctx: Ctx[Options]) -> Credentials | None:
    """Read (never write) the keychain item with the `security` tool; no shell, short timeout."""
    folder = ctx.options.config_dir
    service = keychain_service({**ctx.env, "CLAUDE_CONFIG_DIR": folder} if folder else ctx.env)
    done = ctx.run(["security", "find-generic-password", "-s", service, "-w"], KEYCHAIN_TIMEOUT_S)
    if done is None or done.returncode != 0:
        return None
    try:
        data = json.loads(done.stdout)
    except ValueError:
        return None
    return _from_json(data, f"keychain item {service!r}")


def _from_json(data: Any, where: str) -> Credentials | None:
    """Credentials from Claude Code's JSON; an item holding only `mcpOAuth` is "not signed in"."""
    oauth = data.get("claudeAiOauth") if isinstance(data, dict) else None
    if not isinstance(oauth, dict) or not isinstance(oauth.get("accessToken"), str) or not oauth["accessToken"]:
        return None
    expires = number(oauth.get("expiresAt"))
    scopes = oauth.get("scopes")
    return Credentials(
        token=oauth["accessToken"],
        where=where,
        expires_at=expires / 1000 if expires else None,  # epoch milliseconds
        scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else None,
        plan=_plan(oauth),
    )


def _plan(oauth: dict) -> str:
    tier = str(oauth.get("rateLimitTier") or "")
    for multiple in ("20x", "5x"):
        if tier.endswith(f"_max_{multiple}"):
            return f"Max {multiple}"
    kind = oauth.get("subscriptionType")
    return kind.capitalize() if isinstance(kind, str) and kind else ""


def _searched(options: Options, env: Mapping[str, str]) -> str:
    places = [os.path.join(d, ".credentials.json") for d in config_dirs(options, env)]
    if sys.platform == "darwin":
        places.append("the keychain")
    return "looked in " + ", ".join(places) + " and $CLAUDE_CODE_OAUTH_TOKEN"


# --- what `tokseg discover` offers -------------------------------------------------------------


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """Claude Code logins: each config folder's credentials file, else the keychain item, else the env token."""
    home = user_home(env)
    default = os.path.join(home, ".claude")
    found = []
    for root in env_dirs(env, "CLAUDE_CONFIG_DIR") or [default, os.path.join(home, ".config", "claude")]:
        credentials = os.path.join(root, ".credentials.json")
        if os.path.isfile(credentials):
            options = {} if root == default else {"config_dir": root}
            found.append(_login("Claude Code login (5h/weekly windows)", credentials, options))
    if not found and sys.platform == "darwin" and _keychain_has(env, run):
        found.append(_login("Claude Code login in the keychain", keychain_service(env)))
    if not found and env.get("CLAUDE_CODE_OAUTH_TOKEN", "").strip():
        found.append(_login("Claude Code OAuth token", "$CLAUDE_CODE_OAUTH_TOKEN"))
    return found


def _login(title: str, where: str, options: dict[str, str] | None = None) -> Source:
    return Source(title, where, NAME, NAME, options or {}, places=("config_dir",))


def _keychain_has(env: Mapping[str, str], run: Run) -> bool:
    """Whether Claude Code's keychain item exists (without -w only its attributes are read, not the secret)."""
    done = run(["security", "find-generic-password", "-s", keychain_service(env)], KEYCHAIN_TIMEOUT_S)
    return done is not None and done.returncode == 0
