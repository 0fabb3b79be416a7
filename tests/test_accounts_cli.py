"""add / list / remove / rename through the real CLI entry, with the keyless demo provider."""

from __future__ import annotations

import json

from tests.conftest import write_config
from tokseg import snapshot, store
from tokseg.cli import main

HAND_WRITTEN = """\
# mine — keep this comment
[settings]
interval = 300   # five minutes

[accounts.old]  # written by hand
provider = "demo"
kind = "postpaid"
"""


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def snap() -> dict:
    return snapshot.read(str(store.snapshot_path())) or {}


def test_add_appends_to_the_users_file_and_fills_the_snapshot(capsys, config_file):
    write_config(config_file, HAND_WRITTEN)
    code, out, err = cli(capsys, "add", "demo", "--name", "credits", "--label", "CR", "-o", "speed=2")
    assert (code, err) == (0, "")
    assert out.startswith("added credits (demo): $")
    added = '\n[accounts.credits]\nprovider = "demo"\nlabel = "CR"\nspeed = 2.0\n'
    assert config_file.read_text() == HAND_WRITTEN + added
    entry = snap()["accounts"]["credits"]
    assert entry["status"] == "ok" and entry["reading"]["headline"]["kind"] == "balance"
    assert snap()["config"]["accounts"] == ["old", "credits"]


def test_add_refusals_save_nothing(capsys, config_file):
    write_config(config_file, HAND_WRITTEN)
    cases = [
        (("add", "demo", "--name", "old", "-o", "kind=prepaid"), "account 'old' already exists"),
        (("add", "demo", "--name", "bad name"), "account name 'bad name': use letters, digits"),
        (("add", "demo", "-o", "colour=red"), "--option colour: not an option of provider 'demo' "
                                              "(options: kind, speed, currency"),
        (("add", "demo", "-o", "speed=fast"), "--option speed=fast: must be float"),
        (("add", "demo", "--base-url", "https://example.com/v1"), "provider 'demo' makes no web requests"),
    ]
    for args, message in cases:
        code, out, err = cli(capsys, *args)
        assert code == 1 and out == "", args
        assert message in err and err.count("\n") == 1, err
    assert config_file.read_text() == HAND_WRITTEN
    assert snap() == {}


def test_list_rename_remove(capsys, config_file):
    write_config(config_file, HAND_WRITTEN)
    assert cli(capsys, "add", "demo", "--name", "credits")[0] == 0
    code, out, _ = cli(capsys, "list")
    header, first, second = out.splitlines()
    assert header.split() == ["NAME", "PROVIDER", "KEY", "SOURCE", "STATUS", "REFRESHED", "HEADLINE"]
    assert first.split()[:6] == ["old", "demo", "-", "none", "needed", "pending"]
    assert second.split()[:7] == ["credits", "demo", "-", "none", "needed", "ok", "0s"]
    rows = json.loads(cli(capsys, "list", "--json")[1])["accounts"]
    assert [(r["name"], r["status"], r["key_source"]) for r in rows] == [("old", "pending", "none needed"),
                                                                      ("credits", "ok", "none needed")]
    reading = snap()["accounts"]["credits"]["reading"]

    assert cli(capsys, "rename", "credits", "prepaid")[1] == "renamed credits to prepaid\n"
    assert "[accounts.prepaid]" in config_file.read_text() and "credits" not in config_file.read_text()
    assert set(snap()["accounts"]) == {"old", "prepaid"} and snap()["accounts"]["prepaid"]["reading"] == reading
    code, _, err = cli(capsys, "rename", "prepaid", "old")
    assert code == 1 and "an account named 'old' already exists" in err

    assert cli(capsys, "remove", "prepaid")[1] == "removed prepaid\n"
    assert config_file.read_text() == HAND_WRITTEN
    assert set(snap()["accounts"]) == {"old"} and snap()["config"]["accounts"] == ["old"]
    code, _, err = cli(capsys, "remove", "nope")
    assert code == 2 and "no account named 'nope'" in err and "accounts: old" in err


def test_add_options_obey_the_config_files_rules(capsys, config_file):
    """One converter: CHOICES, types and base_url are refused on the command line as in the file."""
    write_config(config_file, HAND_WRITTEN)
    cases = [
        (("add", "demo", "-o", "kind=nope"),
         "--option kind=nope: 'nope' is not one of: prepaid, subscription, coding_plan, session, postpaid, flaky, revoked"),
        (("add", "codex", "-o", "source=web"), "--option source=web: 'web' is not one of: auto, logs, api"),
        (("add", "demo", "-o", "speed=nan"), "--option speed=nan: must be float"),
        (("add", "codex", "--base-url", "http://chatgpt.example.com/backend-api"),
         "--base-url: base_url 'http://chatgpt.example.com/backend-api' uses plain http"),
        (("add", "codex", "-o", "base_url=https://example.com"), "--option base_url: not an option of provider"),
    ]
    for args, message in cases:
        code, out, err = cli(capsys, *args)
        assert code == 1 and out == "", args
        assert message in err and err.count("\n") == 1 and str(config_file) not in err, err
    assert config_file.read_text() == HAND_WRITTEN
    assert snap() == {}


def test_a_choice_the_file_refuses_is_refused_by_add_too(capsys, config_file, tmp_path):
    from tokseg import config, providers
    from tokseg.errors import ConfigError
    from tokseg.providers._base import choices

    for name in providers.PROVIDERS:
        for key in choices(providers.load(name)):
            text = f'[accounts.a]\nprovider = "{name}"\n{key} = "nope"\n'
            try:
                config.parse(text, tmp_path / "config.toml")
            except ConfigError as exc:
                assert ":3: [accounts.a]" in str(exc) and "'nope' is not one of" in str(exc)
            else:
                raise AssertionError(f"{name}.{key}: the config accepted a value outside CHOICES")
            code, _, err = cli(capsys, "add", name, "-o", f"{key}=nope")
            assert code == 1 and f"--option {key}=nope: 'nope' is not one of" in err, err
    assert not config_file.exists()
