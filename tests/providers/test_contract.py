"""One suite for every registered provider, built in or plugin: the contract each module must keep.

The per-provider tests also run over the example plugin in tests/plugins,
installed for real and loaded through the registry like any plugin; the
tests that pin the registry to the files in tokseg/ check the built-ins only.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest

from tests import plugins
from tests.providers.conftest import SPECS, Spec, fetch
from tokseg import config, context, providers
from tokseg.errors import ConfigError, TokError
from tokseg.providers import _plugins
from tokseg.providers._base import OPTIONAL_HOOKS, SecretSpec

PLUGINS = [plugins.EXAMPLE]
PLUGIN_SPECS = {plugins.EXAMPLE: Spec({"base_url": "/example/v1"}, plugins.EXAMPLE_PATH, plugins.EXAMPLE_KEY)}
PLUGIN_ANSWERS = {plugins.EXAMPLE: plugins.EXAMPLE_ANSWER}  # what the fake server answers at the spec's primary path
ALL = list(providers.BUILTIN) + PLUGINS
HTTP = sorted(SPECS) + PLUGINS
PACKAGE = Path(providers.__file__).parent
SECTIONS = ("Options:", "Reports:", "Needs:", "Errors:")


def toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def documented_options(doc: str) -> dict[str, str]:
    """name -> its text from the docstring's Options section (continuation lines joined)."""
    lines = doc.split("Options:", 1)[1].splitlines()[1:]
    found: dict[str, str] = {}
    current = None
    for line in lines:
        if line and not line.startswith(" "):
            break
        entry = re.match(r"^ {4}(\w+): (.*)$", line)
        if entry:
            current = entry.group(1)
            found[current] = entry.group(2)
        elif current and line.startswith("        "):
            found[current] += " " + line.strip()
    return found


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plugins.install(tmp_path_factory)


@pytest.fixture(autouse=True)
def _plugin_installed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A plugin's parameter gets its package on sys.path, its route on the fake server and its test spec."""
    callspec = getattr(request.node, "callspec", None)
    name = callspec.params.get("name") if callspec else None
    if name not in PLUGINS:
        yield
        return
    monkeypatch.syspath_prepend(str(request.getfixturevalue("plugin_site")))
    providers.rescan()
    monkeypatch.setitem(SPECS, name, PLUGIN_SPECS[name])
    if "fake" in request.fixturenames:
        request.getfixturevalue("fake").route("GET", PLUGIN_SPECS[name].primary, PLUGIN_ANSWERS[name])
    assert isinstance(providers.load(name), _plugins.PluginProvider)
    yield
    providers.rescan()


def test_registry_is_sorted_and_lists_every_module():
    """Providers and local sources share one registry; the file name is the name users write."""
    assert list(providers.BUILTIN) == sorted(providers.BUILTIN)
    assert list(providers.PROVIDERS) == sorted(providers.PROVIDERS)
    folders = {"providers": PACKAGE, "sources": PACKAGE.parent / "sources"}
    modules = sorted(p.stem for folder in folders.values() for p in folder.glob("*.py") if not p.stem.startswith("_"))
    assert modules == sorted(providers.BUILTIN)
    for name, dotted in providers.BUILTIN.items():
        assert dotted in {f"tokseg.{folder}.{name}" for folder in folders}


# These read another tool's login instead of a key; tests/providers/test_<name>.py cover them.
LOGIN_PROVIDERS = {"claude", "codex", "copilot"}
LOGIN_PROVIDERS |= {"cursor"}  # Cursor's own login, from its state database
LOGIN_PROVIDERS |= {"antigravity"}  # Antigravity's own login, from its state database


def test_every_http_provider_has_fake_server_tests():
    http = {name for name in providers.BUILTIN
            if "base_url" in {f.name for f in dataclasses.fields(providers.load(name).Options)}}
    assert set(SPECS) == http - LOGIN_PROVIDERS
    assert all((Path(__file__).parent / f"test_{name}.py").exists() for name in LOGIN_PROVIDERS)


@pytest.mark.parametrize("name", ALL)
def test_module_shape_and_docstring_sections(name):
    module = providers.load(name)
    assert name == module.NAME and module.TITLE
    doc = module.__doc__ or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert all(p > 0 for p in positions), f"{name}: docstring needs {SECTIONS}"
    assert positions == sorted(positions)
    assert module.SECRET is None or isinstance(module.SECRET, SecretSpec)
    if name in SPECS:
        assert isinstance(module.SECRET, SecretSpec) and module.SECRET.env
        assert "https://" in module.SECRET.hint
        assert "base_url" in {f.name for f in dataclasses.fields(module.Options)}


@pytest.mark.parametrize("name", ALL)
def test_docstring_options_match_the_dataclass(name):
    module = providers.load(name)
    documented = documented_options(module.__doc__)
    fields = {f.name: f.default for f in dataclasses.fields(module.Options)}
    assert list(documented) == list(fields)
    for key, default in fields.items():
        assert f"(default {toml_literal(default)})" in documented[key], f"{name}.{key}"
    for key, allowed in getattr(module, "CHOICES", {}).items():
        assert fields[key] in allowed


@pytest.mark.parametrize("name", HTTP)
def test_key_never_appears_in_errors(fake, session, name):
    key = SPECS[name].key
    for status in ("401", "403", "429", "500"):
        fake.clear_faults()
        fake.fault("*", status, message=f"Incorrect API key provided: {key}. Check it.")
        with pytest.raises(TokError) as caught:
            fetch(fake, session, name)
        for text in (str(caught.value), repr(caught.value), str(caught.value.args)):
            assert key not in text
            assert key[-12:] not in text


@pytest.mark.parametrize("name", HTTP)
def test_plain_http_off_loopback_is_refused(fake, session, name, tmp_path):
    module = providers.load(name)
    url_options = [f.name for f in dataclasses.fields(module.Options) if f.name.endswith("base_url")]
    assert url_options
    for option in url_options:
        text = f'[accounts.a]\nprovider = "{name}"\n{option} = "http://api.example.com/v1"\n'
        try:
            cfg = config.parse(text, tmp_path / "config.toml")
        except ConfigError as exc:
            assert "plain http" in str(exc) and ":3:" in str(exc)
            continue
        # Options config cannot check itself (e.g. a second host) must be refused before any request.
        with pytest.raises(ConfigError, match="plain http"):
            fetch(fake, session, name, **{option: "http://api.example.com/v1"})
        assert cfg.accounts
        assert not fake.calls()


@pytest.mark.parametrize("name", ALL)
def test_every_option_written_at_its_default_passes_config(name, tmp_path):
    module = providers.load(name)
    fields = {f.name: f.default for f in dataclasses.fields(module.Options)}
    lines = ['[accounts.a]', f'provider = "{name}"'] + [f"{k} = {toml_literal(v)}" for k, v in fields.items()]
    cfg = config.parse("\n".join(lines) + "\n", tmp_path / "config.toml")
    assert cfg.accounts[0].options == module.Options()


@pytest.mark.parametrize("name", [n for n in sorted(SPECS) if hasattr(providers.load(n), "key_problem")] + PLUGINS)
def test_key_problem_accepts_the_right_key_and_explains_a_wrong_one(name):
    check = providers.load(name).key_problem
    assert check(SPECS[name].key) is None
    problem = check("not-a-key")
    assert problem and "\n" not in problem and "https://" in problem


@pytest.mark.parametrize("name", ALL)
def test_optional_hooks_have_the_declared_shape(name):
    """A hook a module defines takes exactly what its Protocol in _base declares."""
    module = providers.load(name)
    for hook, protocol in OPTIONAL_HOOKS.items():
        if not hasattr(module, hook):
            continue
        if hook == "CHOICES":
            assert isinstance(module.CHOICES, dict)
            assert set(module.CHOICES) <= {f.name for f in dataclasses.fields(module.Options)}
            continue
        declared = list(inspect.signature(getattr(protocol, hook)).parameters)[1:]  # without self
        assert list(inspect.signature(getattr(module, hook)).parameters) == declared, f"{name}.{hook}"


@pytest.mark.parametrize("name", [n for n in providers.BUILTIN if hasattr(providers.load(n), "detect")])
def test_detect_finds_nothing_on_an_empty_machine(name, tmp_path):
    env = {"HOME": str(tmp_path), "PATH": str(tmp_path)}
    assert providers.load(name).detect(env, context.runner(env)) == []


def test_discover_knows_no_provider_by_name():
    """Discovery is a loop over the registry: every agent's knowledge lives in that agent's module."""
    text = (PACKAGE.parent / "discover.py").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert not [name for name in providers.PROVIDERS if re.search(rf"\b{name}\b", code)]
    assert not re.search(r"\b(claude|codex|copilot|gh|security|keychain)\b", code, re.IGNORECASE)
