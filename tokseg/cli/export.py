"""`tokseg export --csv|--json`: every recorded sample, for spreadsheets and scripts."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, timezone

import click

from tokseg import history, safe_text
from tokseg.cli.completion import account_names
from tokseg.cli.history import Since

FORMULA_START = ("=", "+", "-", "@")
COLUMNS = ("time", "timestamp", "account", "metric", "unit", "value")


@click.command("export")
@click.argument("account", required=False, shell_complete=account_names)
@click.option("--csv", "fmt", flag_value="csv", default=True, help="Comma-separated values, header first (default).")
@click.option("--json", "fmt", flag_value="json", help="A JSON document with a list of samples.")
@click.option("--since", "since", type=Since(), default=None, help="Only samples newer than 7d, 24h, 2w or a date.")
def export(account: str | None, fmt: str, since: float | None) -> None:
    """Write the history to stdout: one row per account, metric and reading (UTC ISO time and epoch seconds)."""
    rows = []
    if history.db_path().exists():
        with history.opened() as conn:
            rows = history.samples(conn, since or 0.0, account)
    records = [dict(zip(COLUMNS, (_iso(ts), round(ts, 3), acct, metric, unit, value)))
               for ts, acct, metric, unit, value in rows]
    if fmt == "json":
        click.echo(json.dumps(safe_text.json_safe({"schema": 1, "samples": records}), ensure_ascii=False))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in record.items()} for record in records)


def _cell(value: object) -> object:
    """A text cell a terminal and a spreadsheet can take: control and bidi characters as visible escapes,
    and text a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) quoted with a leading `'`.
    Numbers stay numbers: a negative value is data, not a formula."""
    if not isinstance(value, str):
        return value
    shown = safe_text.visible(value)
    return "'" + shown if shown[:1] in FORMULA_START else shown


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
