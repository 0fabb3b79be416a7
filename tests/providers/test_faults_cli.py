"""The fault matrix through the real CLI: one account per provider, `tokseg refresh`, then `tokseg --json`.

Every provider of the contract suite gets an account pointed at the fake server, its key in an env
var, and the providers that read another tool's login (`cursor`, `antigravity`, and `gemini` without a key) one
each reading a login of its own. After one good refresh, each fault class hits every route at once: each account must end in
the fault's error kind, keep its last good reading (stale), and leave no key in any output.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.providers import test_antigravity, test_gemini
from tests.providers.conftest import SPECS
from tests.providers.test_cursor import jwt, state_db

FAULTS = [("401", "auth"), ("403", "auth"), ("429", "rate_limited"), ("500", "server"), ("html", "bad_response"),
          ("wrong_type", "bad_response"), ("truncated", "bad_response")]


def accounts_config(fake_url: str, folder: Path) -> tuple[str, dict[str, str], list[str]]:
    """A config with an account per provider (named after it), the env that holds their keys, and every
    secret, for the check that none is printed."""
    token = jwt(exp=time.time() + 86400)
    db = state_db(folder / "Cursor" / "state.vscdb", token)
    tables = [f'[accounts.cursor]\nprovider = "cursor"\nbase_url = "{fake_url}/cursor"\nstate_db = "{db}"']
    tables += login_accounts(fake_url, folder)
    env: dict[str, str] = {}
    for name, spec in sorted(SPECS.items()):
        var = f"TEST_KEY_{name.upper()}"
        env[var] = spec.key
        lines = [f"[accounts.{name}]", f'provider = "{name}"', f'key_env = "{var}"']
        lines += [f"{key} = {json.dumps(fake_url + path)}" for key, path in spec.urls.items()]
        lines += [f"{key} = {json.dumps(value)}" for key, value in spec.options.items()]
        tables.append("\n".join(lines))
    return "\n\n".join(tables) + "\n", env, [token, test_antigravity.TOKEN, test_gemini.TOKEN, *env.values()]


def login_accounts(fake_url: str, folder: Path) -> list[str]:
    """An antigravity account on a state database of its own, and a gemini one on a Gemini CLI login."""
    db = test_antigravity.state_db(folder / "Antigravity" / "state.vscdb", test_antigravity.signed_in())
    creds = test_gemini.login_file(folder / "gemini-cli", expiry_ms=(time.time() + 86400) * 1000)
    return [f'[accounts.antigravity]\nprovider = "antigravity"\nbase_url = "{fake_url}/antigravity"\n'
            f'state_db = "{db}"',
            f'[accounts.gemini-login]\nprovider = "gemini"\nauth = "login"\ncredentials = "{creds}"\n'
            f'login_base_url = "{fake_url}/gemini"']


def shown(env: dict[str, str]) -> dict[str, dict]:
    done = run_tokseg("--json", env=env)
    assert done.returncode == 0, done.stderr
    return {account["name"]: account for account in json.loads(done.stdout)["accounts"]}


@pytest.mark.parametrize(("fault", "kind"), FAULTS)
def test_every_provider_reports_the_fault_and_keeps_its_last_reading(fake, config_file, home, tmp_path, fault,
                                                                     kind):
    text, env, secrets = accounts_config(fake.url, tmp_path)
    write_config(config_file, text)
    first = run_tokseg("refresh", env=env, timeout=120)
    good = shown(env)
    failed = {name: a.get("error") for name, a in good.items() if a["status"] != "ok"}
    assert not failed, (failed, first.stdout, first.stderr)

    fake.fault("*", fault)
    done = run_tokseg("refresh", env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    after = shown(env)
    wrong = {name: (a.get("error") or {}).get("kind") for name, a in after.items()
             if (a.get("error") or {}).get("kind") != kind}
    assert not wrong, f"{fault}: expected {kind}, got {wrong} " + json.dumps([after[n].get("error") for n in wrong])
    for name, account in after.items():
        assert account["stale"] is True, name
        kept = {key: account.get(key) for key in ("balance", "windows", "spent", "limits")}
        before = {key: good[name].get(key) for key in kept}
        assert kept == before, name  # the last good figures survive the failure
    everything = first.stdout + first.stderr + done.stdout + done.stderr + json.dumps(after)
    assert set(after) == {*SPECS, "cursor", "antigravity", "gemini-login"}
    assert not [secret for secret in secrets if secret in everything]
