"""`tokseg history`: what the refresher recorded, per metric with a sparkline, or per day."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

import click

from tokseg import forecast, history
from tokseg.render import view as views

SPAN_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
UNIT_S = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
TREND_WIDTH = 20
BAR_WIDTH = 12


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
        return views.percent(value)
    if unit == "tokens":
        return f"{value:,.0f}"
    return views.money(value, unit)


@click.command("history")
@click.argument("account", required=False)
@click.option("--since", "since", type=Since(), default="7d", show_default=True,
              help="How far back: 7d, 24h, 2w or a date.")
@click.option("--by", "by", type=click.Choice(["metric", "day"]), default="metric", show_default=True,
              help="One row per metric with a sparkline, or one row per day.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def history_cmd(account: str | None, since: float, by: str, as_json: bool) -> None:
    """Show recorded readings: latest value, use over the span, burn per hour and a trend."""
    if not history.db_path().exists():
        raise click.ClickException("no history yet; the refresher records each reading it takes (`tokseg refresh`)")
    now = time.time()
    with history.opened() as conn:
        grouped = _grouped(history.samples(conn, since, account))
    if account and not grouped:
        raise click.ClickException(f"no history for account {account!r} since {_date(since)}; see `tokseg history`")
    rows = _by_metric(grouped, now) if by == "metric" else _by_day(grouped)
    if as_json:
        click.echo(json.dumps({"schema": 1, "since": round(since, 3), "by": by, "rows": rows}, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"nothing recorded since {_date(since)}")
        return
    click.echo(_table(rows, by))


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


def _table(rows: list[dict], by: str) -> str:
    if by == "metric":
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
