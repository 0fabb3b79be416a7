"""The built-in state colours are readable on each host's default background (WCAG contrast, tests/colours.py).

`default` (ok on tmux and the prompts) is the host's own text colour: on tmux's default status
bar that is black (status-style fg=black); in a prompt the terminal's own foreground, which its
theme made readable on its background.
"""

from __future__ import annotations

import json

import pytest

from tests.colours import MINIMUM, XTERM, contrast, rgb
from tests.conftest import run_tokseg, write_config
from tests.hosts import DEMO_ACCOUNTS, refreshed
from tokseg.render import palette

TMUX_BG, TMUX_FG = XTERM[2], XTERM[0]  # tmux's default status-style: bg=green (#00cd00), fg=black
BLACK, WHITE = "#000000", "#ffffff"  # a dark and a light terminal
# The GUI bars' own default backgrounds: i3bar's `background` (#000000, i3's userguide, "Colors"),
# xmobar's `bgColor` ("#000000", xmobar's default config), polybar's sample config.ini (#282A2E).
# waybar's shipped style.css: `window#waybar { background-color: rgba(43, 48, 59, 0.5) }`, #2b303b at its darkest.
GUI_BARS = {"i3bar": "#000000", "xmobar": "#000000", "polybar": "#282a2e", "waybar": "#2b303b"}


def drawn(host: str, state: str, host_colour: str) -> str:
    """The colour `host` draws `state` in with no [settings.colors], `host_colour` standing for its own."""
    spec = palette.color({}, host, state)
    return host_colour if spec is None else rgb(spec)


@pytest.mark.parametrize("state", palette.STATES)
def test_every_tmux_state_is_readable_on_the_default_green_status_bar(state):
    ratio = contrast(drawn("tmux", state, TMUX_FG), TMUX_BG)
    assert ratio >= MINIMUM, f"tmux {state}: {palette.color({}, 'tmux', state)} on green is {ratio:.2f}:1"


def test_the_old_green_ok_was_invisible_on_tmux_and_the_check_sees_it():
    assert contrast(rgb("green"), TMUX_BG) == 1.0
    assert contrast(rgb("yellow"), TMUX_BG) < MINIMUM and contrast(rgb("brightblack"), TMUX_BG) < MINIMUM


@pytest.mark.parametrize("state", palette.STATES)
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_prompt_state_is_readable_on_dark_and_light_terminals(shell, state):
    """A prompt cannot know its terminal's background, so each colour must pass on black and on white."""
    spec = palette.color({}, shell, state)
    if spec is None:
        return  # the terminal's own foreground
    for background in (BLACK, WHITE):
        ratio = contrast(rgb(spec), background)
        assert ratio >= MINIMUM, f"{shell} {state}: {spec} on {background} is {ratio:.2f}:1"
    assert palette.color({}, shell, "ok") is None and palette.color({}, shell, "warn") is not None


@pytest.mark.parametrize(("table", "background"), sorted(GUI_BARS.items()))
def test_every_gui_bar_state_is_readable_on_the_bars_default_background(table, background):
    for state in palette.STATES:
        hex_colour = palette.to_hex(palette.color({}, table, state))
        ratio = contrast(hex_colour, background)
        assert ratio >= MINIMUM, f"{table} {state}: {hex_colour} on {background} is {ratio:.2f}:1"


def test_a_configured_colour_wins_and_default_means_the_hosts_own():
    settings = {"palette": {"default": {"ok": "green"}, "tmux": {"warn": "default"}}}
    assert palette.color(settings, "tmux", "ok") == "green"
    assert palette.color(settings, "tmux", "warn") is None
    assert palette.color(settings, "tmux", "crit") == palette.TMUX["crit"]
    assert palette.valid("default") and not palette.valid("colour34")


def test_the_config_takes_default_and_the_tmux_segment_leaves_it_unpainted(config_file):
    refreshed(config_file, DEMO_ACCOUNTS + '\n[settings.colors.tmux]\nwarn = "default"\n')
    shown = run_tokseg("--format", "tmux", "--template", "{credits.label}|{claude.label}").stdout
    assert shown == f"50% ##1|#[fg=colour{palette.TMUX['crit']}]cl&<b>#[fg=default]\n", shown


def test_i3bar_leaves_the_colour_to_the_bar_for_default(config_file):
    write_config(config_file, '[accounts.fine]\nprovider = "demo"\n\n[settings.colors.i3bar]\nok = "default"\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    block = json.loads(run_tokseg("--format", "i3bar").stdout)
    assert "color" not in block and block["full_text"].startswith("fine"), block
    write_config(config_file, '[accounts.fine]\nprovider = "demo"\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    assert json.loads(run_tokseg("--format", "i3bar").stdout)["color"] == palette.to_hex("green")
