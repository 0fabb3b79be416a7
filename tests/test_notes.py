"""Provider notes reach the user: `show`, `--json`, `list --json` and `doctor` print them, and a spend
headline whose reading holds unpriced requests ends in `*`."""

from __future__ import annotations

import json
import time

from tests.agent_logs import claude_row, write_lines
from tests.conftest import run_tokseg, write_config
from tests.snapshots import snapshot_file

NOTE = "2 messages from unknown models: foo-1 (not priced)"


def unpriced_claude_logs(tmp_path, config_file):
    folder = tmp_path / "claude"
    now = time.time()
    write_lines(folder / "projects" / "-home-dev-app" / "s1.jsonl", [
        claude_row("msg_known", now - 500, output=20),
        claude_row("msg_x1", now - 400, model="foo-1", output=100),
        claude_row("msg_x2", now - 300, model="foo-1", output=100),
    ])
    write_config(config_file, f'[accounts.cc]\nprovider = "claude_logs"\npaths = "{folder}"\n'
                              '[accounts.credits]\nprovider = "demo"\n')
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 0, done.stderr


def test_unpriced_spend_is_marked_and_every_printer_shows_the_note(tmp_path, config_file):
    unpriced_claude_logs(tmp_path, config_file)
    segment = run_tokseg("--format", "plain", "--account", "cc").stdout
    assert "*/d" in segment, segment
    doc = json.loads(run_tokseg("--json").stdout)
    accounts = {a["name"]: a for a in doc["accounts"]}
    assert NOTE in accounts["cc"]["notes"] and accounts["cc"]["headline"]["text"].endswith("*/d")
    assert isinstance(accounts["credits"]["notes"], list) and "*" not in accounts["credits"]["headline"]["text"]
    assert f"note             {NOTE}" in run_tokseg("show").stdout
    listed = {row["name"]: row for row in json.loads(run_tokseg("list", "--json").stdout)["accounts"]}
    assert NOTE in listed["cc"]["notes"]
    assert f"note: {NOTE}" in run_tokseg("doctor").stdout
    assert NOTE in json.loads(run_tokseg("doctor", "--json").stdout)["accounts"][0]["notes"]


def test_notes_of_an_odd_type_in_an_old_snapshot_are_skipped(home, config_file):
    write_config(config_file, '[accounts.a]\nprovider = "demo"\n')
    now = time.time()
    reading = {"headline": {"kind": "spent", "key": "today"}, "spent": {"today": {"amount": 1.0, "currency": "USD"}},
               "notes": ["plan: Max 20x", 5, None]}
    entry = {"provider": "demo", "label": "a", "interval": 300, "fetched_at": now, "next_due": now + 3600,
             "status": "ok", "reading": reading, "error": None}
    path = snapshot_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema": 1, "written_at": now, "settings": {}, "config": {"accounts": ["a"]},
                                "accounts": {"a": entry}}))
    shown = run_tokseg("show")
    assert "note             plan: Max 20x" in shown.stdout and "Traceback" not in shown.stderr
    assert json.loads(run_tokseg("--json").stdout)["accounts"][0]["notes"] == ["plan: Max 20x"]
