"""A keyring backend that keeps keys unprotected (keyrings.alt's PlaintextKeyring: base64 in a file) is named
by `doctor` and refused by `tokseg add` unless the user says they know; the tests' own backend is chosen
by name, so installing the test dependencies changes nothing for a user's keys."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import run_tokseg
from tests.fakeserver import FakeServer, start_fake_server

KEY = "sk-or-v1-5eCre7Zq81c0ffee4d2b7a9e6f1d3c5b7a9e1f2d4c6b8a0e2f4d6c8b0a2e491bc"
BASE = "/openrouter/api/v1"
PLAIN = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = start_fake_server()
    yield server
    server.stop()


def test_add_refuses_a_plaintext_keyring_before_asking_for_the_key(config_file, fake):
    done = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, env=PLAIN, input=KEY + "\n")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert "keyrings.alt.file.PlaintextKeyring keeps keys unprotected" in line and "keyring_pass.cfg" in line
    assert "--allow-plaintext-keyring" in line and "key_env" in line
    assert fake.calls() == [] and not config_file.exists()  # nothing asked, fetched or written
    allowed = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, "--allow-plaintext-keyring", env=PLAIN,
                         input=KEY + "\n")
    assert allowed.returncode == 0, allowed.stderr
    assert "added openrouter" in allowed.stdout


def test_key_env_accounts_need_no_keyring_and_are_not_refused(config_file, fake, monkeypatch):
    monkeypatch.setenv("OR_KEY", KEY)
    done = run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, "--key-env", "OR_KEY", env=PLAIN)
    assert done.returncode == 0, done.stderr


def test_doctor_warns_and_counts_it_once_a_key_lives_there(config_file, fake):
    empty = run_tokseg("doctor", env=PLAIN).stdout
    assert "warning: the keyring backend keyrings.alt.file.PlaintextKeyring keeps keys unprotected" in empty
    run_tokseg("add", "openrouter", "--base-url", fake.url + BASE, "--allow-plaintext-keyring", env=PLAIN,
               input=KEY + "\n")
    done = run_tokseg("doctor", env=PLAIN)
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "keeps keys unprotected" in line)
    assert line.startswith("FIX ") and "PYTHON_KEYRING_BACKEND" in line, line
    assert json.loads(run_tokseg("doctor", "--json", env=PLAIN).stdout)["keyring"]["plain"].startswith(
        "the keyring backend keyrings.alt.file.PlaintextKeyring")


def test_the_tests_choose_their_own_backend_by_name():
    """The suite's keys go to tests/keyring_backend.py, named in PYTHON_KEYRING_BACKEND; keyrings.alt is in
    the test extra only for the refusal tests above (a user's install with pipx never gets it, and a
    development venv that has it is refused by `add`)."""
    assert json.loads(run_tokseg("doctor", "--json").stdout)["keyring"]["backend"] == "tests.keyring_backend.FileKeyring"


def test_a_provider_reading_another_tools_login_is_not_refused_when_no_key_is_typed(config_file, home):
    """gemini with no key reads the Gemini CLI login: nothing goes to the keyring, so its kind does not matter."""
    done = run_tokseg("add", "gemini", env={**PLAIN, "HOME": str(home / "nobody")}, input="\n")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "PlaintextKeyring" not in done.stderr and "no Gemini CLI login" in done.stderr
    typed = run_tokseg("add", "gemini", env={**PLAIN, "HOME": str(home / "nobody")}, input="AIzaSyFakeKey123\n")
    assert typed.returncode == 1 and "PlaintextKeyring keeps keys unprotected" in typed.stderr  # a key would be kept
