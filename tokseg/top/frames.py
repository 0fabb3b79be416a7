"""The dashboard's views as lines of text with a style each: what `--once` prints and the app paints.

A line is (text, style); the style names a state (`ok`, `warn`, `crit`,
`stale`, `error`, `pending`) or `head`, `dim`, `sel`, and the app picks the
theme's colour for it. Text from providers and logs passes through
`safe_text.visible` here, before any width is counted.
"""

from __future__ import annotations

import functools
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from tokseg import safe_text
from tokseg.render import numbers
from tokseg.render import view as views
from tokseg.top import board as boards
from tokseg.top import chart

if TYPE_CHECKING:
    from tokseg.schema import ReadingDict, ViewItem
    from tokseg.top.board import Board

Line = tuple[str, str]
VIEWS = ("accounts", "trends", "breakdown", "sessions", "efficiency")
PERIODS = ("today", "week", "month")
BY = ("model", "project", "agent")
KEYS = "r refresh  1-5 views  t period  b by  / filter  ↑↓ account  ? help  q quit"
HELP = (
    ("r", "refresh now: starts the refresher in the background; the figures update when it has written them"),
    ("1-5", "views: accounts, trends, breakdown, sessions, efficiency"),
    ("t", "period: today, this week, this month (trends: the last 7, 30 or 90 days)"),
    ("b", "breakdown by model, by project or by agent"),
    ("/", "filter by name (account, model, project); Enter keeps it, Escape clears it"),
    ("↑ ↓", "select an account: its gauges, forecast, error and the fix show below the table"),
    ("d", "light or dark theme"),
    ("?", "this help"),
    ("q", "quit"),
)


@dataclass
class Choice:
    """What the user picked: the view, the period (its index also picks the trend span), the breakdown, a filter."""

    view: str = "accounts"
    period: int = 0
    by: str = "model"
    filter: str = ""
    selected: int = 0
    blocks: bool = True  # the terminal shows block characters; else gauges and charts are drawn in ASCII

    def period_name(self) -> str:
        return PERIODS[self.period % len(PERIODS)]

    def span_days(self) -> int:
        return boards.SPAN_DAYS[self.period % len(boards.SPAN_DAYS)]

    def matches(self, *names: str) -> bool:
        wanted = self.filter.strip().lower()
        return not wanted or any(wanted in name.lower() for name in names)


def frame(board: Board, choice: Choice, width: int, height: int = 24) -> list[Line]:
    """The whole screen as text: the tabs, the chosen view, the keys."""
    return [*header(board, choice, width), *body(board, choice, width, height - 3), (chart.cut(KEYS, width), "dim")]


def header(board: Board, choice: Choice, width: int) -> list[Line]:
    tabs = "  ".join(f"[{i} {name.title()}]" if name == choice.view else f" {i} {name.title()} "
                     for i, name in enumerate(VIEWS, 1))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(board.view["now"]))
    period = f"last {choice.span_days()} days" if choice.view == "trends" else choice.period_name()
    facts = [when, period] + ([f"by {choice.by}"] if choice.view == "breakdown" else [])
    facts += [f"filter: {choice.filter}"] if choice.filter else []
    return [(chart.cut(f"tokseg top {tabs}", width), "head"), (chart.cut(" · ".join(facts), width), "dim")]


def body(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    view = board.view
    if view["missing"]:
        return [("no snapshot yet: press r to refresh, or run `tokseg refresh`", "dim")]
    error = view.get("config_error")
    out: list[Line] = [(chart.cut(safe_text.visible(f"config: {error}"), width), "error")] if error else []
    drawers = {"accounts": accounts, "trends": trends, "breakdown": breakdown, "sessions": sessions,
               "efficiency": efficiency}
    return out + drawers[choice.view](board, choice, width, height)


def shown(board: Board, choice: Choice) -> list[ViewItem]:
    """The accounts the filter lets through."""
    return [item for item in board.view["accounts"] if choice.matches(item["name"], item["label"],
                                                                      item["provider"] or "")]


def accounts(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    """One row per account, then the gauges, forecast and error of the selected one (of every one in `--once`,
    where nothing is selected: `selected` -1)."""
    items = shown(board, choice)
    if not items:
        return [("no account matches the filter" if choice.filter else "no accounts configured: `tokseg add`", "dim")]
    now = board.view["now"]
    header_row = ["ACCOUNT", "PROV", "KEY", "STATE", "HEADLINE", "TODAY", "MONTH", "AGE", "NEXT"]
    rows = [_account_row(board, item, now) for item in items]
    lines = chart.table(header_row, rows, width, shrink={0: 8, 1: 4, 2: 11, 3: 13, 4: 6}, right=(5, 6))
    out: list[Line] = [(lines[0], "head")]
    selected = min(choice.selected, len(items) - 1)
    for i, (text, item) in enumerate(zip(lines[1:], items)):
        out.append((text, "sel" if i == selected else item["state"]))
    for i, item in enumerate(items):
        block = details(board, item, width, choice.blocks)
        if i == selected or (choice.selected < 0 and len(block) > 1):  # --once: each account that has details
            out += block
    return out


def _account_row(board: Board, item: ViewItem, now: float) -> list[str]:
    spent = _reading(item).get("spent") or {}
    kind = views.error_kind(item)
    state = f"{item['state']} {kind}" if kind else item["state"]
    entry = _entry(board, item["name"])
    return [item["label"], item["provider"] or "?", board.keys.get(item["name"], "?"), state,
            item["headline"] or "–", _money(spent.get("today")), _money(spent.get("month")),
            numbers.duration(item["age_s"]) if item["age_s"] is not None else "–",
            _next(entry.get("next_due"), entry.get("status"), now)]


def _reading(item: ViewItem) -> ReadingDict:
    """The account's reading, or an empty one (every reader uses `.get`) when it has none yet."""
    return item["reading"] or cast("ReadingDict", {})


def _entry(board: Board, name: str) -> dict[str, Any]:
    """The account's snapshot entry (its schedule: next_due, status), empty when there is none."""
    accounts = board.snapshot["accounts"] if board.snapshot else {}
    return dict(accounts.get(name) or {})


def _money(figure: object) -> str:
    if isinstance(figure, dict):
        return numbers.money(figure["amount"], figure["currency"])
    return "–"


def _next(due: float | None, status: str | None, now: float) -> str:
    if status == "parked":
        return "parked"
    if due is None:
        return "–"
    return "due" if due <= now else numbers.duration(due - now)


def details(board: Board, item: ViewItem, width: int, blocks: bool = True) -> list[Line]:
    """The selected account's gauges (windows, limit, budgets) with pace, its forecast, error and fix."""
    gauge = functools.partial(chart.gauge, blocks=blocks)
    now, reading = board.view["now"], _reading(item)
    title = item["label"] if item["label"] == item["name"] else f"{item['label']} ({item['name']})"
    out: list[Line] = [(chart.cut(safe_text.visible(f"▸ {title}"), width), item["state"])]
    for window in reading.get("windows") or ():
        pace = views.window_pace(window, now)
        text = f"{gauge(window['used_pct'], label=False)} {numbers.window_text(window, now)}"
        out.append((chart.cut(safe_text.visible(f"    {text}" + (f" · pace {numbers.pace_text(pace)}"
                                                                   if pace is not None else "")), width), ""))
    for what, text in _limit_and_budgets(item, reading, gauge):
        out.append((chart.cut(safe_text.visible(f"    {what:<8} {text}"), width), ""))
    forecast = item.get("forecast")
    if forecast:
        parts = [numbers.forecast_text(forecast, now), f"burn {numbers.burn_text(forecast)}"]
        out.append((chart.cut("    forecast " + " · ".join(p for p in parts if p), width), ""))
    error = item["error"]
    if error:
        out += [(text, "error") for text in _wrapped(f"{error['kind']}: {error['message']}", width)]
        out += [(text, "") for text in _wrapped(f"fix: {_fix(board, item)}", width)]
    return out


def _wrapped(text: str, width: int) -> list[str]:
    """A long message (an error, its fix) on as many lines as it takes, indented under its account."""
    return textwrap.wrap(safe_text.visible(text), max(20, width), initial_indent="    ", subsequent_indent="      ",
                         break_on_hyphens=False)


def _limit_and_budgets(item: ViewItem, reading: ReadingDict, gauge: Callable[..., str]) -> list[tuple[str, str]]:
    rows = []
    limit, left = reading.get("limit"), reading.get("limit_remaining")
    if limit and left and limit["amount"] > 0 and limit["currency"] == left["currency"]:
        rows.append(("limit", f"{gauge(100.0 * (1 - left['amount'] / limit['amount']))} "
                              f"{numbers.money(left['amount'], left['currency'])} left"))
    for check in item.get("budget") or ():
        pct = check.get("pct")
        used = f"{check['used']:.2f} of {check['limit']:.2f} {check['unit']}" if check["limit"] else ""
        rows.append((f"budget {check['rule']}", f"{gauge(pct)} {used}" if pct is not None else used))
    return rows


def _fix(board: Board, item: ViewItem) -> str:
    from tokseg import doctor

    entry = _entry(board, item["name"])
    return doctor.fix_for(views.error_kind(item), item["name"], item["provider"] or "", entry, board.view["now"])


def trends(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    """Cost per day over the span: a chart per currency of all shown accounts, then a sparkline per account."""
    days = boards.last_days(board.view["now"], choice.span_days())
    names = {item["name"] for item in shown(board, choice)}
    series = {key: per_day for key, per_day in board.days.items() if key[0] in names}
    if board.history_error:
        return [(chart.cut(safe_text.visible(board.history_error), width), "error")]
    if not series:
        return [("no cost recorded yet: the refresher records each reading it takes", "dim")]
    out: list[Line] = []
    currencies = sorted({currency for _, currency in series})
    chart_height = max(3, min(10, (height - 4 * len(currencies) - len(series)) // len(currencies)))
    for currency in currencies:
        total = [sum(per_day.get(day, 0.0) for (_, c), per_day in series.items() if c == currency) for day in days]
        summed = sum(total)
        out.append((chart.cut(f"{currency} · all accounts · {numbers.money(summed, currency)} in {len(days)} days · "
                              f"{numbers.money(summed / len(days), currency)}/day on average", width), "head"))
        out += [(line, "") for line in chart.bars(days, total, currency, width, chart_height, choice.blocks)]
    out.append(("per account: the span's cost, the daily trend, burn and forecast", "head"))
    out += _trend_rows(board, series, days, width, choice.blocks)
    return out


def _trend_rows(board: Board, series: dict, days: list[str], width: int, blocks: bool) -> list[Line]:
    from tokseg import history

    by_name = {item["name"]: item for item in board.view["accounts"]}
    rows = []
    for (account, currency), per_day in sorted(series.items()):
        values = [per_day.get(day, 0.0) for day in days]
        item = by_name[account]
        forecast = item.get("forecast")
        burn = " · ".join(p for p in (f"burn {numbers.burn_text(forecast)}" if forecast else "",
                                      numbers.forecast_text(forecast, board.view["now"])) if p)
        trend = history.spark(values[-30:]) if blocks else ""
        rows.append([item["label"], trend, numbers.money(sum(values), currency), burn])
    lines = chart.table(["ACCOUNT", "TREND", "COST", "BURN"], rows, width, {0: 8, 3: 10}, right=(2,))
    return [(line, "") for line in lines[1:]]


def breakdown(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    """Spend and tokens of the period per model, per project (with its branches) or per agent (account)."""
    period, rows = choice.period_name(), []
    for item in shown(board, choice):
        reading = _reading(item)
        if choice.by == "model":
            rows += [[u["model"], item["label"], _money(u["spent"]), _tokens(u["tokens"])]
                     for u in reading.get("models") or () if u["period"] == period and choice.matches(u["model"])]
        elif choice.by == "project":
            for p in reading.get("projects") or ():
                if p["period"] == period and choice.matches(p["project"]):
                    rows.append([p["project"], item["label"], _money(p["spent"]), _tokens(p["tokens"])])
                    rows += [[f"  └ {b['branch']}", "", _money(b["spent"]), _tokens(b["tokens"])]
                             for b in p["branches"]]
        elif (reading.get("spent") or {}).get(period) or (reading.get("tokens") or {}).get(period):
            rows.append([item["label"], item["provider"] or "?", _money((reading.get("spent") or {}).get(period)),
                         _tokens((reading.get("tokens") or {}).get(period))])
    if not rows:
        return [(f"nothing reported per {choice.by} for {period}", "dim")]
    name = {"model": "MODEL", "project": "PROJECT", "agent": "ACCOUNT"}[choice.by]
    header_row = [name, "PROVIDER" if choice.by == "agent" else "ACCOUNT", "SPENT", "TOKENS"]
    lines = chart.table(header_row, rows, width, shrink={0: 12, 1: 8}, right=(2, 3))
    return [(lines[0], "head"), *((line, "") for line in lines[1:])]


def _tokens(tokens: object) -> str:
    return f"{tokens['total']:,}" if isinstance(tokens, dict) else "–"


def sessions(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    """The coding-agent sessions of the period, the latest first: project, branch, tokens, cost, duration."""
    period, found = choice.period_name(), []
    for item in shown(board, choice):
        found += [(s, item) for s in _reading(item).get("sessions") or ()
                  if s["period"] == period and choice.matches(s["project"], s["branch"], s["session"])]
    if not found:
        return [(f"no agent sessions for {period}", "dim")]
    found.sort(key=lambda pair: -(pair[0]["last"] or 0.0))
    rows = []
    for s, item in found:
        took = numbers.duration(s["last"] - s["first"]) if s["first"] and s["last"] else "–"
        began = time.strftime("%m-%d %H:%M", time.localtime(s["first"])) if s["first"] else "–"
        rows.append([began, s["project"], s["branch"] or "–", item["label"], f"{s['requests']:,}",
                     _tokens(s["tokens"]), _money(s["spent"]), took])
    lines = chart.table(["STARTED", "PROJECT", "BRANCH", "ACCOUNT", "REQ", "TOKENS", "COST", "TOOK"], rows, width,
                        shrink={1: 8, 2: 6, 3: 6}, right=(4, 5, 6, 7))
    return [(lines[0], "head"), *((line, "") for line in lines[1:])]


def efficiency(board: Board, choice: Choice, width: int, height: int) -> list[Line]:
    """Cache leverage, cost per request and output share per account for the period, where the logs give them."""
    period, rows = choice.period_name(), []
    for item in shown(board, choice):
        for e in _reading(item).get("efficiency") or ():
            if e["period"] == period:
                rows.append([item["label"], f"{e['requests']:,}", _share(e["cache_leverage"]),
                             _money(e["cost_per_request"]), _share(e["output_share"])])
    if not rows:
        return [(f"no efficiency figures for {period}: only local agent logs give them", "dim")]
    lines = chart.table(["ACCOUNT", "REQUESTS", "CACHE READS", "PER REQUEST", "OUTPUT SHARE"], rows, width, {0: 8},
                        right=(1, 2, 3, 4))
    notes = ["cache reads: share of input served from the cache (higher is cheaper)",
             "output share: output tokens of all tokens"]
    return [(lines[0], "head"), *((line, "") for line in lines[1:]), *((chart.cut(n, width), "dim") for n in notes)]


def _share(value: float | None) -> str:
    return numbers.percent(100 * value) if value is not None else "–"


def help_lines(width: int) -> list[Line]:
    out: list[Line] = [("keys", "head")]
    for key, what in HELP:
        out += [(line, "") for line in textwrap.wrap(what, max(20, width), initial_indent=f"  {key:<4} ",
                                                     subsequent_indent=" " * 7)]
    return out
