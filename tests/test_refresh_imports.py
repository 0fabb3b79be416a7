"""The detached refresher's import budget (issue 14): an idle run loads no HTTP client, no price table, no CLI.

The refresher runs every interval on every machine, so what it imports is battery: `requests` only
when an HTTP account is due, genai-prices (with pydantic) only when a new row needs more than the
price table's compact cache, and click never (the hot path starts it as `refresh --detached`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent_logs import claude_row
from tests.conftest import write_config
from tests.fakeserver import FakeServer, start_fake_server
from tests.snapshots import load

HEAVY = {"click", "requests", "urllib3", "genai_prices", "pydantic", "pydantic_core", "filelock", "httpx2"}
KEY = "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"
# The detached refresher as the hot path spawns it; the modules it loaded go to a file (its stdio is /dev/null).
DETACHED = """
import sys, runpy
sys.argv = ["tokseg", "refresh", "--detached"]
try:
    runpy.run_module("tokseg", run_name="__main__")
except SystemExit:
    pass
with open(sys.argv_out, "w") as fh:
    fh.write(",".join(sorted(sys.modules)))
""".replace("sys.argv_out", "{out!r}")


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = start_fake_server()
    yield fake
    fake.stop()


@pytest.fixture
def setup(tmp_path: Path, config_file: Path, home: Path, server: FakeServer) -> Path:
    """A Claude Code log account and an OpenRouter account, both fetched once (the first scan priced the logs)."""
    log = tmp_path / "claude" / "projects" / "-home-dev-app" / "s1.jsonl"
    log.parent.mkdir(parents=True)
    now = time.time()
    log.write_text(claude_row("msg_1", now - 600) + "\n" + claude_row("msg_2", now - 500, model="claude-opus-4-7") + "\n")
    write_config(config_file, f'[accounts.cc]\nprovider = "claude_logs"\npaths = "{tmp_path / "claude"}"\n'
                              f'[accounts.or]\nprovider = "openrouter"\nkey_env = "OR_KEY"\n'
                              f'base_url = "{server.url}/openrouter/api/v1"\ninterval = 3600\n')
    done = subprocess.run([sys.executable, "-m", "tokseg", "refresh", "--quiet"], capture_output=True, text=True,
                          env={**os.environ, "OR_KEY": KEY})
    assert done.returncode == 0, done.stderr
    assert {name: entry["status"] for name, entry in load(home)["accounts"].items()} == {"cc": "ok", "or": "ok"}
    return log


def detached(home: Path, tmp_path: Path) -> set[str]:
    """Make the log account due, as a stale snapshot would, and run the detached refresher; its modules."""
    path = home / "cache" / "snapshot.json"
    snap = json.loads(path.read_text())
    snap["accounts"]["cc"]["next_due"] = 0
    path.write_text(json.dumps(snap))
    out = tmp_path / "modules.txt"
    subprocess.run([sys.executable, "-c", DETACHED.format(out=str(out))], check=True, env={**os.environ, "OR_KEY": KEY},
                   capture_output=True)
    assert load(home)["accounts"]["cc"]["next_due"] > time.time(), "the log account was not refreshed"
    return set(out.read_text().split(","))


def loaded(modules: set[str], names: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in names}


def test_idle_detached_refresh_loads_no_http_client_price_table_or_cli(setup, home, tmp_path, server):
    calls = len(server.calls("/openrouter/api/v1/key"))
    modules = detached(home, tmp_path)
    assert "tokseg.refresh" in modules and "tokseg.sources.claude_logs" in modules
    assert not loaded(modules, HEAVY), sorted(loaded(modules, HEAVY))
    assert len(server.calls("/openrouter/api/v1/key")) == calls  # the HTTP account was not due


def test_a_new_message_of_a_model_priced_before_needs_no_price_table(setup, home, tmp_path):
    before = load(home)["accounts"]["cc"]["reading"]["spent"]["month"]["amount"]
    with open(setup, "a") as fh:
        fh.write(claude_row("msg_3", time.time() - 60) + "\n")
    modules = detached(home, tmp_path)
    assert not loaded(modules, HEAVY), sorted(loaded(modules, HEAVY))
    assert load(home)["accounts"]["cc"]["reading"]["spent"]["month"]["amount"] > before


def test_a_model_not_seen_yet_loads_the_price_table(setup, home, tmp_path):
    with open(setup, "a") as fh:
        fh.write(claude_row("msg_3", time.time() - 60, model="claude-haiku-4-5") + "\n")
    modules = detached(home, tmp_path)
    assert "genai_prices" in modules
    assert not loaded(modules, HEAVY - {"genai_prices", "pydantic", "pydantic_core", "httpx2"})


def test_a_due_http_account_loads_requests(setup, home, tmp_path):
    path = home / "cache" / "snapshot.json"
    snap = json.loads(path.read_text())
    snap["accounts"]["or"]["next_due"] = 0
    path.write_text(json.dumps(snap))
    modules = detached(home, tmp_path)
    assert "requests" in modules and "click" not in modules
