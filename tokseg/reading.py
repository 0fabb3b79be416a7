"""The normalised reading every provider returns and every renderer reads.

Providers build these frozen dataclasses; the snapshot stores their plain
dict form (`to_dict`), which is all the hot path ever sees. Only what a
provider really reports is filled in: an empty field means "not reported",
never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokseg.errors import BadResponse

if TYPE_CHECKING:
    from tokseg.schema import (
        BranchUsageDict,
        EfficiencyDict,
        HeadlineDict,
        ModelUsageDict,
        MoneyDict,
        ProjectUsageDict,
        RateLimitDict,
        ReadingDict,
        SessionUsageDict,
        TokensDict,
        UsageDict,
        WindowDict,
    )

PERIODS = ("today", "week", "month", "block", "session")
HEADLINE_KINDS = ("balance", "limit_remaining", "spent", "window", "rate_limit", "none")
# Larger than any real balance, spend, token count or percentage: a figure past it is a broken answer.
MAX_FIGURE = 1e12


@dataclass(frozen=True)
class Money:
    """An amount in a currency (ISO 4217, upper case)."""

    amount: float
    currency: str = "USD"

    def to_dict(self) -> MoneyDict:
        return {"amount": round(self.amount, 6), "currency": self.currency}


@dataclass(frozen=True)
class Tokens:
    """Token counts for one period; cache reads and writes are disjoint from input."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_write

    def to_dict(self) -> TokensDict:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
            "total": self.total,
        }


@dataclass(frozen=True)
class Window:
    """A subscription usage window, e.g. Claude's 5-hour one.

    `length_s` is how long the window runs from start to reset, when the provider knows it (its
    name or answer says so); the view needs it for the pace and never guesses it.
    """

    name: str
    used_pct: float
    resets_at: float | None = None
    length_s: float | None = None

    def to_dict(self) -> WindowDict:
        return {"name": self.name, "used_pct": round(self.used_pct, 2), "resets_at": self.resets_at,
                "length_s": self.length_s}


@dataclass(frozen=True)
class RateLimit:
    """One rate-limit bucket read from response headers."""

    name: str
    limit: float
    remaining: float
    resets_at: float | None = None

    def to_dict(self) -> RateLimitDict:
        return {
            "name": self.name,
            "limit": self.limit,
            "remaining": self.remaining,
            "resets_at": self.resets_at,
        }


@dataclass(frozen=True)
class Headline:
    """Which figure a segment shows by default: a kind plus a key within it.

    kind "balance" shows the first balance, "spent" shows `spent[key]`,
    "window" shows the window named `key`, "limit_remaining" the key's cap left.
    """

    kind: str
    key: str = ""

    def to_dict(self) -> HeadlineDict:
        return {"kind": self.kind, "key": self.key}


@dataclass(frozen=True)
class ModelUsage:
    """One model's spend and/or tokens for one period, as the provider reported them.

    The per-model rows are a breakdown: they need not add up to the account's
    totals (a provider may bill things no model is named for).
    """

    model: str
    period: str
    spent: Money | None = None
    tokens: Tokens | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}; use one of {PERIODS}")

    def to_dict(self) -> ModelUsageDict:
        return {
            "model": self.model,
            "period": self.period,
            "spent": self.spent.to_dict() if self.spent else None,
            "tokens": self.tokens.to_dict() if self.tokens else None,
        }


@dataclass(frozen=True)
class Usage:
    """Sums of one group of local-log requests (a project, a branch, a session) over one period.

    `spent` is None when no request of the group has a price (not $0); it is the priced part otherwise.
    """

    requests: int
    tokens: Tokens
    spent: Money | None = None

    def to_dict(self) -> UsageDict:
        return {"requests": self.requests, "spent": self.spent.to_dict() if self.spent else None,
                "tokens": self.tokens.to_dict()}


@dataclass(frozen=True)
class BranchUsage:
    """One git branch of a project: what was spent while the agent was on it."""

    branch: str
    usage: Usage

    def to_dict(self) -> BranchUsageDict:
        return {"branch": self.branch, **self.usage.to_dict()}


@dataclass(frozen=True)
class ProjectUsage:
    """One project's spend for one period: the repo (or folder) the agent worked in.

    `project` is the name shown (the repo's top-level folder name), `root` the folder it stands for
    (what a prompt's current directory is matched against; "" for requests whose log names no folder),
    `remote` the repo's origin as host/owner/repo when it has one. `sessions` counts the sessions.
    """

    project: str
    root: str
    period: str
    usage: Usage
    sessions: int = 0
    remote: str = ""
    branches: tuple[BranchUsage, ...] = ()

    def to_dict(self) -> ProjectUsageDict:
        return {"project": self.project, "root": self.root, "remote": self.remote, "period": self.period,
                "sessions": self.sessions, **self.usage.to_dict(), "branches": [b.to_dict() for b in self.branches]}


@dataclass(frozen=True)
class SessionUsage:
    """One agent session's spend for one period, with the project and branch it ran in."""

    session: str
    project: str
    period: str
    usage: Usage
    branch: str = ""
    first: float | None = None
    last: float | None = None

    def to_dict(self) -> SessionUsageDict:
        return {"session": self.session, "project": self.project, "branch": self.branch, "period": self.period,
                **self.usage.to_dict(), "first": self.first, "last": self.last}


@dataclass(frozen=True)
class Efficiency:
    """How a period's requests used tokens; each figure None when its divisor is 0.

    cache_leverage: cache reads / all input (uncached + cache reads + cache writes);
    cost_per_request: spend / priced requests; output_share: output / all tokens.
    """

    period: str
    requests: int
    cache_leverage: float | None
    cost_per_request: Money | None
    output_share: float | None

    def to_dict(self) -> EfficiencyDict:
        return {"period": self.period, "requests": self.requests,
                "cache_leverage": None if self.cache_leverage is None else round(self.cache_leverage, 6),
                "cost_per_request": self.cost_per_request.to_dict() if self.cost_per_request else None,
                "output_share": None if self.output_share is None else round(self.output_share, 6)}


def heaviest_first(models: Iterable[ModelUsage]) -> tuple[ModelUsage, ...]:
    """Per period (in PERIODS order): costliest first, then most tokens, then by name - a stable display order."""
    return tuple(sorted(models, key=lambda m: (PERIODS.index(m.period), -(m.spent.amount if m.spent else 0.0),
                                               -(m.tokens.total if m.tokens else 0), m.model)))


@dataclass(frozen=True)
class Reading:
    """What one account reported at one moment, in normalised units."""

    headline: Headline = field(default_factory=lambda: Headline("none"))
    balance: tuple[Money, ...] = ()
    limit: Money | None = None
    limit_remaining: Money | None = None
    spent: dict[str, Money] = field(default_factory=dict)
    tokens: dict[str, Tokens] = field(default_factory=dict)
    windows: tuple[Window, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    models: tuple[ModelUsage, ...] = ()
    notes: tuple[str, ...] = ()
    projects: tuple[ProjectUsage, ...] = ()  # local logs only, like the three below
    sessions: tuple[SessionUsage, ...] = ()
    efficiency: tuple[Efficiency, ...] = ()
    context_pct: float | None = None  # a coding agent's context window fill, in percent (claude_statusline)

    def __post_init__(self) -> None:
        if self.headline.kind not in HEADLINE_KINDS:
            raise ValueError(f"unknown headline kind {self.headline.kind!r}")
        unknown = (set(self.spent) | set(self.tokens)) - set(PERIODS)
        if unknown:
            raise ValueError(f"unknown period(s) {sorted(unknown)}; use one of {PERIODS}")
        # An impossible figure (`check_figures`) is a BadResponse from the provider that built it, so it
        # never replaces the account's last good reading.
        check_figures(self)

    @classmethod
    def empty(cls) -> Reading:
        """Nothing to show: a normal result, not an error."""
        return cls()

    def to_dict(self) -> ReadingDict:
        """The snapshot's `reading` (`tokseg/schema.py`): what renderers, history and `--json` read."""
        out: ReadingDict = {
            "headline": self.headline.to_dict(),
            "balance": [m.to_dict() for m in self.balance],
            "limit": self.limit.to_dict() if self.limit else None,
            "limit_remaining": self.limit_remaining.to_dict() if self.limit_remaining else None,
            "spent": {period: m.to_dict() for period, m in self.spent.items()},
            "tokens": {period: t.to_dict() for period, t in self.tokens.items()},
            "windows": [w.to_dict() for w in self.windows],
            "rate_limits": [r.to_dict() for r in self.rate_limits],
            "models": [m.to_dict() for m in self.models],
            "notes": list(self.notes),
            **self._log_figures(),
        }
        if self.context_pct is not None:  # only the providers that know it write it: other readings stay as they were
            out["context_pct"] = round(self.context_pct, 2)
        return out

    def _log_figures(self) -> dict:
        """Keys only local-log sources fill: absent, not empty, elsewhere (an older snapshot lacks them too)."""
        out: dict = {}
        if self.projects:
            out["projects"] = [p.to_dict() for p in self.projects]
        if self.sessions:
            out["sessions"] = [s.to_dict() for s in self.sessions]
        if self.efficiency:
            out["efficiency"] = [e.to_dict() for e in self.efficiency]
        return out


def check_figures(reading: Reading) -> None:
    """BadResponse naming the first impossible figure: not finite, past MAX_FIGURE, or below zero where
    that cannot be (spend, tokens, limits, used %, rate limits). A balance may be negative: money owed."""
    for index, m in enumerate(reading.balance):
        _figure(f"balance[{index}]", m.amount, signed=True)
    for name, cap in (("limit", reading.limit), ("limit_remaining", reading.limit_remaining)):
        if cap is not None:
            _figure(name, cap.amount)
    for period, m in reading.spent.items():
        _figure(f"spent.{period}", m.amount)
    for period, t in reading.tokens.items():
        _tokens(f"tokens.{period}", t)
    _check_limits(reading)
    if reading.context_pct is not None:
        _figure("context_pct", reading.context_pct)
    for u in reading.models:
        if u.spent is not None:
            _figure(f"model {u.model} spent.{u.period}", u.spent.amount)
        if u.tokens is not None:
            _tokens(f"model {u.model} tokens.{u.period}", u.tokens)
    groups = [(f"project {p.project}", p.usage) for p in reading.projects]
    groups += [(f"session {s.session}", s.usage) for s in reading.sessions]
    for name, usage in groups:
        if usage.spent is not None:
            _figure(f"{name} spent", usage.spent.amount)
        _tokens(f"{name} tokens", usage.tokens)


def _check_limits(reading: Reading) -> None:
    """Windows (used %, reset time, length) and rate-limit buckets."""
    for w in reading.windows:
        _figure(f"window {w.name} used_pct", w.used_pct)
        for label, value in (("resets_at", w.resets_at), ("length_s", w.length_s)):
            if value is not None:
                _figure(f"window {w.name} {label}", value)
    for r in reading.rate_limits:
        _figure(f"rate limit {r.name} limit", r.limit)
        _figure(f"rate limit {r.name} remaining", r.remaining)


def _tokens(name: str, tokens: Tokens) -> None:
    for part in ("input", "output", "cache_read", "cache_write"):
        _figure(f"{name}.{part}", getattr(tokens, part))
    _figure(f"{name}.total", tokens.total)


def _figure(name: str, value: object, *, signed: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadResponse(f"impossible figure in the answer: {name} is not a number ({type(value).__name__})")
    if not math.isfinite(value) or abs(value) > MAX_FIGURE:
        raise BadResponse(f"impossible figure in the answer: {name} = {value:g} (not finite or over {MAX_FIGURE:g})")
    if value < 0 and not signed:
        raise BadResponse(f"impossible figure in the answer: {name} = {value:g} (cannot be negative)")
