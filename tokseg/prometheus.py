"""The snapshot as Prometheus text format: node_exporter's textfile collector and the Pushgateway read it.

Enabled by `prometheus_file = "/var/lib/node_exporter/textfile/tokseg.prom"` in
[settings] (and pushed by `pushgateway.py` when [settings.push] names a
gateway). Written by the refresher through a temp file and a rename in the
same folder, so the collector never reads half a file (the temp name does
not end in `.prom`, so it is never collected either).

Every sample carries `host` and `user` (from [settings.metrics], else this
machine's short host name and login user), so many machines' figures can be
summed in one query, and `account`. Names follow Prometheus's conventions:
the unit is in the name (`_usd`, `_tokens`, `_seconds`, `_percent`), one
family per currency (an amount in another currency is another unit, so it
is never summed with it; a code that is not three letters, from a plugin,
is left out). Every family is a gauge: spend "today" restarts each day and a
balance goes down and up, so nothing here is a counter and no name ends in
`_total`. Per-model and per-project samples are opt-in ([settings.metrics]
`models`, `projects`): each model or project folder is a series of its own.
A `prometheus` account's figures are not exported (only its `tokseg_up`):
they are the other machines' figures, summed.
"""

from __future__ import annotations

import getpass
import math
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokseg import atomic, safe_text

if TYPE_CHECKING:
    from tokseg.schema import MoneyDict, ReadingDict, Snapshot

STATE_VALUE = {"ok": 0, "warn": 1, "crit": 2}
CURRENCY = re.compile(r"[A-Z]{3}")
HELP = {
    "tokseg_up": "1 when the account's last fetch succeeded, else 0.",
    "tokseg_last_success_timestamp_seconds": "When the account last fetched successfully.",
    "tokseg_balance": "Remaining prepaid balance",
    "tokseg_limit_remaining": "Spending cap left",
    "tokseg_spent": "Spend so far in the period (it restarts with each period), as reported or derived",
    "tokseg_tokens": "Tokens used so far in the period (it restarts with each period).",
    "tokseg_model_spent": "One model's spend so far in the period (opt-in: [settings.metrics] models)",
    "tokseg_model_tokens": "One model's tokens so far in the period (opt-in: [settings.metrics] models).",
    "tokseg_project_spent": "One project folder's spend so far in the period (opt-in: [settings.metrics] projects)",
    "tokseg_project_tokens": "One project folder's tokens so far in the period (opt-in: [settings.metrics] projects).",
    "tokseg_window_used_percent": "Used share of a subscription window.",
    "tokseg_window_resets_timestamp_seconds": "When a subscription window resets.",
    "tokseg_burn_per_hour": "Use per hour over the burn window, in the metric's unit.",
    "tokseg_runs_out_timestamp_seconds": "When the balance runs out, the window fills or the budget is reached.",
    "tokseg_budget_state": "Worst budget check: 0 ok, 1 warn, 2 crit.",
    "tokseg_budget_used_percent": "Share of a budget used.",
}


@dataclass(frozen=True)
class Identity:
    """Who the figures belong to, and which high-cardinality breakdowns are exported."""

    host: str
    user: str
    models: bool = False
    projects: bool = False


def identity(metrics: dict[str, Any]) -> Identity:
    """[settings.metrics] with this machine's short host name and login user where it leaves them empty."""
    return Identity(metrics.get("host") or machine_host(), metrics.get("user") or machine_user(),
                    bool(metrics.get("models", False)), bool(metrics.get("projects", False)))


def machine_host() -> str:
    return socket.gethostname().split(".")[0] or "localhost"


def machine_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the number is still an identity
        return str(os.getuid())


class _Families:
    """Samples by family, in the order families first appear; a series given twice keeps its first value."""

    def __init__(self, base: dict[str, str]) -> None:
        self.base = base
        self.help: dict[str, str] = {}
        self.samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}

    def add(self, family: str, labels: dict[str, str], value: float | None, help_text: str = "") -> None:
        if value is None:
            return
        self.help.setdefault(family, help_text or HELP[family])
        self.samples.setdefault(family, {}).setdefault(tuple({**self.base, **labels}.items()), float(value))

    def money(self, family: str, labels: dict[str, str], money: MoneyDict | None) -> None:
        """One family per currency: `tokseg_spent_usd`; a currency that is not an ISO code is left out."""
        if money and CURRENCY.fullmatch(money["currency"]):
            self.add(f"{family}_{money['currency'].lower()}", labels, money["amount"],
                     f"{HELP[family]}, in {money['currency']}.")

    def text(self) -> str:
        lines = []
        for family, series in self.samples.items():
            lines += [f"# HELP {family} {_help(self.help[family])}", f"# TYPE {family} gauge"]
            lines += [f"{family}{_labels(dict(labels))} {_number(value)}" for labels, value in series.items()]
        return "\n".join(lines) + "\n" if lines else ""


def render(snap: Snapshot, who: Identity | None = None) -> str:
    """Every family once, HELP and TYPE first, then its samples."""
    who = who or identity({})
    out = _Families({"host": who.host, "user": who.user})
    for name, entry in sorted((snap.get("accounts") or {}).items()):
        acct = {"account": name}
        out.add("tokseg_up", acct, 1 if entry.get("status") == "ok" else 0)
        out.add("tokseg_last_success_timestamp_seconds", acct, entry.get("fetched_at"))
        reading = entry.get("reading")
        # An account reading Prometheus holds figures already exported by the machines it sums: sending them
        # back would count every machine twice at the next query.
        if reading and entry.get("provider") != "prometheus":
            _reading_samples(out, acct, reading)
            _breakdowns(out, acct, reading, who)
        fc = entry.get("forecast")
        if fc:
            out.add("tokseg_burn_per_hour", {**acct, "metric": fc["metric"], "unit": fc["unit"]}, fc["burn_per_hour"])
            out.add("tokseg_runs_out_timestamp_seconds", {**acct, "metric": fc["metric"]}, fc.get("runs_out_at"))
        budget_state = entry.get("budget_state")
        if budget_state:
            out.add("tokseg_budget_state", acct, STATE_VALUE[budget_state])
        for check in entry.get("budget") or ():
            out.add("tokseg_budget_used_percent", {**acct, "rule": check["rule"]}, check.get("pct"))
    total = snap.get("budget")
    if total and total.get("checks"):
        out.add("tokseg_budget_state", {"account": ""}, STATE_VALUE[total["state"]])
        for check in total["checks"]:
            out.add("tokseg_budget_used_percent", {"account": "", "rule": check["rule"]}, check["pct"])
    return out.text()


def _reading_samples(out: _Families, acct: dict[str, str], reading: ReadingDict) -> None:
    for m in reading.get("balance") or ():
        out.money("tokseg_balance", acct, m)
    out.money("tokseg_limit_remaining", acct, reading.get("limit_remaining"))
    for period, m in sorted((reading.get("spent") or {}).items()):
        out.money("tokseg_spent", {**acct, "period": period}, m)
    for period, t in sorted((reading.get("tokens") or {}).items()):
        out.add("tokseg_tokens", {**acct, "period": period}, t["total"])
    for w in reading.get("windows") or ():
        out.add("tokseg_window_used_percent", {**acct, "window": w["name"]}, w["used_pct"])
        out.add("tokseg_window_resets_timestamp_seconds", {**acct, "window": w["name"]}, w.get("resets_at"))


def _breakdowns(out: _Families, acct: dict[str, str], reading: ReadingDict, who: Identity) -> None:
    """Per model and per project, summed by name and period (two folders may share a project name)."""
    groups: list[tuple[str, str, list[Any]]] = []
    if who.models:
        groups.append(("model", "model", list(reading.get("models") or ())))
    if who.projects:
        groups.append(("project", "project", list(reading.get("projects") or ())))
    for kind, key, rows in groups:
        spent: dict[tuple[str, str, str], float] = {}
        tokens: dict[tuple[str, str], float] = {}
        for row in rows:
            name, period = str(row.get(key) or ""), str(row.get("period") or "")
            if row.get("spent"):
                slot = (name, period, row["spent"]["currency"])
                spent[slot] = spent.get(slot, 0.0) + row["spent"]["amount"]
            if row.get("tokens"):
                tokens[(name, period)] = tokens.get((name, period), 0.0) + row["tokens"]["total"]
        for (name, period, currency), amount in sorted(spent.items()):
            out.money(f"tokseg_{kind}_spent", {**acct, key: name, "period": period},
                      {"amount": amount, "currency": currency})
        for (name, period), count in sorted(tokens.items()):
            out.add(f"tokseg_{kind}_tokens", {**acct, key: name, "period": period}, count)


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
