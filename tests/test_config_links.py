"""Only a config that is really not there is "no config yet"; a broken link is a config error, `!cfg` kept."""

from __future__ import annotations

import os

import pytest

from tests.conftest import run_tokseg, write_config

CONFIG = '[accounts.credits]\nprovider = "demo"\n'


def break_loop(config_file):
    os.replace(config_file, config_file.with_name("real.toml"))
    config_file.symlink_to(config_file.with_name("loop.toml"))
    config_file.with_name("loop.toml").symlink_to(config_file)


def break_dangling(config_file):
    os.replace(config_file, config_file.with_name("real.toml"))
    config_file.symlink_to(config_file.with_name("gone.toml"))


def break_folder_link(config_file):
    """The config folder itself is a symlink whose target went away."""
    folder = config_file.parent
    os.replace(folder, folder.with_name("config.moved"))
    folder.symlink_to(folder.with_name("config.missing"))


@pytest.mark.parametrize("breakage", [break_loop, break_dangling, break_folder_link])
def test_a_broken_config_link_keeps_the_figures_marked(config_file, breakage):
    write_config(config_file, CONFIG)
    assert run_tokseg("refresh", "-q").returncode == 0
    shown = run_tokseg().stdout.strip()
    assert shown.startswith("credits $")
    breakage(config_file)

    refreshed = run_tokseg("refresh")
    assert refreshed.returncode == 1 and "Traceback" not in refreshed.stderr
    assert str(config_file) in refreshed.stderr
    assert run_tokseg().stdout.strip() == f"{shown} !cfg"
    check = run_tokseg("config", "check")
    assert check.returncode == 1 and str(config_file) in check.stderr


def test_a_config_that_is_not_there_is_no_config_yet(config_file):
    check = run_tokseg("config", "check")
    assert (check.returncode, check.stdout) == (0, f"{config_file}: no config yet; `tokseg config edit` creates one\n")
