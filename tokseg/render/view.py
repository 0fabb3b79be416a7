"""Snapshot → the view every renderer draws: per-account headline, state, totals; and the template fields.

Hot path: plain dicts from `json.load`, stdlib only (their shapes are in
`tokseg/schema.py`, for the type checker). Figures stay numbers here;
`numbers.py` makes the short text a bar shows.
"""

from __future__ import annotations

import os

from tokseg import defaults
from tokseg.render import palette
from tokseg.render.numbers import (
    burn_text,
    clock,
    duration,
    forecast_text,
    gauge,
    money,
    pace_text,
    percent,
    totals_text,
    window_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tokseg.schema import (
        AccountEntry,
        AccountState,
        BudgetState,
        ErrorDict,
        Freshness,
        MoneyDict,
        ProjectUsageDict,
        ReadingDict,
        Snapshot,
        Thresholds,
        Totals,
        View,
        ViewItem,
        WindowDict,
    )

# A note ending so says the reading holds requests without a price; a spend headline then ends in UNPRICED_MARK.
UNPRICED_NOTE = "(not priced)"
UNPRICED_MARK = "*"
OWED_MARK = " owed"
PERIOD_SUFFIX = {"today": "/d", "week": "/wk", "month": "/mo", "block": "/5h", "session": "/sess"}
NEEDS_ACTION = ("auth", "config", "bad_response")
# Worst first: the segment's overall state is the first one any account has.
SEVERITY = ("error", "crit", "warn", "stale", "pending", "ok")


def headline(reading: ReadingDict | None, now: float) -> tuple[str, float | None]:
    """The text and number of the account's default figure."""
    if not reading:
        return "", None
    head = reading.get("headline") or {}
    kind, key = head.get("kind"), head.get("key", "")
    if kind == "balance" and reading.get("balance"):
        first = reading["balance"][0]
        return balances_text(reading["balance"]), first["amount"]
    left = reading.get("limit_remaining")
    if kind == "limit_remaining" and left:
        return f"{money(left['amount'], left['currency'])} left", left["amount"]
    if kind == "spent" and key in (reading.get("spent") or {}):
        spent = reading["spent"][key]
        mark = UNPRICED_MARK if partly_unpriced(reading) else ""
        return money(spent["amount"], spent["currency"]) + mark + PERIOD_SUFFIX.get(key, ""), spent["amount"]
    if kind == "window":
        for window in reading.get("windows") or ():
            if window["name"] == key:
                return window_text(window, now), window["used_pct"]
    if kind == "rate_limit":
        for limit in reading.get("rate_limits") or ():
            if limit["name"] == key:
                return f"{key} {limit['remaining']:g}/{limit['limit']:g}", limit["remaining"]
    return "–", None


def balances_text(balances: list[MoneyDict]) -> str:
    """Every balance, a negative one (money owed to the provider) said so: `-$3.00 owed`."""
    texts = [money(m["amount"], m["currency"]) for m in balances]
    return " ".join(text + OWED_MARK if text.startswith("-") else text for text in texts)


def notes(reading: ReadingDict | None) -> list[str]:
    """The reading's notes, the strings only (a snapshot from an older or broken writer may hold anything)."""
    found = reading.get("notes") if reading else None
    return [note for note in found if isinstance(note, str)] if isinstance(found, list) else []


def partly_unpriced(reading: ReadingDict | None) -> bool:
    """The reading's notes say some requests were not priced, so its spend is a lower bound."""
    return any(note.endswith(UNPRICED_NOTE) for note in notes(reading))


def build(snap: Snapshot | None, now: float, only: list[str] | None = None) -> View:
    """The view of `snap` at `now`; `only` restricts (and orders) the accounts shown."""
    if snap is None:
        return {"missing": True, "now": now, "accounts": [], "totals": {}, "config_error": None, "due": True,
                "settings": {}}
    settings = snap.get("settings") or {}
    conf = snap.get("config") or {}
    stale_factor = float(settings.get("stale_factor") or defaults.STALE_FACTOR)
    thresholds = settings.get("thresholds") or {}
    names = only if only is not None else (conf.get("accounts") or list(snap["accounts"]))
    accounts: list[ViewItem] = []
    due = False
    for name in names:
        entry = snap["accounts"].get(name)
        if entry is None:
            accounts.append(_unknown(name))
            continue
        item, item_due = _account(name, entry, now, stale_factor, thresholds.get(name) or defaults.THRESHOLDS)
        due = due or item_due
        accounts.append(item)
    return {
        "missing": False,
        "now": now,
        "accounts": accounts,
        "totals": _totals(accounts),
        "config_error": conf.get("error"),
        "due": due,
        "settings": settings,
        "budget": snap.get("budget"),
    }


def _account(name: str, entry: AccountEntry, now: float, stale_factor: float,
             thresholds: Thresholds) -> tuple[ViewItem, bool]:
    """The account's view item, and whether its next refresh is due."""
    reading = entry.get("reading")
    fetched_at = entry.get("fetched_at")
    interval = interval_of(entry.get("interval"))
    error = entry.get("error")
    next_due = entry.get("next_due")
    clock_went_back = fetched_at is not None and not defaults.believable_time(fetched_at, now)
    if clock_went_back:
        fetched_at = None  # in the future (a clock set back, a restored backup): the age is unknown
    stale = bool(reading) and (error is not None or fetched_at is None or now - fetched_at > interval * stale_factor)
    text, value = headline(reading, now)
    status: Freshness = "error" if error and not reading else ("stale" if stale else ("ok" if reading else "pending"))
    used = used_pct(reading)
    budget_state = entry.get("budget_state") or "ok"
    item: ViewItem = {
        "name": name,
        "provider": entry.get("provider"),
        "label": entry.get("label") or name,
        "status": status,
        "state": account_state(status, reading, used, thresholds, budget_state),
        "stale": stale,
        "error": error,
        "fetched_at": fetched_at,
        "age_s": None if fetched_at is None else max(0.0, now - fetched_at),
        "headline": text,
        "value": value,
        "reading": reading,
        "used_pct": used,
        "forecast": entry.get("forecast"),
        "budget_state": budget_state,
        "budget": entry.get("budget") or [],
        "trend": entry.get("trend") or "",
    }
    if next_due is None:
        due = entry.get("status") != "parked"
    else:
        due = not defaults.legal_due(next_due, now, interval) or next_due <= now
    return item, due or clock_went_back


def interval_of(value: object) -> float:
    """The account's interval from the snapshot, or the default one if it is not a positive finite number."""
    if isinstance(value, (int, float)) and 0 < value < float("inf"):
        return float(value)
    return defaults.INTERVAL_S


def _unknown(name: str) -> ViewItem:
    error: ErrorDict = {"kind": "config", "message": f"no account named {name!r}; see `tokseg list`", "at": None}
    return {"name": name, "provider": None, "label": name, "status": "error", "state": "error", "stale": False,
            "error": error, "fetched_at": None, "age_s": None, "headline": "", "value": None, "reading": None,
            "used_pct": None, "forecast": None, "budget_state": "ok", "budget": [], "trend": ""}


def used_pct(reading: ReadingDict | None) -> float | None:
    """The fullest of the account's windows, spending limit and rate limits, in percent used."""
    if not reading:
        return None
    found = [w["used_pct"] for w in reading.get("windows") or ()]
    cap, left = reading.get("limit"), reading.get("limit_remaining")
    if cap and left and cap["amount"] > 0:
        found.append(100.0 * (1 - left["amount"] / cap["amount"]))
    for bucket in reading.get("rate_limits") or ():
        if bucket["limit"]:
            found.append(100.0 * (1 - bucket["remaining"] / bucket["limit"]))
    return max(found) if found else None


def window_pace(window: WindowDict, now: float) -> float | None:
    """Percentage points ahead of (+, a reserve) or behind (-, a deficit) an even pace to the window's reset.

    With length L, reset R and now t: elapsed share e = 1 - (R - t) / L, clamped to [0, 1]; even-pace use
    is 100·e %; pace = 100·e - used %. None when the length or the reset is unknown, or the length is not
    positive: a pace is never guessed (docs/subscriptions.md, "Pace").
    """
    length, resets_at = window.get("length_s"), window.get("resets_at")
    if length is None or length <= 0 or not resets_at:
        return None
    elapsed = min(1.0, max(0.0, 1.0 - (resets_at - now) / length))
    return round(100.0 * elapsed - window["used_pct"], 1) + 0.0  # + 0.0: never -0.0


def current_project(reading: ReadingDict | None, places: tuple[str, ...], period: str) -> ProjectUsageDict | None:
    """The project of `period` whose folder holds the first of `places` that one does (the deepest one, for a
    repo inside a repo); `places` comes from `here`."""
    if not reading or not reading.get("projects"):
        return None
    for place in places:
        found = _deepest(reading, place, period)
        if found is not None:
            return found
    return None


def here(view: View) -> tuple[str, ...]:
    """The folders `{NAME.project}` is looked up by: the caller's, then the real folder it leads to (agents log
    the real one; a shell's $PWD may go through a symlink). None looked at when no account has projects."""
    cwd = view.get("cwd")
    if not cwd or not any(item["reading"] and item["reading"].get("projects") for item in view["accounts"]):
        return ()
    real = os.path.realpath(cwd)
    return (cwd,) if real == cwd else (cwd, real)


def _deepest(reading: ReadingDict, cwd: str, period: str) -> ProjectUsageDict | None:
    best: ProjectUsageDict | None = None
    for project in reading.get("projects") or ():
        root = project.get("root") or ""
        if project.get("period") != period or not root or not within(cwd, root):
            continue
        if best is None or len(root) > len(best["root"]):
            best = project
    return best


def within(path: str, root: str) -> bool:
    """`path` is `root` or a folder under it (by path parts: /src/shop is not under /src/sh)."""
    return path == root or path.startswith(root if root.endswith("/") else root + "/")


def amount_left(reading: ReadingDict | None) -> float | None:
    """What the `*_below` thresholds compare: the first balance, else the spending limit left."""
    if not reading:
        return None
    if reading.get("balance"):
        return reading["balance"][0]["amount"]
    left = reading.get("limit_remaining")
    return left["amount"] if left else None


def account_state(status: Freshness, reading: ReadingDict | None, used: float | None, thresholds: Thresholds,
                  budget_state: BudgetState = "ok") -> AccountState:
    """ok, warn, crit, stale, error or pending: a threshold or budget crossed outranks staleness."""
    if status in ("error", "pending"):
        return status
    left = amount_left(reading)
    levels: list[str] = [budget_state] if budget_state in ("crit", "warn") else []
    for level, below, pct in (("crit", thresholds.get("crit_below"), thresholds.get("crit_pct")),
                              ("warn", thresholds.get("warn_below"), thresholds.get("warn_pct"))):
        if (below is not None and left is not None and left < below) or (
                pct is not None and used is not None and used >= pct):
            levels.append(level)
    if levels:
        return "crit" if "crit" in levels else "warn"
    return "stale" if status == "stale" else "ok"


def worst(states: list[str]) -> str:
    for state in SEVERITY:
        if state in states:
            return state
    return "ok"


def _totals(accounts: list[ViewItem]) -> Totals:
    """Sums per currency: CNY is never added to USD."""
    totals: Totals = {"balance": {}, "spent_today": {}, "spent_month": {}}
    for item in accounts:
        reading = item["reading"]
        if not reading:
            continue
        for m in reading.get("balance") or ():
            _add(totals["balance"], m)
        spent = reading.get("spent") or {}
        if spent.get("today"):
            _add(totals["spent_today"], spent["today"])
        if spent.get("month"):
            _add(totals["spent_month"], spent["month"])
    return totals


def _add(into: dict[str, float], m: MoneyDict) -> None:
    into[m["currency"]] = round(into.get(m["currency"], 0.0) + m["amount"], 6)


def error_kind(item: ViewItem) -> str:
    """The class of the account's last error (`auth`, `network`, …), or "" when it has none."""
    error = item["error"]
    return (error.get("kind") if error else None) or ""


def segment(item: ViewItem) -> str:
    """One account's default piece: label, headline, `~` when stale, `!kind` when it needs action."""
    kind = error_kind(item)
    if not item["reading"]:
        body = f"!{kind}" if kind else "…"
        return f"{item['label']} {body}"
    text = f"{item['label']} {item['headline']}"
    if item["stale"]:
        text += "~"
    if kind in NEEDS_ACTION:
        text += f" !{kind}"
    return text


def fields(view: View) -> dict[str, Any]:
    """Every name a template may use, flattened: `work.balance`, `claude.5h.pct`, `total.spent_today`.

    The names are what users write in templates: add new ones, never rename one (README, "Templates").
    """
    now = view.get("now") or 0.0
    out: dict[str, Any] = {}
    spent_here: dict[str, float] = {}  # today's spend in the current folder's project, per currency
    places = here(view)
    by_remote = (view.get("settings") or {}).get("project_names") == "remote"
    pieces: list[tuple[str, str | None]] = []
    separator = (view.get("settings") or {}).get("separator") or defaults.SEPARATOR
    for item in view["accounts"]:
        if pieces:
            pieces.append((separator, None))
        pieces.append((segment(item), item["name"]))
        _account_fields(out, item, now)
        if item["reading"]:
            _reading_fields(out, item["name"], item["reading"], now)
            _project_fields(out, item["name"], item["reading"], places, spent_here, by_remote)
    out["all"] = pieces
    totals = view["totals"]
    for key, sums in (("balance", totals.get("balance")), ("spent_today", totals.get("spent_today")),
                      ("spent_month", totals.get("spent_month"))):
        if sums is not None:
            out[f"total.{key}"] = totals_text(sums)
    total_budget = view.get("budget")
    out["total.budget"] = total_budget["state"] if total_budget else "ok"
    out["total.project"] = totals_text(spent_here)
    return out


def _account_fields(out: dict[str, Any], item: ViewItem, now: float) -> None:
    """`NAME`, `NAME.state`, `NAME.age`, `NAME.burn`, … : what every account has, figures or not."""
    name = item["name"]
    out[name] = segment(item)
    out[f"{name}.state"] = item["state"]
    out[f"{name}.icon"] = palette.ICONS.get(item["state"], "")
    if item["used_pct"] is not None:
        out[f"{name}.used_pct"] = round(item["used_pct"], 1)
        out[f"{name}.gauge"] = gauge(item["used_pct"])
    out[f"{name}.label"] = item["label"]
    out[f"{name}.headline"] = item["headline"]
    out[f"{name}.value"] = item["value"]
    out[f"{name}.status"] = item["status"]
    out[f"{name}.error"] = error_kind(item)
    out[f"{name}.age"] = duration(item["age_s"]) if item["age_s"] is not None else ""
    forecast = item["forecast"]
    runs_out_at = forecast.get("runs_out_at") if forecast else None
    out[f"{name}.burn"] = burn_text(forecast) if forecast else ""
    out[f"{name}.burn.value"] = forecast["burn_per_hour"] if forecast else None
    out[f"{name}.runs_out"] = duration(runs_out_at - now) if runs_out_at else ""
    out[f"{name}.runs_out_at"] = clock(runs_out_at, now) if runs_out_at else ""
    out[f"{name}.forecast"] = forecast_text(forecast, now)
    out[f"{name}.budget"] = item["budget_state"]
    out[f"{name}.trend"] = item["trend"]


def _project_fields(out: dict[str, Any], name: str, reading: ReadingDict, places: tuple[str, ...],
                    spent_here: dict[str, float], by_remote: bool = False) -> None:
    """`NAME.project`, `.project.name`, `.project.month`: what the current folder's project cost (local logs).

    Empty where no project of the account holds the folder; $0.00 today for a project used this month only.
    """
    month, today = current_project(reading, places, "month"), current_project(reading, places, "today")
    found = today or month
    named = ""
    if found:  # [settings] project_names = "remote" names it by its origin, where it has one
        named = (found.get("remote") if by_remote else "") or found["project"]
    out[f"{name}.project.name"] = named
    currency = "USD"
    for priced in (today, month):
        if priced and priced["spent"]:
            currency = priced["spent"]["currency"]
            break
    spent_today = today["spent"] if today else ({"amount": 0.0, "currency": currency} if month else None)
    for key, spent in (("project", spent_today), ("project.month", month["spent"] if month else None)):
        out[f"{name}.{key}"] = money(spent["amount"], spent["currency"]) if spent else ""
        out[f"{name}.{key}.value"] = spent["amount"] if spent else None
    if spent_today:
        spent_here[spent_today["currency"]] = spent_here.get(spent_today["currency"], 0.0) + spent_today["amount"]


def _reading_fields(out: dict[str, Any], name: str, reading: ReadingDict, now: float) -> None:
    """`NAME.balance`, `NAME.spent.PERIOD`, `NAME.WINDOW.pct`, `NAME.WINDOW.pace`, … : one field (and its `.value`)
    per figure reported."""
    if reading.get("balance"):
        out[f"{name}.balance"] = balances_text(reading["balance"])
        out[f"{name}.balance.value"] = reading["balance"][0]["amount"]
    for key, cap in (("limit", reading.get("limit")), ("limit_remaining", reading.get("limit_remaining"))):
        if cap:
            out[f"{name}.{key}"] = money(cap["amount"], cap["currency"])
            out[f"{name}.{key}.value"] = cap["amount"]
    for period, m in (reading.get("spent") or {}).items():
        out[f"{name}.spent.{period}"] = money(m["amount"], m["currency"])
        out[f"{name}.spent.{period}.value"] = m["amount"]
    for period, t in (reading.get("tokens") or {}).items():
        out[f"{name}.tokens.{period}"] = t["total"]
    context = reading.get("context_pct")
    if context is not None:
        out[f"{name}.context"] = percent(context)
        out[f"{name}.context.value"] = context
    for window in reading.get("windows") or ():
        base = f"{name}.{window['name']}"
        out[base] = window_text(window, now)
        out[f"{base}.pct"] = window["used_pct"]
        out[f"{base}.gauge"] = gauge(window["used_pct"])
        resets_at = window.get("resets_at")
        out[f"{base}.reset"] = duration(resets_at - now) if resets_at else ""
        pace = window_pace(window, now)
        out[f"{base}.pace"] = pace_text(pace) if pace is not None else ""
        out[f"{base}.pace.value"] = pace
