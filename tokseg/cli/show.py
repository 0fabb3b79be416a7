"""`tokseg show`: the detail view a click opens: one block per account.

Reads the snapshot like the segment does (no network) and prints every
window, spend, balance, limit and error, with how old each reading is,
and the top models per period when the provider reports them; for local logs
also the top projects and the efficiency figures.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from tokseg import defaults, locations, safe_text, snapshot
from tokseg.render import numbers
from tokseg.render import view as views

if TYPE_CHECKING:
    from tokseg.schema import EfficiencyDict, ModelUsageDict, ProjectUsageDict, ReadingDict, View, ViewItem

TOP_MODELS = 3
GAUGE_WIDTH = 10
STATE_COLOURS = {"ok": "green", "warn": "yellow", "crit": "red", "stale": "bright_black", "error": "red",
                 "pending": "bright_black"}


def lines(view: View) -> list[tuple[str, str | None]]:
    """(text, colour) lines of the detail view."""
    if view["missing"]:
        return [("no snapshot yet; run `tokseg refresh`", None)]
    out: list[tuple[str, str | None]] = []
    if view.get("config_error"):
        out.append((f"config: {view['config_error']}", "red"))
    if not view["accounts"]:
        out.append((defaults.NO_ACCOUNTS_HINT, None))
    for item in view["accounts"]:
        age = f"{numbers.duration(item['age_s'])} ago" if item["age_s"] is not None else "never fetched"
        out.append((f"{item['label']} ({item['name']}, {item['provider']})  {item['state']}  {age}",
                    STATE_COLOURS.get(item["state"])))
        rows = _reading_rows(item["reading"], view["now"]) if item["reading"] else []
        rows += _forecast_and_budget_rows(item, view["now"])
        if item["error"]:
            rows.append(("error", f"{item['error']['kind']}: {item['error']['message']}"))
        out.extend((f"    {key:<16} {value}", None) for key, value in rows if value)
    return out


def _reading_rows(reading: ReadingDict, now: float) -> list[tuple[str, str]]:
    """(what, figure) rows for every figure the reading holds; an empty figure is left out by the caller."""
    rows = [("balance", " ".join(numbers.money(m["amount"], m["currency"]) for m in reading.get("balance") or ()))]
    limit, left = reading.get("limit"), reading.get("limit_remaining")
    for key, cap in (("limit", limit), ("limit_remaining", left)):
        if cap:
            rows.append((key.replace("_", " "), numbers.money(cap["amount"], cap["currency"])))
    if limit and left and limit["amount"] > 0 and limit["currency"] == left["currency"]:
        rows.append(("limit used", gauge(100.0 * (1 - left["amount"] / limit["amount"]))))
    for period, m in (reading.get("spent") or {}).items():
        rows.append((f"spent {period}", numbers.money(m["amount"], m["currency"])))
    for period, t in (reading.get("tokens") or {}).items():
        rows.append((f"tokens {period}", f"{t['total']:,} (in {t['input']:,}, out {t['output']:,})"))
    for period, text in _top_models(reading.get("models") or []):
        rows.append((f"models {period}", text))
    for period, text in _top_projects(reading.get("projects") or []):
        rows.append((f"projects {period}", text))
    rows.extend((f"efficiency {e['period']}", _efficiency_text(e)) for e in reading.get("efficiency") or ())
    for window in reading.get("windows") or ():
        pace = views.window_pace(window, now)
        text = numbers.window_text(window, now) + (f" · pace {numbers.pace_text(pace)}" if pace is not None else "")
        rows.append((f"window {window['name']}", f"{gauge(window['used_pct'], label=False)} {text}"))
    for bucket in reading.get("rate_limits") or ():
        rows.append((f"rate {bucket['name']}", f"{bucket['remaining']:g}/{bucket['limit']:g} left"))
    rows.extend(("note", note) for note in views.notes(reading))
    return rows


def _forecast_and_budget_rows(item: ViewItem, now: float) -> list[tuple[str, str]]:
    """When the account runs out or fills at its recent burn, and each budget check with its gauge."""
    rows = []
    forecast = item.get("forecast")
    if forecast:
        text = numbers.forecast_text(forecast, now)
        burn = numbers.burn_text(forecast)
        rows.append(("forecast", " · ".join(part for part in (text, f"burn {burn}" if burn else "") if part)))
    for check in item.get("budget") or ():
        pct = check.get("pct")
        used = f"{check['used']:.2f} of {check['limit']:.2f} {check['unit']}"
        rows.append((f"budget {check['rule']}", f"{gauge(pct)} {used}" if pct is not None else used))
    return rows


def gauge(pct: float, width: int = GAUGE_WIDTH, label: bool = True) -> str:
    """`▕████░░░░░░▏ 42%`, or `[####------] 42%` where the terminal cannot show the blocks; over 100% fills it."""
    filled = max(0, min(width, round(width * pct / 100.0)))
    blocks = "▕" + "█" * filled + "░" * (width - filled) + "▏"
    if not _can_print(blocks):
        blocks = "[" + "#" * filled + "-" * (width - filled) + "]"
    return f"{blocks} {numbers.percent(pct)}" if label else blocks


def _can_print(text: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _top_models(models: list[ModelUsageDict]) -> list[tuple[str, str]]:
    """(period, "model $spent (tokens tok) · … · +N more") with the first TOP_MODELS per period, in the reading's
    order (the heaviest first)."""
    by_period: dict[str, list[ModelUsageDict]] = {}
    for usage in models:
        by_period.setdefault(usage["period"], []).append(usage)
    out = []
    for period, items in by_period.items():
        parts = [_model_text(usage) for usage in items[:TOP_MODELS]]
        if len(items) > TOP_MODELS:
            parts.append(f"+{len(items) - TOP_MODELS} more")
        out.append((period, " · ".join(parts)))
    return out


def _top_projects(projects: list[ProjectUsageDict]) -> list[tuple[str, str]]:
    """(period, "shop-api $3.10 (2 sess) · docs $0.40 (1 sess) · +N more"), the costliest first."""
    by_period: dict[str, list[ProjectUsageDict]] = {}
    for project in projects:
        by_period.setdefault(project["period"], []).append(project)
    out = []
    for period, items in by_period.items():
        parts = []
        for project in items[:TOP_MODELS]:
            spent, sessions, tokens = project["spent"], project["sessions"], project["tokens"]["total"]
            figure = numbers.money(spent["amount"], spent["currency"]) if spent else f"{tokens:,} tok"
            parts.append(f"{project['project']} {figure}" + (f" ({sessions} sess)" if sessions else ""))
        if len(items) > TOP_MODELS:
            parts.append(f"+{len(items) - TOP_MODELS} more")
        out.append((period, " · ".join(parts)))
    return out


def _efficiency_text(figures: EfficiencyDict) -> str:
    """'cache 93% of input · $0.04/request · output 1.2% · 120 requests'; a figure without a divisor is left out."""
    parts = []
    if figures["cache_leverage"] is not None:
        parts.append(f"cache {numbers.percent(100 * figures['cache_leverage'])} of input")
    cost = figures["cost_per_request"]
    if cost:
        parts.append(f"{numbers.money(cost['amount'], cost['currency'])}/request")
    if figures["output_share"] is not None:
        parts.append(f"output {numbers.percent(100 * figures['output_share'])}")
    parts.append(f"{figures['requests']:,} request" + ("" if figures["requests"] == 1 else "s"))
    return " · ".join(parts)


def _model_text(usage: ModelUsageDict) -> str:
    """'claude-sonnet-4-5 $1.00 (32,200 tok)', or with only the figure the provider gave."""
    text, spent, tokens = usage["model"], usage["spent"], usage["tokens"]
    if spent:
        text += " " + numbers.money(spent["amount"], spent["currency"])
    if tokens:
        count = f"{tokens['total']:,} tok"
        text += f" ({count})" if spent else f" {count}"
    return text


@click.command()
def show() -> None:
    """Show every account in detail: windows, spend, balances, limits, errors."""
    view = views.build(snapshot.read(locations.snapshot_path()), time.time())
    for text, colour in lines(view):
        click.secho(safe_text.visible(text), fg=colour)
