"""Fuzzed config files through the hot path (the call right after an edit reads the config itself),
`tokseg config check` and a refresh: never a traceback, never a hang, the last good figures kept.

Configs are random text and random TOML of the config's own shape (every known key, hostile values:
huge and non-finite numbers, control characters, wrong types, unknown providers and hosts).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg, write_config
from tests.snapshots import BOUND_S, hot_call
from tokseg.config_edit import toml_key, toml_value

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GOOD = '[accounts.credits]\nprovider = "demo"\n'

SETTINGS = ["interval", "template", "separator", "stale_factor", "timeout", "deadline", "history_days",
            "spawn_cooldown", "colors", "push", "icons"]
ACCOUNT = ["provider", "label", "interval", "enabled", "key_env", "key_command", "warn_below", "crit_below",
           "warn_pct", "crit_pct", "base_url", "kind", "speed", "currency", "paths"]
numbers = (st.integers(-10**30, 10**30) | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0, -1, 1e308, 5]))
texts = st.text(max_size=12) | st.sampled_from(["{credits.value:>999999999}", "{nope", "{credits}", "demo",
                                                "\x1b]52;c;aGk=\x07", "\u202ex", "colour34", "#zzzzzz"])
scalars = numbers | texts | st.booleans()
values = scalars | st.lists(scalars, max_size=3) | st.dictionaries(st.sampled_from(["ok", "warn", "tmux", "x"]),
                                                                    scalars, max_size=3)


def literal(value: object) -> str:
    """A TOML literal for any drawn value, non-finite floats included (TOML has nan and inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return toml_value(value)


@st.composite
def configs(draw) -> str:
    lines = ["[settings]"]
    for key, value in draw(st.dictionaries(st.sampled_from(SETTINGS), values, max_size=4)).items():
        lines.append(f"{key} = {literal(value)}")
    for name in draw(st.lists(st.sampled_from(["credits", "b", "x-y", "é"]), max_size=3, unique=True)):
        lines.append(f"[accounts.{toml_key(name)}]")
        body = draw(st.dictionaries(st.sampled_from(ACCOUNT), values, max_size=5))
        body.setdefault("provider", draw(st.sampled_from(["demo", "nope", "openrouter", ""])))
        lines += [f"{key} = {literal(value)}" for key, value in body.items()]
    if draw(st.booleans()):
        lines.append(f"[budgets]\n{draw(st.sampled_from(['daily', 'credits', 'x']))} = {literal(draw(values))}")
    return "\n".join(lines) + "\n"


@st.composite
def nearly_good(draw) -> str:
    """The good config with one or two hostile values, so many of these pass the checks and reach the bar."""
    body = {"provider": "demo"}
    for key, value in draw(st.dictionaries(st.sampled_from(["label", "kind", "speed", "warn_below", "interval"]),
                                           texts | numbers, min_size=1, max_size=2)).items():
        body[key] = value
    template = draw(st.none() | texts)
    head = f"[settings]\ntemplate = {literal(template)}\n" if template is not None else ""
    return head + "[accounts.credits]\n" + "".join(f"{k} = {literal(v)}\n" for k, v in body.items())


any_config = nearly_good() | configs() | st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@pytest.fixture(scope="module")
def shown_home(tmp_path_factory) -> Path:
    """A home whose snapshot shows one demo account, built by a real refresh."""
    home = tmp_path_factory.mktemp("shown")
    config = write_config(home / "config.toml", GOOD)
    assert run_tokseg("refresh", "--quiet", env={"TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(config)}).returncode == 0
    return home


def _copy(home: Path, text: str) -> Path:
    fresh = Path(tempfile.mkdtemp(prefix="tokseg-cfg-fuzz-"))
    shutil.copytree(home / "cache", fresh / "cache")
    config = fresh / "config.toml"
    config.write_text(text, encoding="utf-8", errors="surrogateescape")
    later = time.time() + 1
    os.utime(config, (later, later))  # an edit: the snapshot was built from another mtime
    snap = json.loads((fresh / "cache" / "snapshot.json").read_text())
    snap["config"]["path"] = str(config)
    (fresh / "cache" / "snapshot.json").write_text(json.dumps(snap))
    return fresh


@FUZZ
@given(text=any_config, args=st.sampled_from([(), ("--json",), ("--format", "waybar"), ("--format", "tmux")]))
def test_an_edited_config_through_the_hot_path(shown_home, text, args):
    home = _copy(shown_home, text)
    try:
        done = hot_call(home, home / "config.toml", *args)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert "Traceback" not in done.stdout and "tok ?" not in done.stdout
        if args == ("--json",):
            json.loads(done.stdout)
        assert (home / "cache" / "spawn.marker").is_file()  # the edit started a refresh
    finally:
        shutil.rmtree(home)


@settings(FUZZ, max_examples=15)
@given(text=any_config)
def test_config_check_and_refresh_on_fuzzed_configs(shown_home, text):
    home = _copy(shown_home, text)
    try:
        env = {"TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(home / "config.toml")}
        check = run_tokseg("config", "check", env=env, timeout=BOUND_S)
        assert check.returncode in (0, 1) and "Traceback" not in check.stderr, check.stderr
        if check.returncode == 1:
            assert len(check.stderr.strip().splitlines()) == 1 and str(home / "config.toml") in check.stderr
        refresh = run_tokseg("refresh", "--quiet", env=env, timeout=30)
        assert refresh.returncode in (0, 1) and "Traceback" not in refresh.stderr, refresh.stderr
        if check.returncode == 1:  # a bad config keeps the last good figures, marked
            segment = run_tokseg(env=env).stdout
            assert segment.startswith("credits $") and segment.strip().endswith("!cfg"), segment
    finally:
        shutil.rmtree(home)
