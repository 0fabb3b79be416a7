"""Config mistakes: one line naming file, line, key and fix; the last good data survives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_tokseg, wait_for, write_config
from tests.snapshots import load
from tokseg import config, providers
from tokseg.errors import ConfigError

GOOD = '[accounts.credits]\nprovider = "demo"\n'


@pytest.mark.parametrize("text, where, words", [
    ('[settings]\ninterval = "5m"\n', ":2: [settings] interval", "must be a number"),
    ('[settings]\ninterval = 1\n', ":2: [settings] interval", "at least 5 seconds"),
    ('[settings]\ncolour = "red"\n', ":2: [settings] colour", "unknown setting"),
    ('[accounts.a]\nlabel = "x"\n', ":1: [accounts.a]", 'add e.g. provider = "demo"'),
    ('[accounts.a]\nprovider = "nope"\n', ":2: [accounts.a] provider", "unknown provider 'nope'; known: "),
    ('[accounts.a]\nprovider = "demo"\nspeeed = 2\n', ":3: [accounts.a] speeed", "known: provider, label"),
    ('[accounts.a]\nprovider = "demo"\nkind = "weird"\n', ":3: [accounts.a] kind", "not one of: prepaid"),
    ('[accounts.a]\nprovider = "demo"\nspeed = "fast"\n', ":3: [accounts.a] speed", 'must be a number, not "fast"'),
    ('[accounts."bad name"]\nprovider = "demo"\n', ":1: [accounts.bad name]", "letters, digits"),
    ('[accounts.a]\nprovider = "demo"\nenabled = "yes"\n', ":3: [accounts.a] enabled", "true or false"),
    ('[accounts.a\nprovider = "demo"\n', "", "not valid TOML"),
    ('[servers]\nx = 1\n', ":1: [servers]", "only [settings], [accounts.NAME], [budgets] and [alerts]"),
])
def test_error_names_file_line_key_and_fix(tmp_path, text, where, words):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}"), message
    assert words in message
    assert "\n" not in message


def test_plain_http_base_url_off_loopback_is_refused(tmp_path, monkeypatch):
    # base_url is validated for every provider that has one; borrow the demo with an extra field.
    import dataclasses

    from tokseg import providers
    from tokseg.providers import demo

    @dataclasses.dataclass(frozen=True)
    class Options(demo.Options):
        base_url: str = "https://example.invalid"

    monkeypatch.setattr(demo, "Options", Options)
    path = tmp_path / "config.toml"
    path.write_text('[accounts.a]\nprovider = "demo"\nbase_url = "http://proxy.example.com/v1"\n')
    with pytest.raises(ConfigError, match=r":3: \[accounts.a\] base_url: .*plain http.*use https"):
        config.load(path)
    path.write_text('[accounts.a]\nprovider = "demo"\nbase_url = "http://127.0.0.1:8080/v1/"\n')
    assert config.load(path).accounts[0].options.base_url == "http://127.0.0.1:8080/v1"
    assert providers.load("demo") is demo


def test_config_error_keeps_last_snapshot_and_marks_it(config_file, home):
    write_config(config_file, GOOD)
    assert run_tokseg("refresh", "--quiet").returncode == 0
    good = load(home)["accounts"]["credits"]["reading"]

    write_config(config_file, GOOD + 'interval = "often"\n')
    first = run_tokseg()
    assert first.returncode == 0 and first.stdout.startswith("credits $")
    wait_for(lambda: load(home)["config"]["error"])

    snap = load(home)
    assert snap["accounts"]["credits"]["reading"] == good
    assert f"{config_file}:3: [accounts.credits] interval" in snap["config"]["error"]
    shown = run_tokseg()
    assert shown.stdout.strip().endswith("!cfg")
    assert shown.stdout.startswith("credits $")
    doc = run_tokseg("--json").stdout
    assert '"config_error": "' in doc and '"state": "error"' in doc

    check = run_tokseg("config", "check")
    assert check.returncode == 1
    assert f"{config_file}:3: [accounts.credits] interval: must be a number" in check.stderr
    assert "Traceback" not in check.stderr

    write_config(config_file, GOOD)
    run_tokseg()
    wait_for(lambda: load(home)["config"]["error"] is None)
    assert not run_tokseg().stdout.strip().endswith("!cfg")


def test_config_check_on_good_and_missing_config(config_file):
    assert "no config yet" in run_tokseg("config", "check").stdout
    write_config(config_file, GOOD)
    done = run_tokseg("config", "check")
    assert done.returncode == 0 and "ok, 1 account(s): credits" in done.stdout
    assert run_tokseg("config", "path").stdout.strip() == str(config_file)


def test_config_edit_validates_and_keeps_file(config_file, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf \'[accounts.x]\\nprovider = "demo"\\n\' >> "$1"\n')
    editor.chmod(0o755)
    done = run_tokseg("config", "edit", env={"EDITOR": str(editor), "VISUAL": ""})
    assert done.returncode == 0, done.stderr
    assert "ok, 1 account(s)" in done.stdout
    assert Path(config_file).read_text().startswith("# tokseg configuration")


def test_an_old_provider_name_reads_as_its_current_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[accounts.cc]\nprovider = "claude_code"\npaths = "~/.claude"\n')
    account = config.load(path).accounts[0]
    assert account.provider == "claude_logs"
    assert account.options == providers.load("claude_logs").Options(paths="~/.claude")
