"""Help that reads right at 80 columns, `-V`, and `history --json` on a home with no history yet."""

from __future__ import annotations

import json

from tests.conftest import run_tokseg
from tokseg.cli import SUBCOMMANDS

NARROW = {"COLUMNS": "80"}


def test_version_short_and_long():
    long, short = run_tokseg("--version"), run_tokseg("-V")
    assert long.returncode == short.returncode == 0 and long.stdout == short.stdout
    assert long.stdout.startswith("tokseg, version ")


def test_every_command_listing_is_a_whole_sentence_or_a_clean_cut():
    listing = run_tokseg("--help", env=NARROW).stdout.split("Commands:\n", 1)[1]
    for command in [*SUBCOMMANDS, "format", "config"]:
        groups = run_tokseg(command, "--help", env=NARROW).stdout.split("Commands:\n", 1)
        for text in [listing, *groups[1:]]:
            for line in text.splitlines():
                assert not line.rstrip().endswith(("(e.g.", "e.g.", "(")), (command, line)


def test_no_help_names_a_command_that_does_not_exist():
    config_help = run_tokseg("config", "--help", env=NARROW).stdout
    assert "Show, edit" not in config_help and "path" in config_help


def test_init_usage_line_is_not_broken_mid_word():
    usage = run_tokseg("init", "--help", env=NARROW).stdout
    assert usage.splitlines()[0] == "Usage: tokseg init [OPTIONS] HOST"
    assert "tmux, waybar" in " ".join(usage.split())  # the hosts are listed as words


def test_history_json_on_a_fresh_home_is_an_empty_document(home):
    done = run_tokseg("history", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"schema": 1, "since": json.loads(done.stdout)["since"], "by": "metric",
                                       "rows": []}
    assert run_tokseg("history").returncode == 1  # the table says there is no history yet
