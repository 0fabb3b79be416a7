"""What the readers of Google's Code Assist service (`cloudcode-pa`) share: gemini's login mode, antigravity.

Reverse-engineered (UNCONFIRMED): Google documents none of these
endpoints or fields; the Gemini CLI and Antigravity call them with the
user's Google OAuth token. So every field is read tolerantly (a missing or
odd one is "not reported", never a crash), and a model's figure is shown
only when the answer gives its remaining fraction or plainly says it is
used up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, FetchError
from tokseg.providers._base import Ctx
from tokseg.providers._common import bearer
from tokseg.providers._subscription import as_dict, as_list, iso_time, number
from tokseg.reading import Headline, Reading, Window
from tokseg.safe_text import line as printable

HOST = "https://cloudcode-pa.googleapis.com"
LOAD = "v1internal:loadCodeAssist"
MAX_AHEAD = 31 * 86400  # a reset further ahead than this is not believed
# SEEN in one source: Google stopped serving Gemini CLI OAuth to these account types on 2026-06-18.
WITHDRAWN = ("Google no longer serves Gemini CLI sign-in to this account type (individual, Google AI Pro and Ultra "
             "accounts since 2026-06-18; Workspace and Code Assist Standard/Enterprise still work): its quota now "
             "lives in Antigravity (`tokseg add antigravity`)")
# How a refusal of that kind reads: a reason code in loadCodeAssist's ineligibleTiers, or words of an error.
REFUSAL_MARKS = ("UNSUPPORTED_CLIENT", "IneligibleTier", "no longer supported")


@dataclass(frozen=True)
class Assist:
    """What loadCodeAssist says about a login: its Cloud project, its tier, or why it may not use the service."""

    project: str = ""
    tier: str = ""
    refusal: str = ""


@dataclass(frozen=True)
class Quota:
    """One model's quota: the fraction left (0-1) and when it resets."""

    model: str
    remaining: float
    resets_at: float | None


def post(ctx: Ctx[Any], path: str, token: str, body: dict, base: str) -> Any:
    """One POST to Code Assist with the login's bearer token."""
    headers = {**bearer(token), "Accept": "application/json"}
    return ctx.http.post_json(path, body=body, headers=headers, base=base)


def load_code_assist(ctx: Ctx[Any], token: str, base: str, metadata: dict, project: str = "") -> Assist:
    """The login's project and tier (UNCONFIRMED shape: `cloudaicompanionProject` is a string or an object)."""
    body: dict[str, Any] = {"metadata": metadata}
    if project:
        body["cloudaicompanionProject"] = project
    answer = as_dict(post(ctx, LOAD, token, body, base))
    found = answer.get("cloudaicompanionProject")
    if isinstance(found, dict):
        found = found.get("id") or found.get("projectId")
    current, paid = as_dict(answer.get("currentTier")), as_dict(answer.get("paidTier"))
    tier = next((t for t in (paid.get("name"), paid.get("id"), current.get("name"), current.get("id"))
                 if isinstance(t, str) and t.strip()), "")
    refusal = "" if current or paid else _refusal(as_list(answer.get("ineligibleTiers")))
    return Assist(found.strip() if isinstance(found, str) else "", printable(tier, 60), refusal)


def _refusal(tiers: list) -> str:
    """Why no tier is open to the login: the withdrawal, else Google's own reason (UNCONFIRMED fields)."""
    entries = [as_dict(t) for t in tiers]
    if not entries:
        return ""
    if any(str(e.get("reasonCode", "")).upper() == "UNSUPPORTED_CLIENT" for e in entries):
        return WITHDRAWN
    reasons = [printable(str(e["reasonMessage"]), 120) for e in entries if isinstance(e.get("reasonMessage"), str)]
    return "Google says this account may not use Code Assist: " + ("; ".join(reasons) or "no tier is open to it")


def refused(exc: FetchError) -> bool:
    """Whether a 4xx answer is the withdrawal of Gemini CLI sign-in rather than an expired token."""
    return exc.status is not None and 400 <= exc.status < 500 and any(m in str(exc) for m in REFUSAL_MARKS)


def withdrawn(exc: FetchError) -> AuthError:
    refined = AuthError(f"{WITHDRAWN} ({exc})")
    refined.status = exc.status
    return refined


def quota(model: str, info: Any, now: float) -> Quota | None:
    """A model's quota from `remainingFraction` and `resetTime`; None when it says neither.

    UNCONFIRMED: protobuf's JSON leaves out a field at zero, so a quota that has a readable reset time but
    no fraction is read as used up (0 left), as the tools reading this answer do.
    """
    info = as_dict(info)
    at = iso_time(info.get("resetTime"))
    resets_at = at if at is not None and 0 < at - now <= MAX_AHEAD else None
    left = number(info.get("remainingFraction"))
    if left is None and "remainingFraction" not in info and at is not None:
        left = 0.0
    if left is None or not 0.0 <= left <= 1.0:
        return None
    return Quota(model, left, resets_at)


def reading(quotas: list[Quota], family: Callable[[str], str | None], order: tuple[str, ...],
            notes: tuple[str, ...] = ()) -> Reading:
    """One window per model family: the family's lowest fraction left, so the fullest pool shows."""
    groups: dict[str, list[Quota]] = {}
    for item in quotas:
        name = family(item.model)
        if name:
            groups.setdefault(name, []).append(item)
    windows, described = [], []
    for name in order:
        if name in groups:
            low = min(groups[name], key=lambda q: q.remaining)
            windows.append(Window(name, (1.0 - low.remaining) * 100.0, low.resets_at))
            described.append(f"{name}: {printable(low.model, 60)} is the lowest of {len(groups[name])} "
                             f"model{'s' if len(groups[name]) != 1 else ''}")
    if not windows:
        return Reading(notes=(*notes, "the answer reports no model quota tokseg can show"))
    fullest = max(windows, key=lambda w: w.used_pct)
    return Reading(headline=Headline("window", fullest.name), windows=tuple(windows), notes=(*notes, *described))
