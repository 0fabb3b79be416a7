"""Spend per project, git branch and session, and the efficiency figures, from an index (refresher only).

Every winning request counts in exactly one project and one session, so
each list adds up to the account's totals for its period. The snapshot is
read at every render, so the lists are capped: past the cap, the smallest
groups are summed into one "(other …)" entry, which keeps the sums whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tokseg.reading import BranchUsage, Efficiency, Money, ProjectUsage, SessionUsage, Tokens, Usage
from tokseg.sources import _projects
from tokseg.sources._index import Group, Index, Totals

PERIODS = ("today", "month")
MAX_PROJECTS = 20
MAX_BRANCHES = 5
MAX_SESSIONS = 20
OTHER_PROJECTS, OTHER_BRANCHES, OTHER_SESSIONS = "(other projects)", "(other branches)", "(other sessions)"
NO_SESSION = "(no session)"  # requests whose log names no session
ZERO = Totals(0, 0, 0, 0, 0, 0, 0.0, 0)


def add(a: Totals, b: Totals) -> Totals:
    return Totals._make(x + y for x, y in zip(a, b))


def usage(t: Totals) -> Usage:
    """A group's sums; spend only when some request in it has a price (the rest are counted, not priced)."""
    tokens = Tokens(input=t.uncached, output=t.output, cache_read=t.cache_read, cache_write=t.write_5m + t.write_1h)
    return Usage(t.requests, tokens, None if t.unpriced == t.requests else Money(t.cost))


def _weight(t: Totals) -> tuple[float, int]:
    return (t.cost, t.uncached + t.cache_read + t.write_5m + t.write_1h + t.output)


@dataclass
class _Project:
    found: _projects.Project
    totals: Totals = ZERO
    branches: dict[str, Totals] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)


@dataclass
class _Session:
    totals: Totals = ZERO
    first: float = float("inf")
    last: float = 0.0
    places: dict[tuple[str, str], Totals] = field(default_factory=dict)  # (project name, branch) -> sums


def breakdown(index: Index, periods: dict[str, float | None], now: float
              ) -> tuple[tuple[ProjectUsage, ...], tuple[SessionUsage, ...]]:
    """Projects (with their branches) and sessions for today and this month."""
    projects: list[ProjectUsage] = []
    sessions: list[SessionUsage] = []
    for period in PERIODS:
        since = periods.get(period)
        if since is None:
            continue
        groups = index.groups(since, now, ("project", "branch", "session"))
        by_root, by_session = _collect(groups)
        projects.extend(_projects_of(period, by_root))
        sessions.extend(_sessions_of(period, by_session))
    return tuple(projects), tuple(sessions)


def _collect(groups: Iterable[Group]) -> tuple[dict[str, _Project], dict[str, _Session]]:
    by_root: dict[str, _Project] = {}
    by_session: dict[str, _Session] = {}
    for group in groups:
        cwd, branch, session = group.values
        found = _projects.resolve(cwd)
        project = by_root.setdefault(found.root, _Project(found))
        project.totals = add(project.totals, group.totals)
        if branch:
            project.branches[branch] = add(project.branches.get(branch, ZERO), group.totals)
        if session:
            project.sessions.add(session)
        one = by_session.setdefault(session, _Session())
        one.totals = add(one.totals, group.totals)
        one.first, one.last = min(one.first, group.first), max(one.last, group.last)
        place = (found.name, branch)
        one.places[place] = add(one.places.get(place, ZERO), group.totals)
    return by_root, by_session


def _projects_of(period: str, by_root: dict[str, _Project]) -> list[ProjectUsage]:
    ranked = sorted(by_root.values(), key=lambda p: (*(-x for x in _weight(p.totals)), p.found.name, p.found.root))
    kept, rest = ranked[:MAX_PROJECTS - 1], ranked[MAX_PROJECTS - 1:]
    if len(rest) == 1:
        kept, rest = ranked, []
    out = [ProjectUsage(p.found.name, p.found.root, period, usage(p.totals), len(p.sessions), p.found.remote,
                        _branches(p.branches)) for p in kept]
    if rest:
        total = ZERO
        for p in rest:
            total = add(total, p.totals)
        out.append(ProjectUsage(OTHER_PROJECTS, "", period, usage(total), sum(len(p.sessions) for p in rest)))
    return out


def _branches(branches: dict[str, Totals]) -> tuple[BranchUsage, ...]:
    ranked = sorted(branches.items(), key=lambda kv: (*(-x for x in _weight(kv[1])), kv[0]))
    if len(ranked) <= MAX_BRANCHES:
        return tuple(BranchUsage(name, usage(t)) for name, t in ranked)
    rest = ZERO
    for _, t in ranked[MAX_BRANCHES - 1:]:
        rest = add(rest, t)
    kept = [BranchUsage(name, usage(t)) for name, t in ranked[:MAX_BRANCHES - 1]]
    return (*kept, BranchUsage(OTHER_BRANCHES, usage(rest)))


def _sessions_of(period: str, by_session: dict[str, _Session]) -> list[SessionUsage]:
    """Costliest first; a session's project and branch are where most of its tokens went."""
    ranked = sorted(by_session.items(), key=lambda kv: (*(-x for x in _weight(kv[1].totals)), -kv[1].last, kv[0]))
    kept, rest = ranked[:MAX_SESSIONS - 1], ranked[MAX_SESSIONS - 1:]
    if len(rest) == 1:
        kept, rest = ranked, []
    out = []
    for session, one in kept:
        (name, branch), _ = max(one.places.items(), key=lambda kv: (_weight(kv[1])[1], kv[0]))
        out.append(SessionUsage(session or NO_SESSION, name, period, usage(one.totals), branch, one.first, one.last))
    if rest:
        total = ZERO
        for _, one in rest:
            total = add(total, one.totals)
        out.append(SessionUsage(OTHER_SESSIONS, "", period, usage(total)))
    return out


def efficiency(period: str, rows: Iterable[Totals]) -> Efficiency | None:
    """Cache leverage, cost per priced request and output share of a period's requests; None without any."""
    t = ZERO
    for row in rows:
        t = add(t, row)
    if not t.requests:
        return None
    inputs = t.uncached + t.cache_read + t.write_5m + t.write_1h
    priced = t.requests - t.unpriced
    return Efficiency(period, t.requests,
                      cache_leverage=t.cache_read / inputs if inputs else None,
                      cost_per_request=Money(t.cost / priced) if priced else None,
                      output_share=t.output / (inputs + t.output) if inputs + t.output else None)
