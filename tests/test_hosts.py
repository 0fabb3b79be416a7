"""The host table (`tokseg/render/hosts.py`) against what renderers, the config, push, init and doctor do."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_render_formats import NOW, THRESHOLDS, snap
from tokseg import config, doctor, push
from tokseg.errors import ConfigError
from tokseg.render import FORMATS, palette, render
from tokseg.render import view as views
from tokseg.render.hosts import HOSTS

DISTINCT = "#a1b2c3"
# How a renderer may write DISTINCT: as hex (tmux, zsh, polybar, i3bar, xmobar) or as a 24-bit SGR triple (bash, fish).
WRITTEN_AS = ("a1b2c3", "161;178;195")
NOT_HOSTS = ("nope", "default")
IN_CACHE_FOLDER = ("prompt_file", "text_file", "named_pipe")  # mechanisms whose target is a file there  # "default" is the palette's name for [settings.colors] itself


def painted_with(fmt: str, table: str) -> bool:
    """Whether `fmt`'s output shows a colour configured only in [settings.colors.TABLE].

    The view has one account in warn (balance under warn_below) and one in crit (window over crit_pct).
    """
    settings = {**THRESHOLDS, "palette": {table: dict.fromkeys(palette.STATES, DISTINCT)}}
    view = views.build(snap(settings, label="acct", balance=4.2, used=96.0), NOW)
    assert sorted(item["state"] for item in view["accounts"]) == ["crit", "warn"]
    text = render(view, fmt).lower()
    return any(form in text for form in WRITTEN_AS)


def accepted_colour_table(table: str, tmp_path: Path) -> bool:
    try:
        config.parse(f'[settings.colors.{table}]\nwarn = "red"\n', tmp_path / "c.toml")
    except ConfigError:
        return False
    return True


def test_table_is_sorted_and_every_format_is_a_renderer_module():
    assert list(HOSTS) == sorted(HOSTS)
    assert {name: host["renderer"] for name, host in HOSTS.items() if host["renderer"]} == FORMATS
    for name, module in FORMATS.items():
        assert callable(importlib.import_module(module).render), name


def test_each_renderer_paints_from_exactly_its_declared_colour_table():
    for fmt in sorted(FORMATS):
        read = {table for table in HOSTS if painted_with(fmt, table)}
        declared = {HOSTS[fmt]["colors"]} - {None}
        assert read == declared, fmt


def test_the_config_accepts_a_colour_table_for_exactly_the_hosts_that_paint(tmp_path):
    painting = {table for fmt in FORMATS for table in HOSTS if painted_with(fmt, table)}
    assert {"tmux", "zsh", "bash", "fish", "polybar", "i3bar", "xmobar"} <= painting  # the probe sees every colour syntax
    accepted = {table for table in (*HOSTS, *NOT_HOSTS) if accepted_colour_table(table, tmp_path)}
    assert accepted == painting
    assert set(config.COLOR_HOSTS) == painting


@pytest.mark.parametrize(("table", "message"), [
    ("starship", "tokseg's starship output carries no colours (starship styles it itself); colour tables exist for"),
    ("json", "tokseg's json output carries no colours"),
    ("i3blocks", "i3blocks paints with the [settings.colors.i3bar] table; use that one"),
    ("nope", "unknown host; colour tables exist for bash, fish, i3bar, polybar, tmux, waybar, xmobar, zsh"),
])
def test_a_colour_table_for_a_host_that_does_not_paint_is_an_error(table, message, tmp_path):
    path = tmp_path / "c.toml"
    with pytest.raises(ConfigError) as err:
        config.parse(f'[settings]\ninterval = 60\n[settings.colors.{table}]\nwarn = "red"\n', path)
    assert str(err.value).startswith(f"{path}:3: [settings.colors.{table}]: {message}"), str(err.value)


def test_push_settings_and_mechanisms_come_from_the_table():
    pushes = [host["push"] for host in HOSTS.values() if host["push"]]
    assert {p["setting"]: p["default"] for p in pushes} == config.PUSH_DEFAULTS
    assert {p["via"] for p in pushes} <= set(push.MECHANISMS)
    assert all(p["format"] in FORMATS for p in pushes if p["via"] != "signal")
    files = [p["target"] for p in pushes if p["via"] in IN_CACHE_FOLDER]
    assert len(files) == len(set(files)), "two hosts write the same file in the cache folder"


# What a snippet must name so that it reads what the refresher pushes.
SNIPPET_NAMES = {"prompt_file": "{}", "text_file": "/{}", "tmux_option": "#{{{}}}", "polybar_ipc": "[module/{}]",
                 "named_pipe": "/{}"}


@pytest.mark.parametrize("host", sorted(name for name, host in HOSTS.items() if host["snippet"]))
def test_snippets_read_what_push_writes(host):
    snippet = (ROOT / "integrations" / host / HOSTS[host]["snippet"]).read_text(encoding="utf-8")
    spec = HOSTS[host]["push"]
    if spec and spec["via"] in SNIPPET_NAMES:
        name = SNIPPET_NAMES[spec["via"]].format(spec["target"])
        if host == "starship":  # the shells' prompt hooks read starship's file and export it for its env_var
            readers = [(ROOT / "integrations" / shell / HOSTS[shell]["snippet"]).read_text(encoding="utf-8")
                       for shell in ("bash", "zsh", "fish")]
            assert all(name in reader for reader in readers) and "env_var.TOKSEG_STARSHIP" in snippet
        else:
            assert name in snippet
    written = {p["target"] for h in HOSTS.values() if (p := h["push"]) and p["via"].endswith("_file")}
    assert set(re.findall(r"segment\.[a-z]+", snippet)) <= written


def test_doctor_scans_every_config_file_the_table_names(monkeypatch, tmp_path):
    home, xdg, elsewhere = tmp_path / "home", tmp_path / "xdg", tmp_path / "elsewhere.toml"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    expected = set()
    for name, host in HOSTS.items():
        for rel in host["configs"]:
            if rel.startswith("$"):
                monkeypatch.setenv(rel[1:], str(elsewhere))
                path = elsewhere
            else:
                path = (home if rel.startswith("~/") else xdg) / rel[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("# nothing\nexec tokseg\n", encoding="utf-8")
            expected.add((name, str(path)))
    found = {(item["host"], item["file"]) for item in doctor.integrations() if item["lines"] == [2]}
    assert found == expected
    assert {"i3status-rust", "i3", "sway", "systemd"} <= {name for name, _ in found}
