"""Demo: synthetic, time-driven accounts so a newcomer sees a live segment with no key.

Options:
    kind: "prepaid", "subscription", "coding_plan", "session", "postpaid", "flaky", "revoked" or "agent"
        (default "prepaid")
    speed: how many times faster than real time the figures move (default 1.0)
    currency: currency of the money figures (default "USD")
    delay: seconds each fetch takes, like a slow provider (default 0.0)
Reports:
    prepaid: a balance that drains and is topped up; spend today
    subscription: a 5-hour and a 7-day window (with their lengths) that fill and reset
    coding_plan: per-model windows as coding plans report them (MiniMax, Z.ai): `m2`, a
        5-hour interval, and `m2.week`; the fullest is the headline
    session: a balance read through a web session (as nebius, perplexity and mistral are) that
        expires now and then and needs reconnecting
    postpaid: spend today and this month, tokens today
    flaky: a draining balance, and a simulated outage or rate limit now and then
    revoked: nothing; its key is always refused, to show how a dead key looks
    agent: what a coding agent's local logs give: spend and tokens today, this week and this month,
        per model, per project (with branches), per session, and the efficiency figures
Needs:
    nothing
Errors:
    flaky raises ServerError or RateLimited on a fixed share of time slots;
    session raises AuthError (an expired session, with the reconnect command) on a fixed share;
    revoked always raises AuthError
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tokseg.errors import AuthError, RateLimited, ServerError
from tokseg.providers._base import Ctx
from tokseg.reading import (
    BranchUsage,
    Efficiency,
    Headline,
    ModelUsage,
    Money,
    ProjectUsage,
    Reading,
    SessionUsage,
    Tokens,
    Usage,
    Window,
)

NAME, TITLE = "demo", "Demo"
SECRET = None

FIVE_HOURS, SEVEN_DAYS, DAY = 5 * 3600, 7 * 86400, 86400
START_BALANCE, TOP_UP_AT, DRAIN_PER_HOUR = 25.0, 2.0, 0.9
SPEND_PER_HOUR = 1.35
FLAKY_SLOT_S = 20


@dataclass(frozen=True)
class Options:
    kind: str = "prepaid"
    speed: float = 1.0
    currency: str = "USD"
    delay: float = 0.0


CHOICES = {"kind": ("prepaid", "subscription", "coding_plan", "session", "postpaid", "flaky", "revoked", "agent")}
# The agent kind's shares of its spend: models, and projects with their branches.
AGENT_MODELS = (("claude-sonnet-4-5", 0.62), ("claude-opus-4-1", 0.29), ("claude-haiku-4-5", 0.09))
AGENT_PROJECTS = (("shop-api", 0.55, (("main", 0.35), ("feature/cart", 0.20))), ("docs", 0.27, (("main", 0.27),)),
                  ("infra", 0.18, (("main", 0.18),)))
AGENT_SPEND_PER_HOUR = 0.85
AGENT_SESSION_EVERY_S = 4 * 3600  # a session starts every four hours and lasts SESSION_LENGTH_S
AGENT_SESSION_LENGTH_S = 50 * 60
AGENT_SESSIONS_SHOWN = 8
TOKENS_PER_DOLLAR = 240_000
SESSION_SLOT_S = 90  # one slot in six the demo session has expired


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    if opts.delay > 0:
        time.sleep(opts.delay)
    now = ctx.now()
    if opts.kind == "revoked":
        raise AuthError("demo: the key was refused (HTTP 401); in real life: `tokseg add` a new one")
    if opts.kind == "flaky":
        _maybe_fail(now)
    if opts.kind == "session" and int(now // SESSION_SLOT_S) % 6 == 5:
        raise AuthError("demo: the web session expired; in real life reconnect in a minute: "
                        "`tokseg add nebius --name NAME --reconnect`")
    builder = {"prepaid": _prepaid, "flaky": _prepaid, "session": _session, "subscription": _subscription,
               "coding_plan": _coding_plan, "postpaid": _postpaid, "agent": _agent}
    return builder[opts.kind](now, opts)


def _prepaid(now: float, opts: Options) -> Reading:
    drained = (now * opts.speed / 3600 * DRAIN_PER_HOUR) % (START_BALANCE - TOP_UP_AT)
    today = _since_midnight(now) * opts.speed / 3600 * DRAIN_PER_HOUR % (START_BALANCE - TOP_UP_AT)
    return Reading(
        headline=Headline("balance"),
        balance=(Money(START_BALANCE - drained, opts.currency),),
        spent={"today": Money(today, opts.currency)},
    )


def _subscription(now: float, opts: Options) -> Reading:
    def window(name: str, length: int) -> Window:
        position = (now * opts.speed) % length
        return Window(name, 100.0 * position / length, now + (length - position) / opts.speed, length / opts.speed)

    return Reading(headline=Headline("window", "5h"), windows=(window("5h", FIVE_HOURS), window("7d", SEVEN_DAYS)))


def _session(now: float, opts: Options) -> Reading:
    """Another prepaid balance, drained on its own schedule so it does not mirror `prepaid`'s."""
    return _prepaid(now + 11 * 3600 / max(opts.speed, 1e-9), opts)


def _coding_plan(now: float, opts: Options) -> Reading:
    interval = (now * opts.speed * 1.3) % FIVE_HOURS
    week = (now * opts.speed) % SEVEN_DAYS
    windows = (Window("m2", 100.0 * interval / FIVE_HOURS, now + (FIVE_HOURS - interval) / opts.speed),
               Window("m2.week", 100.0 * week / SEVEN_DAYS, now + (SEVEN_DAYS - week) / opts.speed,
                      SEVEN_DAYS / opts.speed))
    fullest = max(windows, key=lambda w: w.used_pct)
    return Reading(headline=Headline("window", fullest.name), windows=windows)


def _postpaid(now: float, opts: Options) -> Reading:
    hours_today = _since_midnight(now) / 3600 * min(opts.speed, 24.0)
    today = hours_today * SPEND_PER_HOUR
    day_of_month = time.gmtime(now).tm_mday
    month = (day_of_month - 1) * 24 * SPEND_PER_HOUR * 0.8 + today
    tokens = int(today * 180_000)
    return Reading(
        headline=Headline("spent", "today"),
        spent={"today": Money(today, opts.currency), "month": Money(month, opts.currency)},
        tokens={"today": Tokens(input=tokens, output=tokens // 6, cache_read=tokens * 3)},
    )


def _agent(now: float, opts: Options) -> Reading:
    """Spend that grows through each day, week and month, split by fixed shares, as a log source reports it."""
    day = now - _since_midnight(now)
    starts = {"today": day, "week": day - time.gmtime(now).tm_wday * DAY,
              "month": day - (time.gmtime(now).tm_mday - 1) * DAY}
    models, projects, sessions, efficiency, spent, tokens = [], [], [], [], {}, {}
    for period, start in starts.items():
        total = opts.speed * _agent_spend(start, now)
        spent[period], tokens[period] = Money(total, opts.currency), _agent_tokens(total)
        models += [ModelUsage(model, period, Money(total * share, opts.currency), _agent_tokens(total * share))
                   for model, share in AGENT_MODELS]
        projects += [ProjectUsage(name, f"/home/dev/{name}", period, _usage(total * share, opts),
                                  sessions=len(branches), branches=tuple(BranchUsage(branch, _usage(total * part, opts))
                                                 for branch, part in branches))
                     for name, share, branches in AGENT_PROJECTS]
        sessions += _agent_sessions(now, start, period, opts)
        requests = _usage(total, opts).requests
        per_request = Money(total / requests, opts.currency) if requests else None
        efficiency.append(Efficiency(period, requests, 0.91, per_request, 0.013))
    return Reading(headline=Headline("spent", "today"), spent=spent, tokens=tokens, models=tuple(models),
                   projects=tuple(projects), sessions=tuple(sessions), efficiency=tuple(efficiency))


def _agent_spend(start: float, now: float) -> float:
    """Spend from `start` (a midnight) to `now` at the agent's rate, busier on some days than on others."""
    total, day = 0.0, start
    while day < now:
        weight = 0.35 + (int(day // DAY) * 37 % 11) / 10
        total += min(DAY, now - day) / 3600 * AGENT_SPEND_PER_HOUR * weight
        day += DAY
    return total


def _agent_tokens(dollars: float) -> Tokens:
    total = int(dollars * TOKENS_PER_DOLLAR)
    return Tokens(input=total // 20, output=total // 75, cache_read=total * 4 // 5, cache_write=total // 10)


def _usage(dollars: float, opts: Options) -> Usage:
    return Usage(requests=int(dollars * 25), tokens=_agent_tokens(dollars), spent=Money(dollars, opts.currency))


def _agent_sessions(now: float, start: float, period: str, opts: Options) -> list[SessionUsage]:
    """The latest sessions that began in the period, each on a project in turn; one may still run."""
    first = start + (-start) % AGENT_SESSION_EVERY_S
    begins = [first + i * AGENT_SESSION_EVERY_S for i in range(int((now - first) // AGENT_SESSION_EVERY_S) + 1)]
    out = []
    for began in begins[-AGENT_SESSIONS_SHOWN:]:
        if began > now:
            continue
        slot = int(began // AGENT_SESSION_EVERY_S)
        name, _, branches = AGENT_PROJECTS[slot % len(AGENT_PROJECTS)]
        ended = min(now, began + AGENT_SESSION_LENGTH_S * (0.5 + slot % 3 * 0.4))
        dollars = (ended - began) * opts.speed / 3600 * AGENT_SPEND_PER_HOUR * 2.5
        out.append(SessionUsage(f"demo-{slot:x}", name, period, _usage(dollars, opts),
                                branch=branches[slot % len(branches)][0], first=began, last=ended))
    return out


def _since_midnight(now: float) -> float:
    return now % DAY


def _maybe_fail(now: float) -> None:
    slot = int(now // FLAKY_SLOT_S) % 6
    if slot == 4:
        raise ServerError("demo: simulated provider outage (HTTP 503)")
    if slot == 5:
        raise RateLimited("demo: simulated rate limit (HTTP 429)", retry_after=FLAKY_SLOT_S)
