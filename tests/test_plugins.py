"""Provider plugins through the real CLI: packages installed with pip, `tokseg` run as subprocesses.

The example plugin talks HTTP to the fake server; the broken package holds a
plugin that cannot be imported, one that breaks the contract and one whose
name a built-in takes. None of them may cost the other accounts their figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import plugins
from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, start_fake_server
from tokseg import providers


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plugins.install(tmp_path_factory)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    fake = start_fake_server(defaults=False)
    yield fake
    fake.stop()


@pytest.fixture
def api(server: FakeServer) -> FakeServer:
    """The example plugin's API on loopback, accepting only its test key."""
    server.reset([("GET", plugins.EXAMPLE_PATH, plugins.EXAMPLE_ANSWER, "openai")])
    server.require_key("/example/", "Authorization", f"Bearer {plugins.EXAMPLE_KEY}")
    return server


def with_plugins(site: Path, **env: str) -> dict[str, str]:
    return {"PYTHONPATH": str(site), "EXAMPLE_TEST_KEY": plugins.EXAMPLE_KEY, **env}


def example_account(api: FakeServer, name: str = "ex") -> str:
    return f'[accounts.{name}]\nprovider = "example"\nbase_url = "{api.url}/example/v1"\nkey_env = "EXAMPLE_TEST_KEY"\n'


def test_config_check_accepts_a_plugin_provider_once_its_package_is_installed(site, api, config_file):
    write_config(config_file, example_account(api))
    missing = run_tokseg("config", "check")
    assert missing.returncode == 1
    assert "unknown provider 'example'" in missing.stderr + missing.stdout
    done = run_tokseg("config", "check", env=with_plugins(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{config_file}: ok, 1 account(s): ex"


def test_refresh_then_json_show_the_plugin_reading(site, api, config_file):
    write_config(config_file, example_account(api) + '[accounts.d]\nprovider = "demo"\n')
    done = run_tokseg("refresh", env=with_plugins(site))
    assert done.returncode == 0, done.stderr + done.stdout
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [["ok", "ex"], ["ok", "d"]]
    doc = json.loads(run_tokseg("--json").stdout)
    accounts = {a["name"]: a for a in doc["accounts"]}
    assert accounts["ex"]["provider"] == "example" and accounts["ex"]["status"] == "ok"
    assert accounts["ex"]["balance"] == [{"amount": 42.5, "currency": "USD"}]
    assert accounts["ex"]["spent"]["today"] == {"amount": 1.25, "currency": "USD"}
    assert run_tokseg("--account", "ex").stdout.strip() == "ex $42.50"
    assert [c.headers["authorization"] for c in api.calls(plugins.EXAMPLE_PATH)] == [f"Bearer {plugins.EXAMPLE_KEY}"]


def test_a_plugin_error_reaches_the_terminal_without_escapes_or_the_key(site, api, config_file):
    api.fault(plugins.EXAMPLE_PATH, "401", message=f"key {plugins.EXAMPLE_KEY} refused\x1b[2J\x1b]0;owned\x07")
    write_config(config_file, example_account(api))
    done = run_tokseg("refresh", env=with_plugins(site))
    assert done.returncode == 1
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    message = account["error"]["message"]
    assert account["error"]["kind"] == "auth" and "refused\\x1b[2J\\x1b]0;owned\\x07" in message
    for text in (message, done.stdout, done.stderr):
        assert "\x1b" not in text and "\x07" not in text and plugins.EXAMPLE_KEY not in text


BROKEN_ACCOUNTS = """
[accounts.broke]
provider = "broken"
base_url = "https://api.acme.test/v1"
label = "B"

[accounts.odd]
provider = "misshapen"

[accounts.d]
provider = "demo"
"""


def test_broken_plugins_are_reported_by_doctor_and_the_bar_keeps_the_other_accounts(site, api, config_file):
    write_config(config_file, example_account(api) + BROKEN_ACCOUNTS)
    env = with_plugins(site)
    assert run_tokseg("config", "check", env=env).returncode == 0
    done = run_tokseg("refresh", env=env)
    assert done.returncode == 1
    assert {line.split()[1]: line.split()[0] for line in done.stdout.splitlines()} == {
        "ex": "ok", "broke": "config", "odd": "config", "d": "ok"}
    assert "\x1b" not in done.stdout + done.stderr

    segment = run_tokseg("--format", "plain").stdout.strip()
    assert segment.startswith("ex $42.50 │ B !config │ odd !config │ d $")
    accounts = {a["name"]: a for a in json.loads(run_tokseg("--json").stdout)["accounts"]}
    assert accounts["d"]["provider"] == "demo" and accounts["d"]["balance"]  # the built-in demo, not the plugin's
    broke = accounts["broke"]["error"]
    assert broke["kind"] == "config"
    assert broke["message"].startswith(
        "provider 'broken' comes from the plugin package tokseg-broken 0.2.0, which cannot be used: "
        "cannot import tokseg_broken.provider: ImportError: tokseg-broken needs the acme-sdk package"
        "\\x1b[2J\\x1b[31m (pip install acme-sdk) second line; fix: reinstall or upgrade tokseg-broken")
    assert "`tokseg remove broke`" in broke["message"]
    assert "NAME is 'something_else', not 'misshapen'" in accounts["odd"]["error"]["message"]

    doctor = run_tokseg("doctor", env=env)
    assert doctor.returncode == 1
    assert "\x1b" not in doctor.stdout
    lines = [line for line in doctor.stdout.splitlines() if line[4:].startswith("plugin ")]
    assert lines == [
        "FIX plugin broken from tokseg-broken 0.2.0 unusable: cannot import tokseg_broken.provider: ImportError: "
        "tokseg-broken needs the acme-sdk package\\x1b[2J\\x1b[31m (pip install acme-sdk) second line; "
        "fix: reinstall or upgrade tokseg-broken where tokseg is installed, or uninstall it",
        "FIX plugin demo from tokseg-broken 0.2.0 ignored: a built-in provider is named 'demo' and wins; "
        "rename the entry point or uninstall it",
        "ok  plugin example from tokseg-example 0.1.0 (tokseg_example.provider)",
        "FIX plugin misshapen from tokseg-broken 0.2.0 unusable: tokseg_broken.misshapen does not keep the provider "
        "contract: NAME is 'something_else', not 'misshapen' (the entry-point name); "
        "fix: reinstall or upgrade tokseg-broken where tokseg is installed, or uninstall it",
    ]
    report = json.loads(run_tokseg("doctor", "--json", env=env).stdout)
    assert {p["name"]: p["state"] for p in report["plugins"]} == {
        "broken": "unusable", "demo": "ignored", "example": "ok", "misshapen": "unusable"}


def test_add_and_discover_offer_plugin_providers(site, api, config_file):
    env = with_plugins(site)
    unknown = run_tokseg("add", "nope", env=env)
    assert unknown.returncode != 0
    assert "'example'" in unknown.stderr and "'broken'" in unknown.stderr and "'openrouter'" in unknown.stderr
    url = f"{api.url}/example/v1"
    wrong = run_tokseg("add", "example", "--base-url", url, input="sk-not-theirs\n", env=env)
    assert wrong.returncode != 0 and not config_file.exists()
    assert "this does not look like an Example key (they start exk-…)" in wrong.stderr
    added = run_tokseg("add", "example", "--base-url", url, input=plugins.EXAMPLE_KEY + "\n", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added example (example): $42.50; key exk-")
    assert 'provider = "example"' in config_file.read_text()
    found = run_tokseg("discover", "--json", env=with_plugins(site, EXAMPLE_API_KEY=plugins.EXAMPLE_KEY))
    assert found.returncode == 0, found.stderr
    sources = [s for s in json.loads(found.stdout)["sources"] if s["provider"] == "example"]
    assert [(s["where"], s["available"]) for s in sources] == [("$EXAMPLE_API_KEY", True)]
    assert plugins.EXAMPLE_KEY not in found.stdout


def test_the_registry_holds_built_ins_then_plugins_sorted(site, monkeypatch):
    monkeypatch.syspath_prepend(str(site))
    providers.rescan()
    try:
        names = list(providers.PROVIDERS)
        assert names == sorted(providers.BUILTIN.keys() | {"broken", "example", "misshapen"})
        assert len(providers.PROVIDERS) == len(names) and providers.PROVIDERS["example"] == "tokseg_example.provider"
        assert providers.PROVIDERS["demo"] == "tokseg.providers.demo" and providers.load("demo").TITLE == "Demo"
        assert providers.known("broken") and not providers.known("nope") and "nope" not in providers.PROVIDERS
        with pytest.raises(KeyError):
            providers.load("nope")
        broken = providers.load("broken")
        assert broken is providers.load("broken") and broken.SECRET is None
        assert broken.UNUSABLE.startswith("cannot import tokseg_broken.provider: ImportError")
    finally:
        providers.rescan()


SCAN_PROBE = """
import sys
from pathlib import Path
from tokseg import config, providers
def scanned():
    plugins = sys.modules.get("tokseg.providers._plugins")
    return bool(plugins and plugins.scan.cache_info().currsize)
steps = [("import", "importlib.metadata" in sys.modules, scanned())]
config.parse('[accounts.a]\\nprovider = "openrouter"\\n[accounts.b]\\nprovider = "claude_code"\\n', Path("c.toml"))
providers.load("demo"), "xai" in providers.PROVIDERS, providers.PROVIDERS["groq"], providers.known("codex_logs")
steps.append(("built-in lookups", scanned()))
steps.append(("plugin name", providers.known("example"), scanned()))
print(steps)
"""


def test_only_a_name_that_is_not_built_in_reads_the_entry_points(site):
    """Importing the registry (no importlib.metadata either) and looking up built-ins never scan; a plugin name does."""
    done = subprocess.run([sys.executable, "-c", SCAN_PROBE], env={**os.environ, **with_plugins(site)},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('import', False, False), ('built-in lookups', False), ('plugin name', True, True)]"
