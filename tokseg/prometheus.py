"""The snapshot as a Prometheus text-format file, for node_exporter's textfile collector.

Enabled by `prometheus_file = "/var/lib/node_exporter/textfile/tokseg.prom"` in
[settings]. Written by the refresher through a temp file and a rename in the
same folder, so the collector never reads half a file (the temp name does
not end in `.prom`, so it is never collected either).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import atomic, safe_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from tokseg.schema import ReadingDict, Snapshot

STATE_VALUE = {"ok": 0, "warn": 1, "crit": 2}
FAMILIES = {
    "tokseg_up": "1 when the account's last fetch succeeded, else 0.",
    "tokseg_last_success_timestamp_seconds": "When the account last fetched successfully.",
    "tokseg_balance": "Remaining prepaid balance.",
    "tokseg_limit_remaining": "Spending cap left.",
    "tokseg_spent": "Spend in the period as reported or derived.",
    "tokseg_tokens": "Tokens used in the period.",
    "tokseg_window_used_percent": "Used share of a subscription window.",
    "tokseg_window_resets_timestamp_seconds": "When a subscription window resets.",
    "tokseg_burn_per_hour": "Use per hour over the burn window, in the metric's unit.",
    "tokseg_runs_out_timestamp_seconds": "When the balance runs out, the window fills or the budget is reached.",
    "tokseg_budget_state": "Worst budget check: 0 ok, 1 warn, 2 crit.",
    "tokseg_budget_used_percent": "Share of a budget used.",
}


def render(snap: Snapshot) -> str:
    """Every family once, HELP and TYPE first, then its samples."""
    samples: dict[str, list[str]] = {name: [] for name in FAMILIES}

    def add(family: str, labels: dict[str, str], value: float | None) -> None:
        if value is not None:
            samples[family].append(f"{family}{_labels(labels)} {_number(value)}")

    for name, entry in sorted((snap.get("accounts") or {}).items()):
        acct = {"account": name}
        add("tokseg_up", acct, 1 if entry.get("status") == "ok" else 0)
        add("tokseg_last_success_timestamp_seconds", acct, entry.get("fetched_at"))
        reading = entry.get("reading")
        if reading:
            _reading_samples(add, acct, reading)
        fc = entry.get("forecast")
        if fc:
            add("tokseg_burn_per_hour", {**acct, "metric": fc["metric"], "unit": fc["unit"]}, fc["burn_per_hour"])
            add("tokseg_runs_out_timestamp_seconds", {**acct, "metric": fc["metric"]}, fc.get("runs_out_at"))
        budget_state = entry.get("budget_state")
        if budget_state:
            add("tokseg_budget_state", acct, STATE_VALUE[budget_state])
        for check in entry.get("budget") or ():
            add("tokseg_budget_used_percent", {**acct, "rule": check["rule"]}, check.get("pct"))
    total = snap.get("budget")
    if total and total.get("checks"):
        add("tokseg_budget_state", {"account": ""}, STATE_VALUE[total["state"]])
        for check in total["checks"]:
            add("tokseg_budget_used_percent", {"account": "", "rule": check["rule"]}, check["pct"])
    lines = []
    for family, help_text in FAMILIES.items():
        if samples[family]:
            lines += [f"# HELP {family} {_help(help_text)}", f"# TYPE {family} gauge", *samples[family]]
    return "\n".join(lines) + "\n" if lines else ""


def _reading_samples(add: Callable[[str, dict[str, str], float | None], None], acct: dict[str, str],
                     reading: ReadingDict) -> None:
    for m in reading.get("balance") or ():
        add("tokseg_balance", {**acct, "currency": m["currency"]}, m["amount"])
    left = reading.get("limit_remaining")
    if left:
        add("tokseg_limit_remaining", {**acct, "currency": left["currency"]}, left["amount"])
    for period, m in sorted((reading.get("spent") or {}).items()):
        add("tokseg_spent", {**acct, "period": period, "currency": m["currency"]}, m["amount"])
    for period, t in sorted((reading.get("tokens") or {}).items()):
        add("tokseg_tokens", {**acct, "period": period}, t["total"])
    for w in reading.get("windows") or ():
        add("tokseg_window_used_percent", {**acct, "window": w["name"]}, w["used_pct"])
        add("tokseg_window_resets_timestamp_seconds", {**acct, "window": w["name"]}, w.get("resets_at"))


def write(path: Path, text: str) -> None:
    """Replace `path` atomically; readable by the collector's user (0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace_file(str(path), text.encode(), mode=0o644)


def _labels(labels: dict[str, str]) -> str:
    inner = ",".join(f'{key}="{_escape_label(str(value))}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape_label(value: str) -> str:
    """A label value the format can carry and a dashboard can show: control, bidi and surrogate characters
    from a provider become visible escapes (`safe_text`; a lone surrogate could not even be encoded),
    then the format's own escapes for backslash and quote."""
    return safe_text.visible(value).replace("\\", "\\\\").replace('"', '\\"')


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)
