"""Snapshot dicts → the view every renderer draws: per-account headline, state, totals.

Hot path: plain dicts from `json.load`, stdlib only. Figures stay numbers
here; `numbers.py` makes the short text a bar shows.
"""

from __future__ import annotations

from tokseg import defaults
from tokseg.render import palette
from tokseg.render.numbers import (
    burn_text,
    clock,
    duration,
    forecast_text,
    gauge,
    money,
    totals_text,
    window_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PERIOD_SUFFIX = {"today": "/d", "week": "/wk", "month": "/mo", "block": "/5h", "session": "/sess"}
NEEDS_ACTION = ("auth", "config", "bad_response")
# Worst first: the segment's overall state is the first one any account has.
SEVERITY = ("error", "crit", "warn", "stale", "pending", "ok")


def headline(reading: dict | None, now: float) -> tuple[str, float | None]:
    """The text and number of the account's default figure."""
    if not reading:
        return "", None
    head = reading.get("headline") or {}
    kind, key = head.get("kind"), head.get("key", "")
    if kind == "balance" and reading.get("balance"):
        first = reading["balance"][0]
        return " ".join(money(m["amount"], m["currency"]) for m in reading["balance"]), first["amount"]
    if kind == "limit_remaining" and reading.get("limit_remaining"):
        left = reading["limit_remaining"]
        return f"{money(left['amount'], left['currency'])} left", left["amount"]
    if kind == "spent" and key in (reading.get("spent") or {}):
        spent = reading["spent"][key]
        return money(spent["amount"], spent["currency"]) + PERIOD_SUFFIX.get(key, ""), spent["amount"]
    if kind == "window":
        for window in reading.get("windows") or ():
            if window["name"] == key:
                return window_text(window, now), window["used_pct"]
    if kind == "rate_limit":
        for limit in reading.get("rate_limits") or ():
            if limit["name"] == key:
                return f"{key} {limit['remaining']:g}/{limit['limit']:g}", limit["remaining"]
    return "–", None


def build(snap: dict | None, now: float, only: list[str] | None = None) -> dict:
    """The view of `snap` at `now`; `only` restricts (and orders) the accounts shown."""
    if snap is None:
        return {"missing": True, "now": now, "accounts": [], "totals": {}, "config_error": None, "due": True,
                "settings": {}}
    settings = snap.get("settings") or {}
    conf = snap.get("config") or {}
    stale_factor = float(settings.get("stale_factor") or defaults.STALE_FACTOR)
    names = only if only is not None else (conf.get("accounts") or list(snap["accounts"]))
    accounts, due = [], False
    for name in names:
        entry = snap["accounts"].get(name)
        if entry is None:
            accounts.append(_unknown(name))
            continue
        thresholds = (settings.get("thresholds") or {}).get(name) or defaults.THRESHOLDS
        item = _account(name, entry, now, stale_factor, thresholds)
        due = due or item.pop("due")
        accounts.append(item)
    return {
        "missing": False,
        "now": now,
        "accounts": accounts,
        "totals": _totals(accounts),
        "config_error": conf.get("error"),
        "config_path": conf.get("path"),
        "config_mtime": conf.get("mtime"),
        "due": due,
        "settings": settings,
        "written_at": snap.get("written_at"),
        "budget": snap.get("budget"),
    }


def _account(name: str, entry: dict, now: float, stale_factor: float, thresholds: dict) -> dict:
    reading = entry.get("reading")
    fetched_at = entry.get("fetched_at")
    interval = float(entry.get("interval") or defaults.INTERVAL_S)
    error = entry.get("error")
    next_due = entry.get("next_due")
    stale = bool(reading) and (error is not None or fetched_at is None or now - fetched_at > interval * stale_factor)
    text, value = headline(reading, now)
    status = "error" if error and not reading else ("stale" if stale else ("ok" if reading else "pending"))
    used = used_pct(reading)
    return {
        "name": name,
        "provider": entry.get("provider"),
        "label": entry.get("label") or name,
        "status": status,
        "stale": stale,
        "error": error,
        "fetched_at": fetched_at,
        "age": None if fetched_at is None else max(0.0, now - fetched_at),
        "headline": text,
        "value": value,
        "reading": reading,
        "forecast": entry.get("forecast"),
        "state_hint": entry.get("budget_state") or "ok",
        "budget": entry.get("budget") or [],
        "trend": entry.get("trend") or "",
        "used_pct": used,
        "state": account_state(status, reading, used, thresholds, entry.get("budget_state") or "ok"),
        "due": (next_due is None and entry.get("status") != "parked") or (next_due is not None and next_due <= now),
    }


def _unknown(name: str) -> dict:
    error = {"kind": "config", "message": f"no account named {name!r}; see `tokseg list`", "at": None}
    return {"name": name, "provider": None, "label": name, "status": "error", "stale": False, "error": error,
            "fetched_at": None, "age": None, "headline": "", "value": None, "reading": None, "used_pct": None,
            "state": "error", "forecast": None, "state_hint": "ok", "budget": [], "trend": ""}


def used_pct(reading: dict | None) -> float | None:
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


def amount_left(reading: dict | None) -> float | None:
    """What the `*_below` thresholds compare: the first balance, else the spending limit left."""
    if not reading:
        return None
    if reading.get("balance"):
        return reading["balance"][0]["amount"]
    left = reading.get("limit_remaining")
    return left["amount"] if left else None


def account_state(status: str, reading: dict | None, used: float | None, thresholds: dict,
                  budget_state: str = "ok") -> str:
    """ok, warn, crit, stale, error or pending: a threshold or budget crossed outranks staleness."""
    if status in ("error", "pending"):
        return status
    left = amount_left(reading)
    levels = [budget_state] if budget_state in ("crit", "warn") else []
    for level in ("crit", "warn"):
        below, pct = thresholds.get(f"{level}_below"), thresholds.get(f"{level}_pct")
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


def _totals(accounts: list[dict]) -> dict:
    """Sums per currency: CNY is never added to USD."""
    totals: dict[str, dict[str, float]] = {"balance": {}, "spent_today": {}, "spent_month": {}}
    for item in accounts:
        reading = item["reading"] or {}
        for m in reading.get("balance") or ():
            _add(totals["balance"], m)
        for period in ("today", "month"):
            spent = (reading.get("spent") or {}).get(period)
            if spent:
                _add(totals[f"spent_{period}"], spent)
    return totals


def _add(into: dict[str, float], m: dict) -> None:
    into[m["currency"]] = round(into.get(m["currency"], 0.0) + m["amount"], 6)


def segment(item: dict) -> str:
    """One account's default piece: label, headline, `~` when stale, `!kind` when it needs action."""
    kind = (item["error"] or {}).get("kind")
    if not item["reading"]:
        body = f"!{kind}" if kind else "…"
        return f"{item['label']} {body}"
    text = f"{item['label']} {item['headline']}"
    if item["stale"]:
        text += "~"
    if kind in NEEDS_ACTION:
        text += f" !{kind}"
    return text


def fields(view: dict) -> dict[str, Any]:
    """Every name a template may use, flattened: `work.balance`, `claude.5h.pct`, `total.spent_today`."""
    now = view.get("now") or 0.0
    out: dict[str, Any] = {}
    pieces: list[tuple[str, str | None]] = []
    separator = (view.get("settings") or {}).get("separator") or defaults.SEPARATOR
    for item in view["accounts"]:
        name, reading = item["name"], item["reading"] or {}
        if pieces:
            pieces.append((separator, None))
        pieces.append((segment(item), name))
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
        out[f"{name}.error"] = (item["error"] or {}).get("kind") or ""
        out[f"{name}.age"] = duration(item["age"]) if item["age"] is not None else ""
        forecast = item.get("forecast")
        runs_out_at = (forecast or {}).get("runs_out_at")
        out[f"{name}.burn"] = burn_text(forecast) if forecast else ""
        out[f"{name}.burn.value"] = forecast["burn_per_hour"] if forecast else None
        out[f"{name}.runs_out"] = duration(runs_out_at - now) if runs_out_at else ""
        out[f"{name}.runs_out_at"] = clock(runs_out_at, now) if runs_out_at else ""
        out[f"{name}.forecast"] = forecast_text(forecast, now)
        out[f"{name}.budget"] = item.get("state_hint") or "ok"
        out[f"{name}.trend"] = item.get("trend") or ""
        if reading.get("balance"):
            out[f"{name}.balance"] = " ".join(money(m["amount"], m["currency"]) for m in reading["balance"])
            out[f"{name}.balance.value"] = reading["balance"][0]["amount"]
        for key in ("limit", "limit_remaining"):
            if reading.get(key):
                out[f"{name}.{key}"] = money(reading[key]["amount"], reading[key]["currency"])
                out[f"{name}.{key}.value"] = reading[key]["amount"]
        for period, m in (reading.get("spent") or {}).items():
            out[f"{name}.spent.{period}"] = money(m["amount"], m["currency"])
            out[f"{name}.spent.{period}.value"] = m["amount"]
        for period, t in (reading.get("tokens") or {}).items():
            out[f"{name}.tokens.{period}"] = t["total"]
        for window in reading.get("windows") or ():
            base = f"{name}.{window['name']}"
            out[base] = window_text(window, now)
            out[f"{base}.pct"] = window["used_pct"]
            out[f"{base}.gauge"] = gauge(window["used_pct"])
            out[f"{base}.reset"] = duration(window["resets_at"] - now) if window.get("resets_at") else ""
    out["all"] = pieces
    for key, sums in view["totals"].items():
        out[f"total.{key}"] = totals_text(sums)
    out["total.budget"] = (view.get("budget") or {}).get("state") or "ok"
    return out
