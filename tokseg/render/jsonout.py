"""`tokseg --json`: the documented, versioned schema for scripts (README, "JSON output")."""

from __future__ import annotations

import json

from tokseg import safe_text
from tokseg.render import numbers, plain, state
from tokseg.render import view as views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import ForecastDict, View, WindowDict

JSON_SCHEMA = 1
NOT_REPORTED: dict[str, object] = {"balance": [], "limit": None, "limit_remaining": None, "spent": {}, "tokens": {},
                                   "windows": [], "rate_limits": [], "models": [], "projects": [], "sessions": [],
                                   "efficiency": []}


def document(view: View, template_text: str | None = None, max_width: int | None = None) -> dict[str, object]:
    accounts = []
    for item in view["accounts"]:
        reading = item["reading"]
        entry: dict[str, object] = {
            "name": item["name"],
            "provider": item["provider"],
            "label": item["label"],
            "status": item["status"],
            "state": item["state"],
            "stale": item["stale"],
            "fetched_at": item["fetched_at"],
            "age_s": None if item["age_s"] is None else round(item["age_s"], 1),
            "headline": {"text": item["headline"], "value": item["value"]},
            "error": item["error"],
        }
        for key, absent in NOT_REPORTED.items():
            entry[key] = reading.get(key, absent) if reading else absent
        entry["windows"] = [_window(w, view["now"]) for w in reading.get("windows") or ()] if reading else []
        entry["notes"] = views.notes(reading)
        entry["context_pct"] = reading.get("context_pct") if reading else None
        entry["forecast"] = _forecast(item["forecast"], view["now"])
        entry["budget_state"] = item["budget_state"]
        entry["budget"] = item["budget"]
        accounts.append(entry)
    return {
        "schema": JSON_SCHEMA,
        "generated_at": round(view["now"], 3),
        "state": state(view),
        "stale": any(a["stale"] for a in view["accounts"]),
        "refreshing": bool(view.get("refreshing")),
        "config_error": view.get("config_error"),
        "template_error": view.get("template_error"),
        "text": plain.text(view, template_text, max_width),
        "accounts": accounts,
        "totals": view["totals"],
        "budget": view.get("budget") or {"state": "ok", "checks": []},
    }


def _window(window: WindowDict, now: float) -> dict[str, object]:
    """The reading's window plus its pace as of now; `length_s` is null in snapshots older than it."""
    return {**window, "length_s": window.get("length_s"), "pace": views.window_pace(window, now)}


def _forecast(forecast: ForecastDict | None, now: float) -> dict[str, object] | None:
    """The refresher's forecast plus its text as of now."""
    if not forecast:
        return None
    return {**forecast, "burn": numbers.burn_text(forecast), "text": numbers.forecast_text(forecast, now)}


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return json.dumps(safe_text.json_safe(document(view, template_text, max_width)), ensure_ascii=False)


def failure(text: str, message: str, now: float) -> str:
    """The document when the segment could not be built: every key of the schema, no accounts, and `error`."""
    return json.dumps(safe_text.json_safe({
        "schema": JSON_SCHEMA, "generated_at": round(now, 3), "state": "error", "stale": False, "refreshing": False,
        "config_error": None, "template_error": None, "error": message, "text": text, "accounts": [],
        "totals": {"balance": {}, "spent_today": {}, "spent_month": {}}, "budget": {"state": "ok", "checks": []},
    }))
