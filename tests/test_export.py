"""Export: CSV read back with the csv module, JSON, and a Prometheus file checked by a strict parser."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest

from tests.conftest import run_tokseg, steady_demo_start, write_config
from tokseg import history, prometheus, refresh, safe_text, store

HOUR = 3600.0
NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
VALUE_RE = re.compile(r"^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
WHO = prometheus.Identity("box", "me")
WHO_LABELS = {("host", "box"), ("user", "me")}


def parse_prometheus(text: str) -> dict[str, dict]:
    """A strict reader of the text exposition format; raises AssertionError on any rule broken.

    Returns {family: {"help", "type", "samples": {frozenset(labels): value}}}.
    """
    assert text.endswith("\n"), "the file must end with a newline"
    families: dict[str, dict] = {}
    finished: set[str] = set()
    current = None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {number}: {line!r}"
        assert line.strip(), f"{where}: blank line"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                kind, name = parts[1], parts[2]
                assert NAME_RE.fullmatch(name), f"{where}: bad metric name"
                family = families.setdefault(name, {"help": None, "type": None, "samples": {}})
                assert name not in finished, f"{where}: family {name} appears again after other families"
                if current != name and current is not None:
                    finished.add(current)
                current = name
                key = kind.lower()
                assert family[key] is None, f"{where}: second {kind} for {name}"
                assert not family["samples"], f"{where}: {kind} after samples of {name}"
                value = parts[3] if len(parts) > 3 else ""
                if kind == "TYPE":
                    assert value in TYPES, f"{where}: unknown type"
                else:
                    assert re.fullmatch(r"([^\\\n]|\\\\|\\n)*", value), f"{where}: bad HELP escaping"
                family[key] = value
            continue
        name, labels, rest = _sample(line, where)
        assert name in families and families[name]["type"], f"{where}: sample before its TYPE"
        assert name == current, f"{where}: samples of {name} not grouped with its family"
        fields = rest.split(" ")
        assert 1 <= len(fields) <= 2 and VALUE_RE.match(fields[0]), f"{where}: bad value"
        if len(fields) == 2:
            assert re.fullmatch(r"-?\d+", fields[1]), f"{where}: bad timestamp"
        key = frozenset(labels.items())
        assert key not in families[name]["samples"], f"{where}: duplicate series"
        families[name]["samples"][key] = float(fields[0])
    return families


def _sample(line: str, where: str) -> tuple[str, dict[str, str], str]:
    match = NAME_RE.match(line)
    assert match, f"{where}: no metric name"
    name, i = match.group(0), match.end()
    labels: dict[str, str] = {}
    if line[i] == "{":
        i += 1
        while line[i] != "}":
            label = LABEL_RE.match(line, i)
            assert label and not label.group(0).startswith("__"), f"{where}: bad label name"
            i = label.end()
            assert line[i:i + 2] == '="', f"{where}: label without =\""
            i += 2
            value = []
            while line[i] != '"':
                if line[i] == "\\":
                    escaped = line[i + 1]
                    assert escaped in '\\"n', f"{where}: bad escape \\{escaped}"
                    value.append("\n" if escaped == "n" else escaped)
                    i += 2
                else:
                    assert line[i] != "\n"
                    value.append(line[i])
                    i += 1
            assert label.group(0) not in labels, f"{where}: repeated label"
            labels[label.group(0)] = "".join(value)
            i += 1
            if line[i] == ",":
                i += 1
        i += 1
    assert line[i] == " ", f"{where}: no space before the value"
    return name, labels, line[i + 1:]


def test_validator_rejects_broken_files():
    good = '# HELP a_b x\n# TYPE a_b gauge\na_b{k="v"} 1\n'
    assert parse_prometheus(good)["a_b"]["samples"] == {frozenset({("k", "v")}): 1.0}
    for bad in (good + "# TYPE a_b gauge\n", good.replace('"v"', '"v\\t"'), good + 'a_b{k="v"} 2\n',
                good.replace("1\n", "one\n"), good.rstrip("\n"), '# TYPE a_b gauge\nc 1\n',
                good + "# TYPE c gauge\nc 1\na_b 3\n", good.replace("a_b{", "1ab{")):
        with pytest.raises(AssertionError):
            parse_prometheus(bad)


def test_prometheus_escapes_awkward_label_values():
    weird = 'we"ird\\name\nline'
    snap = {"accounts": {"acct": {"status": "ok", "fetched_at": 1.5, "reading": {
        "windows": [{"name": weird, "used_pct": 12.5, "resets_at": None}]}}}}
    families = parse_prometheus(prometheus.render(snap, prometheus.Identity(weird, "me")))
    assert families["tokseg_window_used_percent"]["samples"] == {
        frozenset({("host", 'we"ird\\name\\x0aline'), ("user", "me"), ("account", "acct"),
                   ("window", 'we"ird\\name\\x0aline')}): 12.5}
    assert families["tokseg_up"]["type"] == "gauge"


def test_prometheus_label_values_from_a_provider_are_made_visible():
    """Terminal escapes, bidi overrides and a lone surrogate in a window name or currency: the file is
    still written (a surrogate cannot be encoded raw) and no dashboard gets a raw control character."""
    hostile = "\x1b]52;c;aGk=\x07\u202e5h\ud800\r\x9b"
    snap = {"accounts": {"acct": {"status": "ok", "fetched_at": 1.5, "reading": {
        "balance": [{"amount": 3.0, "currency": "US\u2066D"}],
        "windows": [{"name": hostile, "used_pct": 12.5, "resets_at": None}]}}}}
    text = prometheus.render(snap, WHO)
    text.encode()  # would raise on a raw surrogate
    assert not safe_text.UNSAFE.search(text.replace("\n", ""))
    families = parse_prometheus(text)
    assert families["tokseg_window_used_percent"]["samples"] == {
        frozenset({*WHO_LABELS, ("account", "acct"), ("window", "\\x1b]52;c;aGk=\\x07\\u202e5h\\ud800\\x0d\\x9b")}): 12.5}
    # A currency is part of a family's name: one that is not an ISO code is left out, never a broken name.
    assert not [name for name in families if name.startswith("tokseg_balance")]


def test_refresher_writes_a_valid_prometheus_file(config_file, home, tmp_path):
    target = tmp_path / "textfile" / "tokseg.prom"
    write_config(config_file, f"""
[settings]
prometheus_file = "{target}"
[settings.metrics]
host = "box"
user = "me"
[accounts.credits]
provider = "demo"
[accounts.sub]
provider = "demo"
kind = "subscription"
[accounts.api]
provider = "demo"
kind = "postpaid"
currency = "EUR"
[budgets.api]
daily = 5
""")
    start = steady_demo_start(2 * HOUR)
    for i in range(5):
        refresh.run(force=True, clock=lambda i=i: start + i * 1800)
    families = parse_prometheus(target.read_text())
    assert [p.name for p in target.parent.iterdir()] == ["tokseg.prom"]  # no temp file left behind
    snap = json.loads(store.snapshot_path().read_text())
    balance = snap["accounts"]["credits"]["reading"]["balance"][0]["amount"]
    assert families["tokseg_balance_usd"]["samples"] == {frozenset({*WHO_LABELS, ("account", "credits")}): balance}
    spent = families["tokseg_spent_eur"]["samples"]
    assert spent[frozenset({*WHO_LABELS, ("account", "api"), ("period", "today")})] == pytest.approx(
        snap["accounts"]["api"]["reading"]["spent"]["today"]["amount"])
    assert {dict(k)["window"] for k in families["tokseg_window_used_percent"]["samples"]} == {"5h", "7d"}
    burn = families["tokseg_burn_per_hour"]["samples"]
    assert burn[frozenset({*WHO_LABELS, ("account", "credits"), ("metric", "balance"), ("unit", "USD")})] == \
        pytest.approx(0.9)
    states = families["tokseg_budget_state"]["samples"]
    expected_state = {"ok": 0, "warn": 1, "crit": 2}[snap["accounts"]["api"]["budget_state"]]
    assert states[frozenset({*WHO_LABELS, ("account", "api")})] == expected_state


def test_csv_export_parses_and_matches_history(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.api]\nprovider = "demo"\n'
                              'kind = "postpaid"\n')
    now = time.time()
    for i in range(3):
        refresh.run(force=True, clock=lambda i=i: now - 3 * HOUR + i * HOUR)
    result = run_tokseg("export", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    with history.opened() as conn:
        stored = history.samples(conn)
    assert len(rows) == len(stored) == 3 * (2 + 3)  # credits: balance, spent.today; api: spent x2, tokens
    assert list(rows[0]) == ["time", "timestamp", "account", "metric", "unit", "value"]
    for row, (ts, account, metric, unit, value) in zip(rows, stored):
        assert (row["account"], row["metric"], row["unit"]) == (account, metric, unit)
        assert float(row["value"]) == value and float(row["timestamp"]) == round(ts, 3)
        assert row["time"].endswith("Z")
    recent = list(csv.DictReader(io.StringIO(run_tokseg("export", "--since", "90m").stdout)))
    assert len(recent) == 5 and {r["account"] for r in recent} == {"credits", "api"}
    only = json.loads(run_tokseg("export", "credits", "--json").stdout)
    assert only["schema"] == 1 and {s["account"] for s in only["samples"]} == {"credits"}
    assert len(only["samples"]) == 6


def test_export_with_no_history_is_just_a_header(home):
    result = run_tokseg("export")
    assert result.returncode == 0
    assert result.stdout == "time,timestamp,account,metric,unit,value\n"


def test_csv_cells_are_neither_formulas_nor_escapes(config_file, home):
    """A currency like `=HYPERLINK(…)` with a terminal escape: the CSV cell starts with `'` (a spreadsheet
    shows it as text) and the escape is visible; the JSON export keeps the text as it is, made visible."""
    write_config(config_file, '[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n'
                              'currency = "=HYPERLINK(\\"http://x\\")\\u001b[31m"\n')
    refresh.run(force=True)
    out = run_tokseg("export", "--csv").stdout
    assert "\x1b" not in out
    units = {row["unit"] for row in csv.DictReader(io.StringIO(out)) if row["metric"].startswith("spent")}
    assert units == {"'=HYPERLINK(\"http://x\")\\x1b[31m"}, units
    samples = json.loads(run_tokseg("export", "--json").stdout)["samples"]
    assert {s["unit"] for s in samples if s["metric"].startswith("spent")} == {'=HYPERLINK("http://x")\\x1b[31m'}
    assert all(isinstance(s["value"], float) for s in samples)
