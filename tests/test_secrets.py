"""Keys: preview, keyring round trip, key_env, key_command without a shell, and no keyring at all."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tokseg import secrets
from tokseg.config import Account
from tokseg.errors import NoSecret
from tokseg.providers._base import SecretSpec

SPEC = SecretSpec(env="EXAMPLE_API_KEY", hint="create a key at https://example.test/keys")


def account(**kwargs) -> Account:
    return Account(name=kwargs.pop("name", "work"), provider="demo", label="w", interval=300.0, options=None, **kwargs)


@pytest.mark.parametrize(("key", "shown"), [
    ("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", "sk-or-…91bc"),
    ("sk-admin-Zq81c0ffee0000000000000000000000a1b2", "sk-admin-…a1b2"),
    ("xai-0123456789abcdefghijklmnopqrstu", "xai-…rstu"),
    ("0123456789abcdef", "…cdef"),
    ("sk-short", "…"),
])
def test_preview(key, shown):
    assert secrets.preview(key) == shown


@given(st.text(min_size=1, max_size=80))
def test_preview_never_shows_more_than_a_third(key):
    shown = secrets.preview(key).replace("…", "")
    assert len(shown) * 3 <= len(key)
    assert shown == "" or shown != key


def test_keyring_round_trip_in_a_real_backend(home, tmp_path):
    assert secrets.keyring_get("work") is None
    secrets.keyring_set("work", "sk-test-keyring-0001")
    found = secrets.locate(account(), SPEC, env={})
    assert found == secrets.Found("sk-test-keyring-0001", "keyring")
    assert secrets.keyring_delete("work") is True
    assert secrets.keyring_delete("work") is False
    with pytest.raises(NoSecret, match=r"no key for account 'work' \(demo\): run `tokseg add demo --name work` "
                                       r"or set EXAMPLE_API_KEY; create a key at https://example.test/keys"):
        secrets.resolve(account(), SPEC, env={})


def test_precedence_command_then_env_then_keyring_then_provider_env():
    secrets.keyring_set("work", "from-keyring")
    env = {"MY_KEY": "from-env", "EXAMPLE_API_KEY": "from-provider-env"}
    assert secrets.locate(account(key_command=["printf", "from-command"]), SPEC, env).source == "command"
    assert secrets.locate(account(key_env="MY_KEY"), SPEC, env) == secrets.Found("from-env", "env")
    assert secrets.locate(account(), SPEC, env) == secrets.Found("from-keyring", "keyring")
    secrets.keyring_delete("work")
    assert secrets.locate(account(), SPEC, env) == secrets.Found("from-provider-env", "provider env")
    with pytest.raises(NoSecret, match="key_env names MY_KEY, which is not set or empty"):
        secrets.resolve(account(key_env="MY_KEY"), SPEC, {"MY_KEY": "  "})


def test_key_command_string_runs_without_a_shell(tmp_path):
    marker = tmp_path / "marker"
    got = secrets.resolve(account(key_command=f"printf %s sk-cmd-1 ';' touch {marker}"), SPEC, {})
    assert got == "sk-cmd-1;touch" + str(marker)
    assert not marker.exists()


def test_key_command_list_may_name_a_shell():
    got = secrets.resolve(account(key_command=["sh", "-c", "printf 'line1 sk-two\\nother' | cut -d' ' -f2"]),
                          SPEC, {})
    assert got == "sk-two"


@pytest.mark.parametrize(("command", "message"), [
    (["/nonexistent/pass"], "'/nonexistent/pass' was not found"),
    ([sys.executable, "-c", "raise SystemExit(3)"], "exited with status 3; run it yourself"),
    ([sys.executable, "-c", "pass"], "printed nothing"),
    ("", "is empty"),
    ([], "is empty"),
    ("pass show 'unclosed", "cannot be split into words \\(No closing quotation\\); check its quotes"),
])
def test_key_command_failures_are_one_line(command, message):
    with pytest.raises(NoSecret, match=message) as caught:
        secrets.resolve(account(key_command=command), SPEC, {})
    assert "\n" not in str(caught.value)


def test_no_keyring_backend_is_one_line_naming_both_alternatives(config_file):
    """keyring's own fail backend, chosen through its own configuration, in a real process."""
    config_file.write_text('[accounts.a]\nprovider = "openrouter"\n')
    os.chmod(config_file, 0o600)
    os.chmod(config_file.parent, 0o700)
    done = run_tokseg("doctor", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert done.returncode == 1
    assert done.stdout.rstrip().endswith("2 problem(s) found")  # the keyring, and so account a has no key
    assert "Traceback" not in done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "keyring:" in line)
    assert "keyring.backends.fail.Keyring" in line
    assert "no usable keyring (NoKeyringError: No recommended backend was available)" in line
    assert 'key_env = "VAR"' in line and "key_command" in line
    broken = run_tokseg("doctor", env={"PYTHON_KEYRING_BACKEND": "tokseg_no_such_module.Keyring"})
    assert "Traceback" not in broken.stdout + broken.stderr
    assert ("FIX keyring: none (the configured backend could not be loaded) - no usable keyring "
            "(ModuleNotFoundError: No module named 'tokseg_no_such_module'); keep the key elsewhere") in broken.stdout
    assert '      fix: this machine has no usable keyring: set key_env = "VAR" or key_command = "…" in [accounts.a]' \
        in done.stdout
