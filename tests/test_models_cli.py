"""Per-model figures end to end: local logs → refresh → snapshot → `tokseg --json` and `tokseg show`."""

from __future__ import annotations

import json
import time

from tests.agent_logs import claude_row, write_lines
from tests.conftest import run_tokseg, write_config

SONNET, HAIKU, OPUS = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-7"


def test_models_reach_json_and_show(config_file, tmp_path):
    now = time.time()
    write_lines(tmp_path / "claude" / "projects" / "p" / "s.jsonl", [
        claude_row("m1", now - 90, output=637),
        claude_row("m2", now - 60, model=HAIKU, input=1000, write_5m=0, read=0, output=2000),
        claude_row("m3", now - 50, model=OPUS, input=10, write_5m=0, read=0, output=10),
        claude_row("m4", now - 40, model="foo-1", input=1, write_5m=0, read=0, output=1),
    ])
    write_config(config_file, f'[accounts.cc]\nprovider = "claude_code"\npaths = "{tmp_path / "claude"}"\n'
                              '[accounts.credits]\nprovider = "demo"\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    doc = json.loads(run_tokseg("--json").stdout)
    accounts = {a["name"]: a for a in doc["accounts"]}
    assert accounts["credits"]["models"] == []  # not reported: empty, like every other field
    models = accounts["cc"]["models"]
    assert {m["period"] for m in models} == {"today", "month", "block"}
    today = [m for m in models if m["period"] == "today"]
    assert [m["model"] for m in today] == [SONNET, HAIKU, OPUS, "foo-1"]
    assert today[1] == {"model": HAIKU, "period": "today", "spent": {"amount": 0.011, "currency": "USD"},
                        "tokens": {"input": 1000, "output": 2000, "cache_read": 0, "cache_write": 0, "total": 3000}}
    assert today[3]["spent"] is None and today[3]["tokens"]["total"] == 2

    text = run_tokseg("show").stdout
    line = next(row for row in text.splitlines() if row.strip().startswith("models today"))
    assert line.split(None, 2)[2] == (f"{SONNET} $0.04 (88,137 tok) · {HAIKU} $0.01 (3,000 tok) · "
                                      f"{OPUS} $0.00 (20 tok) · +1 more")
    assert "models month" in text and "models block" in text
