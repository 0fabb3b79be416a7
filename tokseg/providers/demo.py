"""Demo: synthetic, time-driven accounts so a newcomer sees a live segment with no key.

Options:
    kind: "prepaid", "subscription", "coding_plan", "session", "postpaid", "flaky" or "revoked"
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
from tokseg.reading import Headline, Money, Reading, Tokens, Window

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


CHOICES = {"kind": ("prepaid", "subscription", "coding_plan", "session", "postpaid", "flaky", "revoked")}
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
               "coding_plan": _coding_plan, "postpaid": _postpaid}
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


def _since_midnight(now: float) -> float:
    return now % DAY


def _maybe_fail(now: float) -> None:
    slot = int(now // FLAKY_SLOT_S) % 6
    if slot == 4:
        raise ServerError("demo: simulated provider outage (HTTP 503)")
    if slot == 5:
        raise RateLimited("demo: simulated rate limit (HTTP 429)", retry_after=FLAKY_SLOT_S)
