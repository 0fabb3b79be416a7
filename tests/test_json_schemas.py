"""The shipped JSON Schemas describe what tokseg really prints: validated against real output of every kind,
and strict enough to refuse a document that is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_tokseg, write_config
from tests.test_json_schema import CONFIG

SCHEMAS = Path(__file__).resolve().parent.parent / "tokseg" / "schemas"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def valid(name: str, document: dict) -> None:
    errors = sorted(validator(name).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_printed_path_is_the_shipped_schema():
    done = run_tokseg("--json-schema")
    assert done.returncode == 0
    assert Path(done.stdout.strip()).read_text() == (SCHEMAS / "segment.schema.json").read_text()


def test_segment_documents_of_every_kind_validate(config_file, tmp_path):
    valid("segment", json.loads(run_tokseg("--json").stdout))  # nothing cached yet
    write_config(config_file, CONFIG + '[budgets.api]\ndaily = 5\n[accounts.stale]\nprovider = "demo"\n'
                                       'kind = "flaky"\n')
    for _ in range(3):
        run_tokseg("refresh", "--quiet")
    document = json.loads(run_tokseg("--json").stdout)
    kinds = {a["state"] for a in document["accounts"]}
    assert {"ok", "error", "crit"} <= kinds, kinds
    valid("segment", document)
    valid("segment", json.loads(run_tokseg("--json", "--template", "{nope").stdout))  # template_error set
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    failure = json.loads(run_tokseg("--json", env={"TOKSEG_HOME": str(blocker)}).stdout)
    assert "error" in failure
    valid("segment", failure)


def test_export_and_history_documents_validate(config_file, home):
    valid("export", json.loads(run_tokseg("export", "--json").stdout))
    valid("history", json.loads(run_tokseg("history", "--json").stdout))  # a fresh home: no rows
    write_config(config_file, CONFIG)
    for _ in range(2):
        run_tokseg("refresh", "--quiet")
    exported = json.loads(run_tokseg("export", "--json").stdout)
    assert exported["samples"]
    valid("export", exported)
    for by in ("metric", "day", "model"):
        document = json.loads(run_tokseg("history", "--json", "--by", by).stdout)
        assert document["rows"] or by == "model", by
        valid("history", document)


@pytest.mark.parametrize("break_it", [
    lambda d: d.pop("template_error"),
    lambda d: d.update(state="fine"),
    lambda d: d.update(surprise=1),
    lambda d: d["accounts"][0].update(balance=[{"amount": "4.2", "currency": "USD"}]),
    lambda d: d["accounts"][0]["headline"].pop("value"),
    lambda d: d["accounts"][0].update(error={"kind": "oops", "message": "x", "at": 1.0}),
    lambda d: d["accounts"][0].update(spent={"year": {"amount": 1.0, "currency": "USD"}}),
])
def test_the_schema_refuses_a_wrong_document(config_file, break_it):
    write_config(config_file, CONFIG)
    run_tokseg("refresh", "--quiet")
    document = json.loads(run_tokseg("--json").stdout)
    valid("segment", document)
    broken = copy.deepcopy(document)
    break_it(broken)
    assert list(validator("segment").iter_errors(broken))
