"""The provider context: built in one place, the only way a provider reaches state, the keyring or a command."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import ROOT, write_config
from tests.fakeserver import FakeServer
from tests.providers.test_claude import NOW, TOKEN, USAGE, credentials
from tests.providers.test_claude import make_ctx as claude_ctx
from tests.providers.test_copilot import QUOTA, apps_json
from tokseg import context, dirs, refresh, snapshot, store
from tokseg.providers import _gate, claude

FORBIDDEN = ("keyring", "filelock", "subprocess", "tokseg.secrets", "tokseg.store")
UNITS = sorted([*(ROOT / "tokseg" / "providers").glob("*.py"), *(ROOT / "tokseg" / "sources").glob("*.py")])


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it; `from tokseg import store` counts as tokseg.store."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", UNITS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_provider_or_source_module_reaches_past_its_context(path: Path) -> None:
    found = imported(path)
    assert not {name for name in found for bad in FORBIDDEN if name == bad or name.startswith(bad + ".")}


def test_the_import_check_sees_every_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import subprocess as sp\nfrom tokseg import store\n\ndef f():\n    from keyring import get_password\n")
    assert {"subprocess", "tokseg.store", "keyring"} <= imported(sample)


def test_state_is_one_private_file_per_provider_outside_the_snapshot(fake: FakeServer, config_file: Path,
                                                                      tmp_path: Path) -> None:
    credentials(tmp_path / "user" / ".claude", expires_at_ms=4e12)
    write_config(config_file, f'[accounts.max]\nprovider = "claude"\nbase_url = "{fake.url}/claude"\n')
    assert [o.error_kind for o in refresh.run(force=True).outcomes] == [None]
    path = context.state_path("claude")
    assert path.parent == dirs.state_dir() / context.STATE_FOLDER
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert TOKEN not in text and list(json.loads(text)) == [_gate.SECTION]
    snap = snapshot.read(str(store.snapshot_path()))
    assert snap is not None and _gate.SECTION not in json.dumps(snap)


CHILD_FETCH = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.providers.test_claude import NOW, make_ctx
from tests.fakeserver import FakeServer
from pathlib import Path
from tokseg.providers import claude

class Srv:
    url = sys.argv[2]

print(claude.fetch(make_ctx(Srv, Path(sys.argv[3]), [NOW])).windows[0].used_pct)
"""


def test_the_poll_gate_holds_across_processes(fake: FakeServer, tmp_path: Path) -> None:
    user = tmp_path / "user"
    credentials(user / ".claude")
    child = subprocess.run([sys.executable, "-c", CHILD_FETCH, str(ROOT), fake.url, str(user)],
                           capture_output=True, text=True, env=os.environ, timeout=30, check=False)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "37.0"
    again = claude.fetch(claude_ctx(fake, user, [NOW + 30]))  # this process: the child's poll counts
    assert any("cached" in note for note in again.notes)
    assert len(fake.calls(USAGE)) == 1


def test_the_gate_keeps_the_newest_entries_only() -> None:
    state = context.FileState(context.state_path("claude"))
    gate = _gate.PollGate(state)
    for n in range(_gate.MAX_ENTRIES + 4):
        gate.put(f"token-{n}", polled_at=float(n))
    kept = state.read()[_gate.SECTION]
    assert sorted(kept, key=lambda k: kept[k]["polled_at"]) == [f"token-{n}" for n in range(4, _gate.MAX_ENTRIES + 4)]
    gate.put("token-5", strikes=2)
    assert gate.get("token-5") == {"polled_at": 5.0, "strikes": 2}


EDITOR = """
import sys
sys.path.insert(0, sys.argv[1])
from tokseg import context
state = context.FileState(context.state_path("claude"))
for n in range(40):
    state.edit(lambda data: data.__setitem__(sys.argv[2], data.get(sys.argv[2], 0) + 1))
"""


def test_concurrent_edits_from_processes_are_all_kept() -> None:
    writers = [subprocess.Popen([sys.executable, "-c", EDITOR, str(ROOT), tag]) for tag in "abc"]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0]
    assert context.FileState(context.state_path("claude")).read() == {"a": 40, "b": 40, "c": 40}


def test_aliases_share_their_providers_state() -> None:
    assert context.state_path("claude_code") == context.state_path("claude_logs")


def executable(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def test_run_finds_the_program_on_the_contexts_path_and_gives_it_that_environment(tmp_path: Path) -> None:
    bin_dir = executable(tmp_path / "bin", "probe", 'echo "$1 $TOKSEG_PROBE"; read -r line || echo "stdin closed"\n')
    ctx = context.make_ctx("demo", "a", None, env={"PATH": str(bin_dir), "TOKSEG_PROBE": "seen"})
    done = ctx.run(["probe", "arg"], 5.0)
    assert done is not None and (done.returncode, done.stdout) == (0, b"arg seen\nstdin closed\n")
    assert ctx.run(["no-such-program"], 5.0) is None
    assert context.make_ctx("demo", "a", None, env={"PATH": ""}).run(["probe"], 5.0) is None


def test_run_gives_up_after_its_timeout(tmp_path: Path) -> None:
    bin_dir = executable(tmp_path / "bin", "slow", f"exec {shutil.which('sleep')} 5\n")
    ctx = context.make_ctx("demo", "a", None, env={"PATH": str(bin_dir)})
    started = time.monotonic()
    assert ctx.run(["slow"], 0.2) is None
    assert time.monotonic() - started < 3


def test_stored_secret_is_tokseg_s_own_keyring_entry_for_the_account() -> None:
    keyring.set_password("tokseg", "work", "ghu_STORED")
    assert context.make_ctx("copilot", "work", None).stored_secret() == "ghu_STORED"
    assert context.make_ctx("copilot", "home", None).stored_secret() is None
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert context.make_ctx("copilot", "work", None).stored_secret() is None  # no keyring: nothing stored
    finally:
        keyring.set_keyring(previous)


def test_a_parked_copilot_error_is_retried_once_tokseg_login_stores_a_new_token(
        fake: FakeServer, config_file: Path, tmp_path: Path) -> None:
    """credential_stamp gets the keyring through its context, outside any fetch."""
    apps_json(tmp_path / "user")
    fake.fault(QUOTA, "401", message="Bad credentials")
    write_config(config_file, f'[accounts.copilot]\nprovider = "copilot"\nbase_url = "{fake.url}/copilot"\n')
    assert refresh.run().outcomes[0].error_kind == "auth"
    assert refresh.run().outcomes == []
    keyring.set_password("tokseg", "copilot", "ghu_FROMDEVICEFLOW09")
    fake.clear_faults()
    assert [o.error_kind for o in refresh.run().outcomes] == [None]
    assert fake.calls(QUOTA)[-1].headers["authorization"] == "token ghu_FROMDEVICEFLOW09"


def test_claude_reads_the_macos_keychain_through_the_context(fake: FakeServer, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A real `security` stand-in on PATH: -w prints the item, without -w only says it exists."""
    item = json.dumps({"claudeAiOauth": {"accessToken": "sk-ant-oat01-KEYCHAIN", "expiresAt": (NOW + 3600) * 1000}})
    bin_dir = executable(tmp_path / "bin", "security",
                         f'[ "$1 $2 $3" = "find-generic-password -s {claude.KEYCHAIN_SERVICE}" ] || exit 44\n'
                         f"[ \"$4\" = \"-w\" ] && echo '{item}'\nexit 0\n")
    monkeypatch.setattr(sys, "platform", "darwin")
    ctx = claude_ctx(fake, tmp_path / "user", [NOW])
    ctx = type(ctx)(**{**ctx.__dict__, "env": {"HOME": str(tmp_path / "user"), "PATH": str(bin_dir)}})
    claude.fetch(ctx)
    assert fake.calls(USAGE)[0].headers["authorization"] == "Bearer sk-ant-oat01-KEYCHAIN"
    found = claude.detect(ctx.env, context.runner(ctx.env))
    assert [(s.title, s.where) for s in found] == [("Claude Code login in the keychain", claude.KEYCHAIN_SERVICE)]
