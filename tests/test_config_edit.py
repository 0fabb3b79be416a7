"""Config edits keep the user's file: comments, order, spacing; values are quoted so they read back equal."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokseg import config_edit
from tokseg._toml import tomllib
from tokseg.errors import ConfigError

USER_FILE = """\
# my tokseg config — hand written
[settings]
interval = 300  # five minutes
template = "{all}"

[accounts.work]  # the company key
provider = "demo"
# kind = "postpaid"   (tried it, too noisy)
kind = "prepaid"

# personal: paid by me
[accounts.home]
provider = "demo"
label   =   'H'
"""


def test_append_keeps_every_existing_byte(tmp_path):
    path = tmp_path / "c.toml"
    new = config_edit.append_account(USER_FILE, "extra", {"provider": "demo", "kind": "postpaid"}, path)
    assert new.startswith(USER_FILE)
    assert new[len(USER_FILE):] == '\n[accounts.extra]\nprovider = "demo"\nkind = "postpaid"\n'


def test_append_to_a_file_without_final_newline_or_to_nothing(tmp_path):
    path = tmp_path / "c.toml"
    assert config_edit.append_account("", "a", {"provider": "demo"}, path) == '[accounts.a]\nprovider = "demo"\n'
    text = '[settings]\ninterval = 60'
    assert config_edit.append_account(text, "a", {"provider": "demo"}, path) == (
        '[settings]\ninterval = 60\n\n[accounts.a]\nprovider = "demo"\n')


def test_append_refuses_an_existing_name(tmp_path):
    with pytest.raises(ConfigError, match="'home' already exists"):
        config_edit.append_account(USER_FILE, "home", {"provider": "demo"}, tmp_path / "c.toml")


def test_remove_takes_the_table_and_its_own_comment_only(tmp_path):
    path = tmp_path / "c.toml"
    assert config_edit.remove_account(USER_FILE, "home", path) == USER_FILE.split("\n# personal")[0]
    without_work = config_edit.remove_account(USER_FILE, "work", path)
    assert without_work == USER_FILE.replace(
        '[accounts.work]  # the company key\nprovider = "demo"\n# kind = "postpaid"   (tried it, too noisy)\n'
        'kind = "prepaid"\n\n', "")
    assert "# my tokseg config" in without_work and "# personal: paid by me" in without_work


def test_rename_changes_only_the_header(tmp_path):
    new = config_edit.rename_account(USER_FILE, "work", "office", tmp_path / "c.toml")
    assert new == USER_FILE.replace("[accounts.work]  # the company key", "[accounts.office]  # the company key")


def test_accounts_written_another_way_are_refused_not_mangled(tmp_path):
    path = tmp_path / "c.toml"
    inline = 'accounts = { work = { provider = "demo" } }\n'
    with pytest.raises(ConfigError, match="tokseg config edit"):
        config_edit.remove_account(inline, "work", path)
    dotted = '[accounts]\nwork.provider = "demo"\n'
    with pytest.raises(ConfigError, match="tokseg config edit"):
        config_edit.rename_account(dotted, "work", "job", path)
    tricky = 'note = """\n[accounts.work]\n"""\n[accounts.work]\nprovider = "demo"\n'
    with pytest.raises(ConfigError, match="too unusual"):
        config_edit.remove_account(tricky, "work", path)


text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(label=text_values, command=st.lists(text_values, max_size=4), speed=st.floats(allow_nan=False,
       allow_infinity=False), on=st.booleans())
def test_values_read_back_exactly(label, command, speed, on):
    values = {"provider": "demo", "label": label, "key_command": command, "speed": speed, "enabled": on}
    text = config_edit.append_account("", "a", values, Path(os.devnull))
    assert tomllib.loads(text)["accounts"]["a"] == values


@given(name=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12))
def test_header_names_round_trip(name):
    text = config_edit.append_account("[settings]\ninterval = 60\n", name, {"provider": "demo"}, Path(os.devnull))
    assert tomllib.loads(text)["accounts"] == {name: {"provider": "demo"}}
    renamed = config_edit.rename_account(text, name, name + "2", Path(os.devnull))
    assert tomllib.loads(renamed)["accounts"] == {name + "2": {"provider": "demo"}}
    assert config_edit.remove_account(renamed, name + "2", Path(os.devnull)) == "[settings]\ninterval = 60\n"


def test_write_keeps_mode_and_follows_a_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "tokseg.toml"
    real.parent.mkdir()
    real.write_text(USER_FILE)
    os.chmod(real, 0o640)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    config_edit.write(link, USER_FILE + "# more\n")
    assert link.is_symlink()
    assert real.read_text() == USER_FILE + "# more\n"
    assert real.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in real.parent.iterdir()] == ["tokseg.toml"]


def test_write_creates_a_private_file(tmp_path):
    path = tmp_path / "new" / "config.toml"
    config_edit.write(path, "[settings]\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
