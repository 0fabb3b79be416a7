"""Amp: the Amp Free quota (used, left, hourly replenishment) and the individual and workspace credits.

Options:
    base_url: API root (default "https://ampcode.com")
    workspace: the workspace whose credits are the balance, by its name as Amp shows it; empty:
        your individual credits, and each workspace's credits as a note (default "")
Reports:
    balance (USD): your individual credits, or the `workspace` named; the Amp Free quota as the
    window `free` (used %; its "reset" is when the hourly replenishment fills it again, assuming
    no more use) and, for a dollar quota, as limit and limit left (USD), the hourly replenishment
    in a note. Headline: the balance, else the `free` window. Amp answers with display text, not
    fields: a line tokseg does not know is skipped, and an answer with no known line is a note, never 0.
Needs:
    an Amp access token (https://ampcode.com/settings). Reading costs nothing.
Errors:
    401/403 or error code auth-required: auth; 429 rate_limited; 5xx server; another error code
    (`ok: false`): bad_response with Amp's code
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, SecretSpec
from tokseg.providers._common import auth_hint, bearer, no_leak, require_secret
from tokseg.providers._subscription import as_dict, finite
from tokseg.reading import Headline, Money, Reading, Window
from tokseg.safe_text import line as printable

NAME, TITLE = "amp", "Amp (free quota and credits)"
SETTINGS = "https://ampcode.com/settings"
SECRET = SecretSpec(env="AMP_API_KEY", hint=f"create an access token at {SETTINGS}")
KEY_HINT = f"Amp refused the access token: create a new one at {SETTINGS}"

# Reverse-engineered (UNCONFIRMED): Amp documents neither this call nor the display text it returns.
PATH = "/api/internal?userDisplayBalanceInfo"
BODY = {"method": "userDisplayBalanceInfo", "params": {}}
AUTH_CODES = frozenset({"auth-required"})
AMOUNT = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
# "Amp Free: $7.50 / $10.00 remaining (replenishes +$0.50 / hour)", the spaces around "/" optional.
FREE = re.compile(rf"^\s*Amp Free:\s*\$?{AMOUNT}\s*/\s*\$?{AMOUNT}\s+remaining"
                  rf"(?:\s*\(replenishes\s*\+\s*\$?{AMOUNT}\s*/\s*hour\b)?", re.I | re.M)
FREE_PCT = re.compile(rf"^\s*Amp Free:\s*{AMOUNT}\s*%\s+remaining", re.I | re.M)  # "Amp Free: 80% remaining today"
CREDITS = re.compile(rf"^\s*Individual credits:\s*(-?)\s*\$?{AMOUNT}\s+remaining", re.I | re.M)
WORKSPACE = re.compile(rf"^\s*Workspace\s+([^\r\n:]+?):\s*(-?)\s*\$?{AMOUNT}\s+remaining", re.I | re.M)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_AHEAD = 31 * 86400  # a time to refill further ahead than this is not believed
MAX_TEXT = 20_000
MAX_NAME = 60
UNREAD = "Amp's answer has no balance text tokseg can read (its format may have changed); nothing is shown"


@dataclass(frozen=True)
class Options:
    base_url: str = "https://ampcode.com"
    workspace: str = ""


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    headers = {**bearer(secret), "Accept": "application/json"}
    with no_leak(secret):
        try:
            body = ctx.http.post_json(PATH, body=BODY, headers=headers)
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        text = display_text(body)
        return parse(text, ctx.now(), ctx.options.workspace) if text is not None else Reading(notes=(UNREAD,))


def display_text(body: Any) -> str | None:
    """`result.displayText` (UNCONFIRMED); an `ok: false` answer raises its class, any other shape is None."""
    if not isinstance(body, dict):
        return None
    if body.get("ok") is False:
        code = as_dict(body.get("error")).get("code")
        shown = printable(code, 60) if isinstance(code, str) and code.strip() else "no code"
        if code in AUTH_CODES:
            raise AuthError(f"{KEY_HINT} (Amp answered {shown})")
        raise BadResponse(f"amp userDisplayBalanceInfo: Amp answered ok: false ({shown})")
    text = as_dict(body.get("result")).get("displayText")
    return text[:MAX_TEXT] if isinstance(text, str) else None


def amount(digits: str, sign: str = "") -> float | None:
    """Dollars from "1,234.50" (and a "-" sign); None if it is not a finite number."""
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None
    return finite(-value if sign else value)


def parse(raw: str, now: float, workspace: str = "") -> Reading:
    """The figures of Amp's display text; lines it does not know are skipped, never guessed at."""
    text = ANSI.sub("", raw).replace("**", "")
    notes: list[str] = []
    limit, left, window = free_quota(text, now, notes)
    balance = pick_balance(text, workspace, notes)
    if balance is None and window is None:
        notes.append("Amp reported no figure tokseg can read")
    headline = Headline("balance") if balance else Headline("window", "free") if window else Headline("none")
    return Reading(headline=headline, balance=() if balance is None else (balance,), limit=limit,
                   limit_remaining=left, windows=() if window is None else (window,), notes=tuple(notes))


def free_quota(text: str, now: float, notes: list[str]) -> tuple[Money | None, Money | None, Window | None]:
    """The Amp Free quota: (limit, left, window), from the dollar line or else the percent line."""
    match = FREE.search(text)
    if match:
        return dollar_quota(match, now, notes)
    match = FREE_PCT.search(text)
    left_pct = amount(match.group(1)) if match else None
    if left_pct is None:
        return None, None, None
    if not 0 <= left_pct <= 100:
        notes.append("Amp Free not reported: its percent left is out of range")
        return None, None, None
    return None, None, Window("free", 100.0 - left_pct)  # UNCONFIRMED: resets daily, at a time Amp does not say


def dollar_quota(match: re.Match, now: float, notes: list[str]) -> tuple[Money | None, Money | None, Window | None]:
    """`$left / $quota remaining (replenishes +$rate / hour)`: limit, left and the `free` window."""
    left, quota = amount(match.group(1)), amount(match.group(2))
    if left is None or quota is None or quota <= 0 or not 0 <= left <= quota:
        notes.append("Amp Free not reported: its quota and amount left do not add up")
        return None, None, None
    rate = amount(match.group(3)) if match.group(3) else None
    refill = None
    if rate and rate > 0:
        notes.append(f"Amp Free replenishes ${rate:.2f}/hour")
        refill = now + (quota - left) / rate * 3600.0 if left < quota else None
    resets_at = refill if refill is not None and refill - now <= MAX_AHEAD else None
    window = Window("free", (quota - left) / quota * 100.0, resets_at)
    return Money(quota, "USD"), Money(left, "USD"), window


def pick_balance(text: str, workspace: str, notes: list[str]) -> Money | None:
    """Individual credits, or the `workspace` named; the other workspaces' credits become notes."""
    wanted = workspace.strip().casefold()
    chosen: Money | None = None
    names = []
    for match in WORKSPACE.finditer(text):
        name, value = match.group(1).strip(), amount(match.group(3), match.group(2))
        names.append(printable(name, MAX_NAME))
        if value is None:
            continue
        if wanted and name.casefold() == wanted and chosen is None:
            chosen = Money(value, "USD")
        else:
            notes.append(f"workspace {printable(name, MAX_NAME)}: ${value:,.2f} of credits left")
    if wanted:
        if chosen is None:
            notes.append(f"balance not reported: Amp lists no workspace {printable(workspace.strip(), MAX_NAME)!r} "
                         f"(it lists: {', '.join(names) or 'none'})")
        return chosen
    credits = CREDITS.search(text)
    value = amount(credits.group(2), credits.group(1)) if credits else None
    return Money(value, "USD") if value is not None else None
