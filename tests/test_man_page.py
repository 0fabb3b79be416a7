"""`tokseg --help-man`: a page groff reads without a warning, holding every command and option of the CLI."""

from __future__ import annotations

import shutil
import subprocess

import click
import pytest

from tests.conftest import run_tokseg
from tokseg.cli import tokseg as root
from tokseg.cli.manpage import roff


def man_page() -> str:
    done = run_tokseg("--help-man")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def groff(page: str, *args: str) -> subprocess.CompletedProcess:
    if shutil.which("groff") is None:
        pytest.skip("groff not installed (apt-get install groff-base)")
    return subprocess.run(["groff", "-man", *args], input=page, capture_output=True, text=True, timeout=30)


def every_command(group: click.Group, ctx: click.Context):
    """(path, command, ctx) for each command under `group`, walked the way click dispatches them."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx)
        yield sub.command_path, command, sub
        if isinstance(command, click.Group):
            yield from every_command(command, sub)


def test_groff_reads_the_page_without_a_warning():
    done = groff(man_page(), "-Tutf8", "-ww", "-z")
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_page_has_every_command_and_option_as_the_help_says():
    text = groff(man_page(), "-Tascii", "-P-cbu", "-rLL=400n", "-rHY=0").stdout
    assert text.startswith("TOKSEG(1)") and "NAME\n       tokseg - Show AI spend" in text
    ctx = click.Context(root, info_name="tokseg")
    commands = list(every_command(root, ctx))
    assert {"tokseg demo", "tokseg config check", "tokseg login copilot"} <= {path for path, _, _ in commands}
    for path, command, sub in commands:
        assert f"\n   {path} " in text, f"no section for {path}"
        section = text.split(f"\n   {path} ", 1)[1].split("\n   tokseg ", 1)[0]
        first_line = " ".join((command.help or "").split("\n\n")[0].split())
        assert first_line in " ".join(section.split()), (path, first_line)
        for param in command.get_params(sub):
            if isinstance(param, click.Option) and param.name != "help" and not param.hidden:
                assert all(f"{name}" in section for name in param.opts), (path, param.opts)
    for option in ("--help-man", "--json-schema", "-V, --version", "--max-width"):
        assert option in text.split("\nCOMMANDS\n")[0]
    assert "TOKSEG_HOME" in text.split("\nENVIRONMENT\n")[1]


def test_roff_never_lets_text_become_a_request():
    assert roff(".so /etc/passwd\n'br\nback\\slash -x") == "\\&.so /etc/passwd\n\\&'br\nback\\eslash \\-x"
