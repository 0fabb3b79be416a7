"""Accounts with keys, against the fake provider server and a real (file-backed) keyring backend."""

from __future__ import annotations

import io
import json
import os
import pty
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, start_fake_server
from tokseg import dirs, doctor, refresh, secrets, snapshot, store
from tokseg.cli import main

KEY = "sk-or-v1-5eCre7Zq81c0ffee4d2b7a9e6f1d3c5b7a9e1f2d4c6b8a0e2f4d6c8b0a2e491bc"
OTHER_KEY = "sk-or-v1-0th3rKeyf00dfacade0123456789abcdef0123456789abcdef0123457e2a"
BASE = "/openrouter/api/v1"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = start_fake_server()
    yield server
    server.stop()


def cli(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def snap() -> dict:
    return snapshot.read(str(store.snapshot_path())) or {}


def test_add_checks_the_key_live_then_keeps_it_only_in_the_keyring(capsys, monkeypatch, fake):
    code, out, err = cli(capsys, monkeypatch, "add", "openrouter", "--base-url", fake.url + BASE, stdin=KEY + "\n")
    assert (code, err) == (0, "")
    assert out == "added openrouter (openrouter): $74.75; key sk-or-…91bc (keyring)\n"
    assert [c.headers["authorization"] for c in fake.calls(f"{BASE}/key")] == [f"Bearer {KEY}"]
    assert secrets.keyring_get("openrouter") == KEY
    table = f'[accounts.openrouter]\nprovider = "openrouter"\nbase_url = "{fake.url}{BASE}"\n'
    assert dirs.config_path().read_text() == table
    entry = snap()["accounts"]["openrouter"]
    assert entry["status"] == "ok" and entry["reading"]["balance"] == [{"amount": 74.75, "currency": "USD"}]

    rows = json.loads(cli(capsys, monkeypatch, "list", "--json")[1])["accounts"]
    assert (rows[0]["key_preview"], rows[0]["key_source"], rows[0]["headline"]) == ("sk-or-…91bc", "keyring", "$74.75")

    # Adding the same account again replaces only its key, after checking the new one.
    code, out, _ = cli(capsys, monkeypatch, "add", "openrouter", stdin=OTHER_KEY)
    assert out == "new key saved for openrouter (openrouter): $74.75; key sk-or-…7e2a (keyring)\n"
    assert secrets.keyring_get("openrouter") == OTHER_KEY
    assert dirs.config_path().read_text().count("[accounts.") == 1

    renamed = cli(capsys, monkeypatch, "rename", "openrouter", "personal")[1]
    assert renamed == "renamed openrouter to personal (key moved)\n"
    assert (secrets.keyring_get("openrouter"), secrets.keyring_get("personal")) == (None, OTHER_KEY)
    assert snap()["accounts"]["personal"]["reading"]["balance"][0]["amount"] == 74.75
    assert cli(capsys, monkeypatch, "remove", "personal")[1] == "removed personal and its key\n"
    assert secrets.keyring_get("personal") is None and snap()["accounts"] == {}


@pytest.mark.parametrize(("typed", "fault", "message"), [
    ("sk-proj-notanopenrouterkey000000000000", None,
     "tokseg: not added: this does not look like an OpenRouter key (they start sk-or-…); "
     "create one at https://openrouter.ai/settings/keys\n"),
    (KEY, "401", "tokseg: not added: key refused by 127.0.0.1/openrouter/api/v1/key (HTTP 401): Invalid API key "
                 "provided; create a key at https://openrouter.ai/settings/keys\n"),
    (KEY, "500", "tokseg: not added: server error at 127.0.0.1/openrouter/api/v1/key (HTTP 500)\n"),
    ("", None, "tokseg: not added: no key given; create a key at https://openrouter.ai/settings/keys\n"),
    ("sk-or-v1-with space", None, "tokseg: not added: the key contains spaces or line breaks; paste only the key\n"),
])
def test_a_key_that_does_not_work_saves_nothing(capsys, monkeypatch, fake, typed, fault, message):
    if fault:
        fake.fault(f"{BASE}/key", fault)
    code, out, err = cli(capsys, monkeypatch, "add", "openrouter", "--base-url", fake.url + BASE, stdin=typed)
    assert (code, out, err) == (1, "", message)
    assert not dirs.config_path().exists()
    assert secrets.keyring_get("openrouter") is None
    assert snap() == {}
    if fault is None:
        assert fake.calls() == []


def test_key_env_account_keeps_the_key_out_of_the_keyring(capsys, monkeypatch, fake):
    monkeypatch.setenv("MY_OR_KEY", KEY)
    code, out, _ = cli(capsys, monkeypatch, "add", "openrouter", "--name", "team", "--key-env", "MY_OR_KEY",
                       "--base-url", fake.url + BASE)
    assert code == 0 and out.endswith("key sk-or-…91bc (env)\n")
    assert 'key_env = "MY_OR_KEY"' in dirs.config_path().read_text()
    assert secrets.keyring_get("team") is None
    code, _, err = cli(capsys, monkeypatch, "add", "openrouter", "--name", "team", stdin=OTHER_KEY)
    assert code == 1 and "reads its key from key_env = MY_OR_KEY; change the key there" in err


def test_provider_options_are_passed_and_typed(capsys, monkeypatch, fake):
    code, _, err = cli(capsys, monkeypatch, "add", "moonshot", "--base-url", fake.url + "/moonshot",
                       stdin="sk-moon-1234567890abcdef")
    assert code == 1 and "not added: moonshot: cannot tell the balance currency from host '127.0.0.1'" in err
    code, out, err = cli(capsys, monkeypatch, "add", "moonshot", "--base-url", fake.url + "/moonshot",
                         "-o", "currency=CNY", stdin="sk-moon-1234567890abcdef")
    assert (code, err) == (0, ""), err
    assert out.startswith("added moonshot (moonshot): ¥49.59")
    assert 'currency = "CNY"' in dirs.config_path().read_text()


def test_plain_http_base_url_is_refused_off_loopback(capsys, monkeypatch):
    code, _, err = cli(capsys, monkeypatch, "add", "openrouter", "--base-url", "http://example.com/api/v1", stdin=KEY)
    assert code == 1 and "plain http, which would send the key in clear text" in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("provider", "fault", "kind", "fix"), [
    ("openrouter", "401", "auth", "wrong key type: this does not look like an OpenRouter key"),
    ("openrouter", "429", "rate_limited", "the provider asked tokseg to slow down: wait until"),
    ("openrouter", "500", "server", "the provider has an outage"),
    ("openrouter", "html", "bad_response", "upgrade tokseg"),
    ("openrouter", "closed", "network", "check the connection, any proxy"),
    # Behind a proxy Moonshot cannot tell CNY from USD by the host: a config error at fetch time.
    ("moonshot", None, "config", "fix the config as the message says: `tokseg config edit`"),
])
def test_doctor_names_the_fix_for_each_error_class(config_file, monkeypatch, fake, provider, fault, kind, fix):
    path = BASE if provider == "openrouter" else "/moonshot"
    base = f"http://127.0.0.1:{_closed_port()}{path}" if fault == "closed" else fake.url + path
    write_config(config_file, f'[accounts.or]\nprovider = "{provider}"\nkey_env = "OR_KEY"\nbase_url = "{base}"\n')
    monkeypatch.setenv("OR_KEY", "sk-proj-wrongtype0000000000000000" if kind == "auth" else KEY)
    if fault not in (None, "closed"):
        fake.fault(f"{BASE}/key", fault, retry_after="120")
    report = refresh.run(force=True)
    assert [o.error_kind for o in report.outcomes] == [kind]
    (account,) = doctor.diagnose()["accounts"]
    assert account["error"]["kind"] == kind
    assert fix in account["fix"]
    if kind == "rate_limited":
        assert "(in 2m)" in account["fix"] or "(in 1m" in account["fix"]


def test_no_keyring_add_and_refresh_say_what_to_do_instead(config_file, fake):
    """keyring's fail backend, selected through keyring's own configuration, in real processes."""
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    added = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, input=KEY + "\n", env=no_keyring)
    assert added.returncode == 1 and added.stdout == ""
    assert added.stderr.startswith("tokseg: the key works but was not saved: no usable keyring "
                                   "(NoKeyringError: No recommended backend was available); keep the key elsewhere: "
                                   'key_env = "VAR"')
    assert "--key-env / --key-command" in added.stderr and added.stderr.count("\n") == 1
    assert not config_file.exists()

    write_config(config_file, f'[accounts.or]\nprovider = "openrouter"\nbase_url = "{fake.url}{BASE}"\n')
    refreshed = run_tokseg("refresh", env=no_keyring)
    assert refreshed.returncode == 1
    assert "no key for account 'or' (openrouter) (no usable keyring (NoKeyringError" in refreshed.stdout
    assert "key_command" in refreshed.stdout and "Traceback" not in refreshed.stdout + refreshed.stderr


def test_end_to_end_add_refresh_show(fake):
    """The user's path: key piped to `tokseg add`, `tokseg refresh`, then the segment shows the balance."""
    added = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    fake.route("GET", f"{BASE}/credits", {"data": {"total_credits": 50, "total_usage": 7.5}}, errors="openrouter")
    refreshed = run_tokseg("refresh")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "openrouter  $42.50" in refreshed.stdout
    shown = run_tokseg()
    assert shown.stdout == "openrouter $42.50\n"
    assert [c.headers["authorization"] for c in fake.calls(f"{BASE}/key")] == [f"Bearer {KEY}"] * 2


def test_typed_key_is_asked_for_with_hidden_input(fake):
    """On a terminal, `tokseg add` prompts and the typed key is not echoed back."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "tokseg", "add", "openrouter", "--base-url", fake.url + BASE],
                             stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    seen = b""

    def read_until(marker: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(controller, 4096)
            except OSError:
                break

    try:
        read_until(b"OpenRouter key (input hidden): ")
        os.write(controller, KEY.encode() + b"\n")
        read_until(b"(keyring)")
        assert child.wait(timeout=20) == 0, seen
    finally:
        child.kill()
        os.close(controller)
    assert b"added openrouter (openrouter): $74.75; key sk-or-\xe2\x80\xa691bc (keyring)" in seen
    assert KEY.encode() not in seen
    assert secrets.keyring_get("openrouter") == KEY


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's fail backend, chosen with keyring's own API for the rest of this test."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_remove_and_rename_without_a_keyring(capsys, monkeypatch, config_file, no_keyring):
    write_config(config_file, '[accounts.a]\nprovider = "openrouter"\n\n[accounts.b]\nprovider = "openrouter"\n'
                              'key_env = "B_KEY"\n')
    code, _, err = cli(capsys, monkeypatch, "rename", "a", "c")
    assert code == 1 and err.startswith("tokseg: account 'a' was not renamed: no usable keyring (NoKeyringError")
    assert cli(capsys, monkeypatch, "rename", "b", "d")[1] == "renamed b to d\n"
    code, out, err = cli(capsys, monkeypatch, "remove", "a")
    assert (code, out) == (0, "removed a\n")
    assert err.startswith("tokseg: the key could not be removed from the keyring: no usable keyring")
    assert config_file.read_text() == '[accounts.d]\nprovider = "openrouter"\nkey_env = "B_KEY"\n'
