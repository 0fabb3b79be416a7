"""A config the user has just deleted or broken is marked at the next segment call, and an
abandoned `tokseg config edit` keeps the user's text without leaving the live config invalid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import load

GOOD = '[accounts.credits]\nprovider = "demo"\n'


@pytest.fixture
def shown(config_file, home):
    """A config with one demo account whose figures are on the bar."""
    write_config(config_file, GOOD)
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.startswith("credits $")
    return config_file


def test_a_deleted_config_is_marked_at_the_next_call(shown, home):
    shown.unlink()
    first = run_tokseg()
    assert first.returncode == 0 and first.stdout.strip().endswith("!cfg"), first.stdout
    assert "the config file is gone" in json.loads(run_tokseg("--json").stdout)["config_error"]
    wait_for(lambda: load(home)["config"]["mtime"] is None)  # the refresher it started drops the accounts
    assert run_tokseg().stdout.strip() == "tok: tokseg setup"


@pytest.mark.parametrize("breakage", ["toml", "folder", "loop"])
def test_a_broken_config_is_marked_at_the_next_call(shown, home, breakage):
    if breakage == "toml":
        write_config(shown, GOOD + "[accounts.x\n")
    elif breakage == "folder":
        shown.unlink()
        shown.mkdir()
    else:
        shown.unlink()
        os.symlink(shown, shown)
    first = run_tokseg()
    assert first.returncode == 0 and "Traceback" not in first.stderr
    assert first.stdout.startswith("credits $") and first.stdout.strip().endswith("!cfg"), first.stdout
    assert str(shown) in json.loads(run_tokseg("--json").stdout)["config_error"]
    wait_for(lambda: load(home)["config"]["error"])  # and the refresher agrees, keeping the figures
    assert run_tokseg().stdout.startswith("credits $")


def test_a_good_edit_is_not_marked(shown):
    write_config(shown, GOOD + '[accounts.more]\nprovider = "demo"\n')
    assert not run_tokseg().stdout.strip().endswith("!cfg")


def editor(tmp_path: Path, body: str) -> dict[str, str]:
    """$EDITOR as a script: `body` runs with the file being edited in $1 and records what it was given."""
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\ncp "$1" "{tmp_path}/seen.toml"\n{body}\n')
    script.chmod(0o755)
    return {"EDITOR": str(script), "VISUAL": ""}


BREAK = 'printf "[accounts.x\\n" >> "$1"'
FIX = 'printf \'[accounts.more]\\nprovider = "demo"\\n\' > "$1"'


def test_an_abandoned_bad_edit_keeps_the_text_and_the_live_config(shown, tmp_path):
    done = run_tokseg("config", "edit", env=editor(tmp_path, BREAK), input="n\n")
    draft = shown.with_name("config.toml.draft")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not valid TOML" in done.stderr and f"your edit is kept in {draft}" in done.stderr
    assert f"{shown} is unchanged" in done.stderr
    assert shown.read_text() == GOOD  # the live config was never the broken text
    assert draft.read_text() == GOOD + "[accounts.x\n"
    assert oct(draft.stat().st_mode & 0o777) == "0o600"
    assert "an unfinished edit" in run_tokseg("config", "check").stderr
    assert not run_tokseg().stdout.strip().endswith("!cfg")
    assert f"an unfinished edit is kept in {draft}" in run_tokseg("doctor").stdout
    assert json.loads(run_tokseg("doctor", "--json").stdout)["config"]["draft"] == str(draft)


def test_the_next_edit_goes_on_with_the_kept_text(shown, tmp_path):
    run_tokseg("config", "edit", env=editor(tmp_path, BREAK), input="n\n")
    done = run_tokseg("config", "edit", env=editor(tmp_path, FIX), input="y\n")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "seen.toml").read_text() == GOOD + "[accounts.x\n"  # the editor was given the kept text
    assert "ok, 1 account(s)" in done.stdout
    assert "[accounts.more]" in shown.read_text()
    assert not shown.with_name("config.toml.draft").exists()


def test_no_one_to_answer_means_no_and_nothing_hangs(shown, tmp_path):
    done = run_tokseg("config", "edit", env=editor(tmp_path, BREAK), input="", timeout=20)
    assert done.returncode == 1 and "your edit is kept in" in done.stderr
    assert shown.read_text() == GOOD


def test_an_already_invalid_config_is_said_to_stay_invalid(config_file, tmp_path):
    write_config(config_file, "[accounts.x\n")
    done = run_tokseg("config", "edit", env=editor(tmp_path, "true"), input="n\n")
    assert done.returncode == 1 and "unchanged and still invalid" in done.stderr


def test_a_change_made_meanwhile_is_not_overwritten_unasked(shown, tmp_path):
    meanwhile = f'printf "# added meanwhile\\n" >> "{shown}"; touch -d "+2 seconds" "{shown}"; {FIX}'
    done = run_tokseg("config", "edit", env=editor(tmp_path, meanwhile), input="n\n")
    assert done.returncode == 1 and "changed while you edited" in done.stdout + done.stderr
    assert shown.read_text() == GOOD + "# added meanwhile\n"


def test_a_missing_editor_is_one_clear_line(shown):
    done = run_tokseg("config", "edit", env={"EDITOR": "no-such-editor-here", "VISUAL": ""})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot start the editor 'no-such-editor-here'" in done.stderr


def test_a_new_config_starts_from_the_starter_text(config_file, tmp_path):
    done = run_tokseg("config", "edit", env=editor(tmp_path, "true"))
    assert done.returncode == 0, done.stderr
    assert config_file.read_text().startswith("# tokseg configuration")
