"""`tokseg history`: what the refresher recorded, per metric with a sparkline, per day, or per model."""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime

import click

from tokseg import forecast, history, safe_text
from tokseg.cli.completion import account_names
from tokseg.render import numbers

SPAN_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
UNIT_S = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
TREND_WIDTH = 20
BAR_WIDTH = 12
# Which of a model's period counters --by model reads: the longest first. A model stays in every
# month reading once used that month, while it drops out of "today" on days it is idle, and a
# counter that comes back after a gap above its old value would hide the use in between.
COUNTER_ORDER = ("month", "week", "today", "block", "session")
GROUP_BY = {"model": history.MODEL_PREFIX, "project": history.PROJECT_PREFIX}  # --by value -> metric prefix


class Since(click.ParamType):
    """`7d`, `24h`, `90m`, `2w`, or a date `2026-11-01`: becomes an epoch time."""

    name = "since"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        match = SPAN_RE.match(text)
        if match:
            return time.time() - float(match.group(1)) * UNIT_S[match.group(2)]
        try:
            return datetime.fromisoformat(text).timestamp()
        except ValueError:
            self.fail(f"{text!r} is neither a span like 7d, 24h, 30m, 2w nor a date like 2026-11-01", param, ctx)


def value_text(value: float, unit: str) -> str:
    if unit == "%":
        return numbers.percent(value)
    if unit == "tokens":
        return f"{value:,.0f}"
    return numbers.money(value, unit)


@click.command("history")
@click.argument("account", required=False, shell_complete=account_names)
@click.option("--since", "since", type=Since(), default="7d", show_default=True,
              help="How far back: 7d, 24h, 2w or a date.")
@click.option("--by", "by", type=click.Choice(["metric", "day", "model", "project"]), default="metric",
              show_default=True, help="One row per metric with a sparkline, per day, per model, or per project "
                                      "(local-log accounts: the repo the agent worked in).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def history_cmd(account: str | None, since: float, by: str, as_json: bool) -> None:
    """Show recorded readings: latest value, use over the span, burn per hour and a trend.

    Per-model figures appear only with `--by model`: spend and tokens each
    model used over the span; `--by project` does the same per project.
    """
    if not history.db_path().exists() and not as_json:  # --json: the same document, with no rows
        raise click.ClickException("no history yet; the refresher records each reading it takes (`tokseg refresh`)")
    now = time.time()
    grouped = {}
    if history.db_path().exists():
        with history.opened() as conn:
            grouped = _grouped(history.samples(conn, since, account))
    if account and not grouped and not as_json:
        raise click.ClickException(f"no history for account {account!r} since {_date(since)}; see `tokseg history`")
    overall = {key: points for key, points in grouped.items() if not history.is_group_metric(key[1])}
    if by in GROUP_BY:
        rows = by_model(grouped, by)
    else:
        rows = _by_metric(overall, now) if by == "metric" else _by_day(overall)
    if as_json:
        click.echo(json.dumps(safe_text.json_safe({"schema": 1, "since": round(since, 3), "by": by, "rows": rows}),
                              ensure_ascii=False))
        return
    if not rows:
        click.echo(f"nothing recorded{f' per {by}' if by in GROUP_BY else ''} since {_date(since)}")
        return
    click.echo("\n".join(safe_text.visible(row) for row in _table(rows, by).split("\n")))


def _grouped(rows: list[tuple]) -> dict[tuple[str, str, str], list[history.Point]]:
    grouped: dict[tuple[str, str, str], list[history.Point]] = {}
    for ts, account, metric, unit, value in rows:
        grouped.setdefault((account, metric, unit), []).append((ts, value))
    return grouped


def _by_metric(grouped: dict, now: float) -> list[dict]:
    rows = []
    for (account, metric, unit), points in grouped.items():
        drain = metric in forecast.DRAINS
        rate = forecast.burn(points, drain)
        values = [v for _, v in points]
        rows.append({"account": account, "metric": metric, "unit": unit, "samples": len(points),
                     "last": values[-1], "min": min(values), "max": max(values),
                     "used": round(forecast.use(points, drain), 6),
                     "per_hour": None if rate is None else round(rate[0], 6),
                     "trend": history.spark(history.bucketed(points, min(points[0][0], now - 1), now, TREND_WIDTH))})
    return rows


def _by_day(grouped: dict) -> list[dict]:
    rows = []
    for (account, metric, unit), points in grouped.items():
        days: dict[str, dict] = {}
        for ts, value in points:
            day = days.setdefault(_date(ts), {"used": 0.0, "last": value})
            day["last"] = value
        for ts, used in forecast.steps(points, metric in forecast.DRAINS):
            days[_date(ts)]["used"] += used
        rows += [{"day": day, "account": account, "metric": metric, "unit": unit, "used": round(d["used"], 6),
                  "last": d["last"]} for day, d in sorted(days.items())]
    return rows


def by_model(grouped: dict, by: str = "model") -> list[dict]:
    """Spend (per currency) and tokens each model (or project) used over the span, biggest first per account.

    `grouped` holds every series of the span, the accounts' totals too. Use
    is the sum of a period counter's increases, with its resets (new day, new
    month) detected as the burn rate detects them, so a reset is never a
    negative use. A model missing from a reading that reported that period
    had used nothing in it: it counts as 0 there, so a model that appears
    during the span counts from zero, and one idle for a day counts again
    from zero when it comes back.
    """
    prefix = GROUP_BY[by]
    chosen: dict[tuple[str, str, str, str], str] = {}
    for account, metric, unit in grouped:
        kind, period, model = history.split_model_metric(metric, prefix) or ("", "", "")
        if period not in COUNTER_ORDER:
            continue
        key = (account, model, kind, unit)
        if key not in chosen or COUNTER_ORDER.index(period) < COUNTER_ORDER.index(chosen[key]):
            chosen[key] = period
    rows: dict[tuple[str, str], dict] = {}
    for (account, model, kind, unit), period in sorted(chosen.items()):
        row = rows.setdefault((account, model), {"account": account, **_names(by, model), "spent": {},
                                                 "tokens": None, "counters": {}})
        used = forecast.use(_zero_filled(grouped, account, kind, period, unit, model, prefix), drain=False)
        if kind == "spent":
            row["spent"][unit] = round(used, 6)
        else:
            row["tokens"] = int(round(used))
        row["counters"][kind] = period
    return sorted(rows.values(), key=lambda r: (r["account"], -sum(r["spent"].values()), -(r["tokens"] or 0),
                                                r[by], r.get("root", "")))


def _names(by: str, key: str) -> dict[str, str]:
    """A row's name: the model, or the project's folder name and its folder (history keys projects by folder)."""
    if by == "model":
        return {"model": key}
    return {"project": os.path.basename(key) or key, "root": key} if key.startswith("/") else {"project": key,
                                                                                                 "root": ""}


def _zero_filled(grouped: dict, account: str, kind: str, period: str, unit: str, model: str,
                 prefix: str = history.MODEL_PREFIX) -> list[history.Point]:
    """One model's counter at every reading that reported `kind` for `period`: 0 where the model was absent."""
    stamps = {ts for ts, _ in grouped.get((account, f"{kind}.{period}", unit), ())}
    for other in grouped:
        parts = history.split_model_metric(other[1], prefix)
        if other[0] == account and other[2] == unit and parts and parts[:2] == (kind, period):
            stamps.update(ts for ts, _ in grouped[other])
    values = dict(grouped[(account, history.model_metric(kind, period, model, prefix), unit)])
    return [(ts, values.get(ts, 0.0)) for ts in sorted(stamps)]


def _table(rows: list[dict], by: str) -> str:
    if by in GROUP_BY:
        most: dict[str, float] = {}
        for r in rows:
            most[r["account"]] = max(most.get(r["account"], 0.0), float(r["tokens"] or 0))
        header = ["ACCOUNT", by.upper(), "SPENT", "TOKENS", ""]
        body = [[r["account"], r[by], " ".join(numbers.money(v, c) for c, v in r["spent"].items()) or "–",
                 "–" if r["tokens"] is None else f"{r['tokens']:,}", _bar(float(r["tokens"] or 0), most[r["account"]])]
                for r in rows]
    elif by == "metric":
        header = ["ACCOUNT", "METRIC", "LAST", "USED", "PER HOUR", "TREND"]
        body = [[r["account"], r["metric"], value_text(r["last"], r["unit"]), value_text(r["used"], r["unit"]),
                 "–" if r["per_hour"] is None else value_text(r["per_hour"], r["unit"]), r["trend"]] for r in rows]
    else:
        rows = sorted(rows, key=lambda r: (r["day"], r["account"], r["metric"]))
        peak: dict[tuple[str, str, str], float] = {}
        for r in rows:
            key = (r["account"], r["metric"], r["unit"])
            peak[key] = max(peak.get(key, 0.0), r["used"])
        header = ["DAY", "ACCOUNT", "METRIC", "USED", "LAST", ""]
        body = [[r["day"], r["account"], r["metric"], value_text(r["used"], r["unit"]),
                 value_text(r["last"], r["unit"]), _bar(r["used"], peak[(r["account"], r["metric"], r["unit"])])]
                for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in [header, *body])


def _bar(used: float, peak: float) -> str:
    return "█" * round(BAR_WIDTH * used / peak) if peak > 0 else ""


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")
