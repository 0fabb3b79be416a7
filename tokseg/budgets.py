"""Budgets and low-balance thresholds: the `[budgets]` config and the ok/warn/crit they give.

    [budgets]                 # all accounts together, in one currency
    daily = 10.0
    monthly = 200.0
    currency = "USD"
    warn_pct = 80             # defaults for every budget below
    crit_pct = 100

    [budgets.work]            # one account, in that account's own currency
    daily = 5.0
    weekly = 20.0
    low_balance = 5.0         # warn when the balance drops to this
    critical_balance = 1.0    # crit when it drops to this
    window_warn_pct = 80      # subscription windows (used %)
    window_crit_pct = 95
    alerts = false            # this account never notifies

Evaluation is pure: the caller passes the spend per period (reported or
derived from history) and gets a list of checks, each with its state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokseg.config import _Checker
    from tokseg.schema import BudgetCheck, BudgetState, ReadingDict

STATES = ("ok", "warn", "crit")
PERIODS = {"daily": "today", "weekly": "week", "monthly": "month"}
SPEND_KEYS = ("daily", "weekly", "monthly")
PCT_KEYS = ("warn_pct", "crit_pct")
ACCOUNT_ONLY = ("low_balance", "critical_balance", "window_warn_pct", "window_crit_pct")
TOTAL_ONLY = ("currency",)


@dataclass(frozen=True)
class Limits:
    """One set of budgets; None means "no such budget"."""

    daily: float | None = None
    weekly: float | None = None
    monthly: float | None = None
    warn_pct: float = 80.0
    crit_pct: float = 100.0
    low_balance: float | None = None
    critical_balance: float | None = None
    window_warn_pct: float | None = None
    window_crit_pct: float | None = None
    alerts: bool = True

    @property
    def empty(self) -> bool:
        return all(getattr(self, k) is None for k in (*SPEND_KEYS, *ACCOUNT_ONLY))


@dataclass(frozen=True)
class Budgets:
    total: Limits = field(default_factory=Limits)
    currency: str = "USD"
    accounts: dict[str, Limits] = field(default_factory=dict)

    def for_account(self, name: str) -> Limits:
        return self.accounts.get(name) or Limits(warn_pct=self.total.warn_pct, crit_pct=self.total.crit_pct)


def parse_budgets(checker: _Checker, table: Any, account_names: list[str]) -> Budgets:
    """Validate `[budgets]` and its `[budgets.ACCOUNT]` tables; errors name file, line, key and fix."""
    if not isinstance(table, dict):
        checker.fail((), "budgets", "must be a table: [budgets]")
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    total = _limits(checker, ("budgets",), scalars, Limits(), allowed=(*SPEND_KEYS, *PCT_KEYS, "alerts", *TOTAL_ONLY))
    currency = scalars.get("currency", "USD")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        checker.fail(("budgets",), "currency", f"must be a 3-letter currency code like \"USD\", not {currency!r}")
    inherited = Limits(warn_pct=total.warn_pct, crit_pct=total.crit_pct)
    accounts = {}
    for name, body in table.items():
        if not isinstance(body, dict):
            continue
        if name not in account_names:
            known = ", ".join(account_names) or "none configured"
            checker.fail(("budgets", name), None, f"no account named {name!r} (accounts: {known}); "
                                                  f"rename the table to [budgets.ACCOUNT] for a configured account")
        accounts[name] = _limits(checker, ("budgets", name), body, inherited,
                                 allowed=(*SPEND_KEYS, *PCT_KEYS, "alerts", *ACCOUNT_ONLY))
    return Budgets(total=total, currency=currency, accounts=accounts)


def _limits(checker: _Checker, where: tuple[str, ...], raw: dict, base: Limits, allowed: tuple[str, ...]) -> Limits:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in allowed:
            hint = " (per-account budgets go in [budgets.ACCOUNT])" if len(where) == 1 else ""
            checker.fail(where, key, f"unknown budget key; known: {', '.join(allowed)}{hint}")
        if key == "currency":
            continue
        if key == "alerts":
            checker.expect_type(where, key, value, (bool,))
            values[key] = value
            continue
        checker.expect_type(where, key, value, (int, float))
        if value <= 0:
            checker.fail(where, key, "must be greater than 0")
        if key.startswith("window_") and value > 100:
            checker.fail(where, key, "is a used percentage of the window: at most 100")
        values[key] = float(value)
    limits = Limits(**{**base.__dict__, **values})
    if limits.warn_pct > limits.crit_pct:
        checker.fail(where, "warn_pct", f"must not exceed crit_pct ({limits.crit_pct:g})")
    low, critical = limits.low_balance, limits.critical_balance
    if low is not None and critical is not None and critical > low:
        checker.fail(where, "critical_balance", f"must not exceed low_balance ({low:g})")
    warn, crit = limits.window_warn_pct, limits.window_crit_pct
    if warn is not None and crit is not None and warn > crit:
        checker.fail(where, "window_warn_pct", f"must not exceed window_crit_pct ({crit:g})")
    return limits


def spend_checks(limits: Limits, spent: dict[str, tuple[float, str]]) -> list[BudgetCheck]:
    """Daily/weekly/monthly budgets against spend per period (`{"today": (amount, currency)}`)."""
    checks: list[BudgetCheck] = []
    for key in SPEND_KEYS:
        limit = getattr(limits, key)
        figure = spent.get(PERIODS[key])
        if limit is None or figure is None:
            continue
        amount, currency = figure
        pct = 100.0 * amount / limit
        checks.append({"rule": key, "used": round(amount, 6), "limit": limit, "unit": currency,
                       "pct": round(pct, 2), "state": by_pct(pct, limits.warn_pct, limits.crit_pct)})
    return checks


def account_checks(limits: Limits, reading: ReadingDict, spent: dict[str, tuple[float, str]]) -> list[BudgetCheck]:
    """Every budget of one account against its latest reading and its spend per period."""
    checks = spend_checks(limits, spent)
    balances = reading.get("balance") or []
    if balances and (limits.low_balance is not None or limits.critical_balance is not None):
        first = balances[0]
        amount = first["amount"]
        state: BudgetState = "ok"
        if limits.low_balance is not None and amount <= limits.low_balance:
            state = "warn"
        if limits.critical_balance is not None and amount <= limits.critical_balance:
            state = "crit"
        threshold = limits.critical_balance if state == "crit" else (limits.low_balance or limits.critical_balance)
        checks.append({"rule": "balance", "used": amount, "limit": threshold, "unit": first["currency"],
                       "pct": None, "state": state})
    if limits.window_warn_pct is not None or limits.window_crit_pct is not None:
        for window in reading.get("windows") or ():
            pct = window["used_pct"]
            state = by_pct(pct, limits.window_warn_pct or 101.0, limits.window_crit_pct or 101.0)
            checks.append({"rule": f"window.{window['name']}", "used": pct, "limit": 100.0, "unit": "%",
                           "pct": pct, "state": state})
    return checks


def worst(checks: list[BudgetCheck]) -> BudgetState:
    return max((c["state"] for c in checks), key=STATES.index, default="ok")


def by_pct(pct: float, warn: float, crit: float) -> BudgetState:
    if pct >= crit:
        return "crit"
    if pct >= warn:
        return "warn"
    return "ok"
