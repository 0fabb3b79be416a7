"""One home for the defaults both halves use (`tokseg/defaults.py`), and the docs that state them."""

from __future__ import annotations

import re
import textwrap

from tests.conftest import ROOT
from tokseg import config, defaults
from tokseg._toml import tomllib
from tokseg.cli.config import STARTER
from tokseg.render import render
from tokseg.render import view as views

NOW = 1_800_000_000.0


def readme_settings() -> dict:
    """The [settings] table of the README's "Configuration" example."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1]
    block = section.split("```toml", 1)[1].split("```", 1)[0]
    return tomllib.loads(block)["settings"]


def test_readme_states_the_defaults_the_config_applies():
    documented = readme_settings()
    applied = config.Settings()
    assert documented, "the README's Configuration example lost its [settings] table"
    for key, value in documented.items():
        assert getattr(applied, key) == value, key
    assert documented["interval"] == defaults.INTERVAL_S and documented["stale_factor"] == defaults.STALE_FACTOR
    assert documented["template"] == defaults.TEMPLATE and documented["separator"] == defaults.SEPARATOR
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(at least {config.MIN_INTERVAL_S:g})" in readme
    assert f"older than {defaults.STALE_FACTOR:g} × interval" in readme
    pct = re.search(r"`warn_pct` / `crit_pct` \(fullest window, default (\d+) / (\d+)\)", readme)
    assert pct and (float(pct[1]), float(pct[2])) == (defaults.WARN_PCT, defaults.CRIT_PCT)


def test_config_docstring_and_starter_file_state_the_same_defaults():
    example = tomllib.loads(textwrap.dedent(config.__doc__.split("\n\n")[1]))["settings"]
    assert {"interval", "template", "separator"} <= set(example)
    assert example == {key: getattr(config.Settings(), key) for key in example}  # each shown with its default
    starter = tomllib.loads(STARTER)["settings"]
    assert starter == {"interval": defaults.INTERVAL_S, "template": defaults.TEMPLATE}


def test_config_compiles_the_shared_defaults(tmp_path):
    cfg = config.parse('[accounts.a]\nprovider = "demo"\n', tmp_path / "config.toml")
    assert cfg.accounts[0].interval == defaults.INTERVAL_S
    assert cfg.accounts[0].thresholds == config.DEFAULT_THRESHOLDS == defaults.THRESHOLDS
    hot = config.compile_hot_settings(cfg)
    assert hot["stale_factor"] == defaults.STALE_FACTOR and hot["spawn_cooldown"] == defaults.SPAWN_COOLDOWN_S
    assert hot["template"] == defaults.TEMPLATE and hot["separator"] == defaults.SEPARATOR
    assert hot["thresholds"] == {"a": defaults.THRESHOLDS}
    quick = config.parse('[accounts.a]\nprovider = "demo"\ninterval = 6\n', tmp_path / "config.toml")
    assert config.compile_hot_settings(quick)["spawn_cooldown"] == 6.0


def entry(fetched_ago: float, used: float) -> dict:
    """An account entry without `interval`, as an older writer may have left it."""
    return {"provider": "demo", "label": "cl", "fetched_at": NOW - fetched_ago, "next_due": NOW + 60, "error": None,
            "status": "ok", "reading": {"headline": {"kind": "window", "key": "5h"},
                                        "windows": [{"name": "5h", "used_pct": used, "resets_at": None}]}}


def test_a_snapshot_without_settings_renders_with_the_config_defaults():
    """No compiled settings (first run, invalid config): the hot path falls back on the same numbers."""
    limit = defaults.INTERVAL_S * defaults.STALE_FACTOR
    accounts = {"fresh": entry(limit - 1, defaults.WARN_PCT - 1), "old": entry(limit + 1, 10.0),
                "warn": entry(0, defaults.WARN_PCT), "crit": entry(0, defaults.CRIT_PCT)}
    snap = {"schema": 1, "written_at": NOW, "settings": {}, "config": {}, "accounts": accounts}
    view = views.build(snap, NOW)
    assert {item["name"]: item["state"] for item in view["accounts"]} == {
        "fresh": "ok", "old": "stale", "warn": "warn", "crit": "crit"}
    text = render(view, "plain")
    assert text.count(defaults.SEPARATOR) == 3 and text.startswith("cl 5h 79% │ cl 5h 10%~")
