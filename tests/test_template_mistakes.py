"""A malformed template or a format spec that cannot apply: the segment shows what it can and ends in `!tpl`."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_tokseg
from tests.hosts import DEMO_ACCOUNTS, refreshed
from tokseg.render import template

BAD = [("{nope", "lone '{'"),
       ("{credits.balance.value:zz}", "bad format spec 'zz' for {credits.balance.value}"),
       ("{?credits.balance}[{credits.balance}]", "block {?credits.balance} at column 1 is never closed"),
       ("x{/} {credits.balance}", "closes no block"),
       ("{credits.balance:>999}", "width or precision 999 is above")]


@pytest.mark.parametrize(("text", "problem"), BAD)
def test_command_line_template_mistake_is_marked(config_file, text, problem):
    refreshed(config_file, DEMO_ACCOUNTS)
    plain = run_tokseg("--template", text)
    assert plain.returncode == 0 and "Traceback" not in plain.stderr
    assert plain.stdout.rstrip("\n").endswith(" !tpl"), plain.stdout
    tmux = run_tokseg("--format", "tmux", "--template", text).stdout
    assert "!tpl#[" in tmux and tmux.rstrip("\n").endswith("#[fg=default]"), tmux
    check = run_tokseg("format", "check", text)
    assert check.returncode == 1 and problem in check.stderr, check.stderr


def test_what_can_be_shown_still_shows(config_file):
    refreshed(config_file, DEMO_ACCOUNTS)
    good = run_tokseg("--template", "[{credits.balance}]").stdout.strip()
    shown = run_tokseg("--template", "[{credits.balance}] {nope").stdout.strip()
    assert shown == f"{good} {{nope !tpl"
    spec = run_tokseg("--template", "{credits.balance.value:zz}").stdout.strip()
    value = run_tokseg("--template", "{credits.balance.value}").stdout.strip()
    assert spec == f"{value} !tpl"


def test_settings_template_whose_spec_does_not_fit(config_file):
    """A spec that cannot apply to the value is found only at render time: `!tpl`, error state, doctor names it."""
    refreshed(config_file, '[settings]\ntemplate = "<{credits.balance.value:d}>"\n\n' + DEMO_ACCOUNTS)
    plain = run_tokseg().stdout.strip()
    assert plain.startswith("<") and plain.endswith("> !tpl"), plain
    zsh = run_tokseg("--format", "zsh").stdout
    assert "!tpl" in zsh and "%F{" in zsh, zsh
    document = json.loads(run_tokseg("--json").stdout)
    assert document["text"].endswith(" !tpl") and document["state"] == "error"
    assert "bad format spec 'd' for {credits.balance.value}" in document["template_error"]
    assert document["config_error"] is None
    waybar = json.loads(run_tokseg("--format", "waybar").stdout)
    assert "error" in waybar["class"], waybar
    doctor = run_tokseg("doctor")
    assert doctor.returncode == 1
    line = next(line for line in doctor.stdout.splitlines() if "settings.template" in line)
    assert line.startswith("FIX ") and "bad format spec 'd'" in line, line
    assert "tokseg format check" in line and "tokseg config edit" in line, line
    fixed = '[settings]\ntemplate = "<{credits.balance.value:.0f}>"\n\n' + DEMO_ACCOUNTS
    refreshed(config_file, fixed)
    assert not run_tokseg().stdout.strip().endswith("!tpl")
    document = json.loads(run_tokseg("--json").stdout)
    assert document["template_error"] is None and document["state"] != "error"
    assert not any("settings.template" in line for line in run_tokseg("doctor").stdout.splitlines())


@pytest.mark.parametrize(("text", "problem"), BAD[:4:2] + BAD[3:4])
def test_config_check_refuses_a_malformed_settings_template(config_file, text, problem):
    """A syntax mistake is the config's: `config check` names the key and the fix, and the bar keeps the
    last figures marked `!cfg` rather than rendering a broken template."""
    refreshed(config_file, DEMO_ACCOUNTS)
    steady = "{credits.balance}"  # no countdown: the two calls may fall in different minutes
    good = run_tokseg("--template", steady).stdout.strip()
    config_file.write_text(f'[settings]\ntemplate = "{text}"\n\n' + DEMO_ACCOUNTS)
    done = run_tokseg("config", "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{config_file}:2: [settings] template: " in done.stderr and problem in done.stderr, done.stderr
    assert "tokseg format check" in done.stderr
    assert run_tokseg("refresh", "--quiet").returncode == 1
    shown = run_tokseg("--template", steady).stdout.strip()
    assert shown == f"{good} !cfg", shown


def test_command_line_template_is_never_recorded(config_file):
    """`--template` is this call's: a mistake in it marks this call only, never the snapshot or later calls."""
    refreshed(config_file, DEMO_ACCOUNTS)
    marked = json.loads(run_tokseg("--json", "--template", "{nope").stdout)
    assert marked["template_error"].startswith("lone '{'") and marked["state"] == "error"
    after = json.loads(run_tokseg("--json").stdout)
    assert after["template_error"] is None and after["config_error"] is None and after["state"] != "error"
    assert "!tpl" not in after["text"]


def test_unknown_field_is_no_mistake(config_file):
    refreshed(config_file, DEMO_ACCOUNTS)
    shown = run_tokseg("--template", "[{nope}] {credits.balance}").stdout.strip()
    assert not shown.endswith("!tpl") and shown.startswith("[] ")
    assert run_tokseg("format", "check", "{nope}").returncode == 1  # format check still names it


def test_mark_survives_the_width_cut(config_file):
    refreshed(config_file, DEMO_ACCOUNTS)
    text = run_tokseg("--template", "{all} {all} {", "--max-width", "20").stdout.rstrip("\n")
    assert len(text) <= 20 and text.endswith("… !tpl"), text  # cut at a word's end, so maybe short of 20


def test_mistakes_come_from_the_parse():
    assert template.rendered("{a:zz} {", {"a": 2.0}) == ([("2.0", None), (" ", None), ("{", None)], [
        "lone '{' at column 8; write '{{' for a literal brace",
        "bad format spec 'zz' for {a}: " + template.mistakes("{a:zz}", {"a": 2.0})[0].split(": ", 1)[1]])
    assert template.mistakes("{?b}{a:zz}{/} {nope}", {"a": 2.0, "b": None})  # a hidden block is checked too
    assert template.mistakes("{nope:zz} {a:.0f}", {"a": 2.0}) == []
