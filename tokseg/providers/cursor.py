"""Cursor: the plan's included usage this billing cycle and the on-demand spend, from Cursor's own login.

Options:
    base_url: the web root Cursor's dashboard API lives under (default "https://cursor.com")
    state_db: Cursor's state database (state.vscdb) to read the login from; empty means Cursor's
        own place on this system (default "")
Reports:
    window "plan": used % of the plan's included usage, reset at the end of the billing cycle, with
    the cycle's length; "auto" and "api", the shares Cursor reports for its own (Auto) models and
    for other vendors' models, when the answer has them; on-demand spend this billing cycle as
    spent.month, with its cap and what is left of it; notes: the plan's used and included amount in
    USD, the membership and the cycle's dates. Headline: the plan window.
Needs:
    a Cursor login (open Cursor and sign in). Its access token is read from Cursor's state database,
    opened read-only: never written, never locked for longer than a read, never refreshed. The
    default database is ~/.config/Cursor/User/globalStorage/state.vscdb on Linux ($XDG_CONFIG_HOME
    when set), ~/Library/Application Support/Cursor/User/globalStorage/state.vscdb on macOS and
    %APPDATA%\\Cursor\\User\\globalStorage\\state.vscdb on Windows.
Errors:
    auth when there is no login, when the token expired (open Cursor to sign in again) or when
    cursor.com refuses it (401/403); rate_limited on 429; server on 5xx; bad_response when the
    database cannot be read (locked longer than a moment, not a database) or the answer has none of
    the fields below
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tokseg.errors import AuthError, BadResponse
from tokseg.providers import _vscdb
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._common import no_leak, rfc3339
from tokseg.providers._subscription import as_dict, epoch_seconds, fingerprint, iso_time, number, refine
from tokseg.reading import Headline, Money, Reading, Window
from tokseg.safe_text import line as printable

NAME, TITLE = "cursor", "Cursor (plan usage this billing cycle)"
SECRET = None  # the token belongs to Cursor; see read_token

# Reverse-engineered (UNCONFIRMED): neither the endpoint, the cookie nor any field below is documented by Cursor.
PATH = "/api/usage-summary"
COOKIE = "WorkosCursorSessionToken"
TOKEN_KEY = "cursorAuth/accessToken"  # UNCONFIRMED: the ItemTable key Cursor keeps its access token under
MAX_CYCLE_S = 400 * 86400.0  # a billing cycle (or a reset) further than this is not believed
SIGN_IN = "open Cursor and sign in again (tokseg never refreshes Cursor's token)"
# (window name, plan field): UNCONFIRMED which share each percent is; this order is the reverse-engineered one.
SHARES = (("plan", "totalPercentUsed"), ("auto", "autoPercentUsed"), ("api", "apiPercentUsed"))
KNOWN = ("individualUsage", "billingCycleStart", "billingCycleEnd", "membershipType")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://cursor.com"
    state_db: str = ""


@dataclass(frozen=True)
class Login:
    """The part of Cursor's login tokseg uses."""

    token: str
    user_id: str
    expires_at: float | None


def fetch(ctx: Ctx[Options]) -> Reading:
    path = db_path(ctx.options, ctx.env)
    token = read_token(path)
    if token is None:
        raise AuthError(f"no Cursor login in {path}; open Cursor and sign in")
    with no_leak(token):
        login = parse_token(token, path)
        if login.expires_at is not None and login.expires_at <= ctx.now():
            raise AuthError(f"Cursor's login in {path} expired: {SIGN_IN}")
        cookie = f"{COOKIE}={quote(login.user_id, safe='')}%3A%3A{quote(login.token, safe='')}"
        try:
            body = ctx.http.get_json(PATH, headers={"Cookie": cookie, "Accept": "application/json"})
        except AuthError as exc:
            raise refine(exc, f"cursor.com refused Cursor's login (HTTP {exc.status}): {SIGN_IN}") from exc
        return parse(body, ctx.now())


def credential_stamp(ctx: Ctx[Options]) -> str:
    """Changes when Cursor signs in again, so a parked auth error is retried then."""
    try:
        token = read_token(db_path(ctx.options, ctx.env))
    except BadResponse:
        return ""
    return fingerprint(token) if token else ""


# --- Cursor's login, read-only ------------------------------------------------------------------


def db_path(options: Options, env: Mapping[str, str]) -> str:
    """The state_db option, else where Cursor keeps its state on this system."""
    if options.state_db:
        return os.path.expanduser(options.state_db)
    return default_db(env)


def default_db(env: Mapping[str, str]) -> str:
    """Cursor's global state database: the Electron user-data folder of each system (Linux's is UNCONFIRMED)."""
    return _vscdb.default_db(env, "Cursor")


def read_token(path: str) -> str | None:
    """The access token from `path`, opened read-only; None when there is no database or no login in it."""
    return _text(_vscdb.read_item(path, TOKEN_KEY, "Cursor's login"))


def _text(value: str | None) -> str | None:
    """The stored token, maybe written as a JSON string (UNCONFIRMED which)."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith('"'):
        try:
            text = json.loads(text)
        except ValueError:
            return None
    return text.strip() if isinstance(text, str) and text.strip() else None


def parse_token(token: str, path: str) -> Login:
    """The user id (after the last `|` of the JWT's `sub`, UNCONFIRMED) and expiry (`exp`) of Cursor's token."""
    claims = _claims(token)
    subject = claims.get("sub")
    user_id = subject.rsplit("|", 1)[-1].strip() if isinstance(subject, str) else ""
    if not user_id:
        raise AuthError(f"the Cursor login in {path} has no user id tokseg can read; {SIGN_IN}")
    return Login(token, user_id, epoch_seconds(claims.get("exp")))


def _claims(token: str) -> dict:
    """The JWT's payload (read, not verified: cursor.com checks it); {} when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        return as_dict(json.loads(payload))
    except (binascii.Error, ValueError):
        return {}


# --- the usage summary --------------------------------------------------------------------------


def parse(body: Any, now: float) -> Reading:
    """The Reading for one usage-summary answer; every field is UNCONFIRMED and read tolerantly."""
    if not isinstance(body, dict) or not any(key in body for key in KNOWN):
        raise BadResponse(f"cursor usage-summary: the answer has none of {', '.join(KNOWN)}")
    usage = as_dict(body.get("individualUsage"))
    plan, on_demand = as_dict(usage.get("plan")), as_dict(usage.get("onDemand"))
    start, end = _time(body.get("billingCycleStart")), _time(body.get("billingCycleEnd"))
    resets_at = end if end is not None and 0 < end - now <= MAX_CYCLE_S else None
    length = end - start if start is not None and end is not None and 0 < end - start <= MAX_CYCLE_S else None
    windows = _windows(plan, resets_at, length)
    spent, cap, left = _on_demand(on_demand)
    notes = _notes(body, plan, start, end)
    if windows:
        headline = Headline("window", windows[0].name)
    else:
        headline = Headline("spent", "month") if spent else Headline("none")
    return Reading(headline=headline, windows=windows, spent={"month": spent} if spent else {},
                   limit=cap, limit_remaining=left, notes=notes)


def _time(value: Any) -> float | None:
    """ISO 8601 (seen) or epoch seconds/ms (as Cursor's other APIs send): UNCONFIRMED which."""
    return iso_time(value) if isinstance(value, str) and not _numeric(value) else epoch_seconds(value)


def _numeric(text: str) -> bool:
    return number(text) is not None


def _windows(plan: dict, resets_at: float | None, length: float | None) -> tuple[Window, ...]:
    """plan / auto / api percentages; the plan's from its cents when no percent is given."""
    if plan.get("enabled") is False:
        return ()
    found = []
    for name, field in SHARES:
        used = _percent(plan.get(field))
        if used is None and name == "plan":
            used = _ratio(number(plan.get("used")), number(plan.get("limit")))
        if used is not None:
            found.append(Window(name, used, resets_at, length))
    return tuple(found)


def _percent(value: Any) -> float | None:
    """A 0-100 percent (UNCONFIRMED: the scale is read as a percent); a negative one is not believed."""
    used = number(value)
    return used if used is not None and 0 <= used <= 1000 else None


def _ratio(used: float | None, limit: float | None) -> float | None:
    if used is None or limit is None or used < 0 or limit <= 0:
        return None
    return used / limit * 100.0


def _cents(value: Any) -> Money | None:
    """USD from cents (UNCONFIRMED: every tool reading this answer divides by 100); odd or negative: None."""
    amount = number(value)
    return Money(amount / 100.0) if amount is not None and 0 <= amount <= 1e12 else None


def _on_demand(on_demand: dict) -> tuple[Money | None, Money | None, Money | None]:
    """On-demand spend, its cap (null = none) and what is left, when on-demand is on."""
    if on_demand.get("enabled") is False:
        return None, None, None
    spent, cap = _cents(on_demand.get("used")), _cents(on_demand.get("limit"))
    left = _cents(on_demand.get("remaining"))
    if left is None and spent is not None and cap is not None:
        left = Money(max(0.0, cap.amount - spent.amount))
    return spent, cap, (left if cap is not None else None)


def _notes(body: dict, plan: dict, start: float | None, end: float | None) -> tuple[str, ...]:
    notes = []
    used, included = _cents(plan.get("used")), _cents(plan.get("limit"))
    if used is not None and included is not None and included.amount > 0 and plan.get("enabled") is not False:
        notes.append(f"plan: ${used.amount:.2f} of ${included.amount:.2f} included used")
    membership = body.get("membershipType")
    if isinstance(membership, str) and membership.strip():
        notes.append(f"membership: {printable(membership, 40)}")
    if body.get("isUnlimited") is True:
        notes.append("unlimited plan")
    if start is not None and end is not None and start < end:
        notes.append(f"billing cycle {rfc3339(start)[:10]} to {rfc3339(end)[:10]}")
    return tuple(notes)


# --- what `tokseg discover` offers -----------------------------------------------------------------


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """Cursor's state database, when it holds a login (read-only, the token itself is not kept)."""
    path = default_db(env)
    try:
        token = read_token(path)
    except BadResponse:
        return []
    if not token:
        return []
    return [Source("Cursor login (plan usage this billing cycle)", path, NAME, NAME, places=("state_db",))]
