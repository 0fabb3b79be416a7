"""Fuzzed snapshots through the real hot path and the interactive commands: never a traceback, never a hang,
and a refresh started whenever the data is unusable.

Snapshots are valid JSON of random shape (with the keys the schema uses, so the checks are reached) and
random mutations of a real one; the compiled config (`settings`, `config`) is fuzzed with them. The hot
path runs as a subprocess whose refresher is `true`, so the spawn marker shows a refresh was started
without a refresher running per example.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg, write_config
from tests.snapshots import BOUND_S, hot_call
from tokseg import snapshot

PLACEHOLDERS = ("tok ?", "tok …")
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

leaves = (st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats() | st.text(max_size=6)
          | st.sampled_from(["ok", "parked", "balance", "window", "5h", "USD", "demo"]))
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)
readings = st.dictionaries(st.sampled_from(list(snapshot.READING)), values, max_size=5)
entries = st.dictionaries(st.sampled_from(list(snapshot.ENTRY)), values | readings, max_size=8) | values
random_snapshots = st.fixed_dictionaries(
    {"schema": st.just(1), "accounts": st.dictionaries(st.sampled_from(["x", "y", "é"]), entries, max_size=3)},
    optional={"settings": st.dictionaries(st.sampled_from(list(snapshot.SETTINGS)), values, max_size=4) | values,
              "config": st.dictionaries(st.sampled_from(list(snapshot.CONFIG)), values, max_size=4) | values,
              "written_at": values, "budget": values})


@pytest.fixture(scope="module")
def real_snapshot(tmp_path_factory) -> dict:
    """What the refresher writes for a balance and a subscription account."""
    home = tmp_path_factory.mktemp("real")
    config = write_config(home / "config.toml", '[accounts.credits]\nprovider = "demo"\nwarn_below = 5\n'
                                                '[accounts.claude]\nprovider = "demo"\nkind = "subscription"\n')
    env = {"TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(config)}
    assert run_tokseg("refresh", "--quiet", env=env).returncode == 0
    return json.loads((home / "cache" / "snapshot.json").read_text())


@st.composite
def mutated(draw, real: dict) -> dict:
    """`real` with one to three values somewhere inside replaced by random JSON, or removed."""
    data = json.loads(json.dumps(real))
    for _ in range(draw(st.integers(1, 3))):
        parent, key = None, None
        node = data
        while isinstance(node, (dict, list)) and node and (parent is None or draw(st.booleans())):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, draw(st.sampled_from(keys))
            node = parent[key]
        if parent is None:
            continue
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(values)
    return data


def _home_with(data: dict) -> Path:
    home = Path(tempfile.mkdtemp(prefix="tokseg-fuzz-"))
    (home / "cache").mkdir(mode=0o700)
    (home / "cache" / "snapshot.json").write_text(json.dumps(data))  # NaN and Infinity too, as json writes them
    return home


def _hot(data: dict, *args: str) -> None:
    home = _home_with(data)
    try:
        done = hot_call(home, home / "none.toml", *args)
        urgent = 33 if "i3blocks" in args else 0  # i3blocks reads "urgent" from the exit code
        assert done.returncode in (0, urgent) and done.stderr == "", done.stderr
        assert "Traceback" not in done.stdout
        _, repaired = snapshot.load(str(home / "cache" / "snapshot.json"))
        if done.stdout.strip() in PLACEHOLDERS or repaired:
            assert (home / "cache" / "spawn.marker").is_file(), (done.stdout, data)
    finally:
        shutil.rmtree(home)


@FUZZ
@given(data=random_snapshots)
def test_random_snapshots_through_the_hot_path(data):
    _hot(data)


@FUZZ
@given(st.data())
def test_mutated_real_snapshots_through_the_hot_path(real_snapshot, data):
    _hot(data.draw(mutated(real_snapshot)))


@settings(FUZZ, max_examples=20)
@given(st.data(), st.sampled_from([("--json",), ("--format", "tmux"), ("--format", "i3blocks"),
                                   ("--template", "{credits.balance} {claude.5h.pct} {total.spent_today}")]))
def test_mutated_real_snapshots_in_other_formats(real_snapshot, data, args):
    _hot(data.draw(mutated(real_snapshot)), *args)


@settings(FUZZ, max_examples=8)
@given(st.data())
def test_interactive_commands_on_fuzzed_snapshots(real_snapshot, data):
    snap = data.draw(mutated(real_snapshot) | random_snapshots)
    home = _home_with(snap)
    try:
        env = {"TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(home / "none.toml")}
        for args in (("show",), ("list",), ("doctor",)):
            done = run_tokseg(*args, env=env, timeout=BOUND_S * 3)
            assert "Traceback" not in done.stdout + done.stderr, (args, done.stderr)
    finally:
        shutil.rmtree(home)
