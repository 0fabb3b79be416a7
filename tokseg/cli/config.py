"""`tokseg config path|edit|check`: where the config is, change it safely, validate it."""

from __future__ import annotations

import os
import shlex
import subprocess

import click

from tokseg import config as configs
from tokseg import dirs, safe_text
from tokseg.errors import ConfigError

STARTER = """\
# tokseg configuration. Each [accounts.NAME] table is one account.
# Docs: the README's "Configuration" section.

[settings]
interval = 300          # seconds between refreshes of each account
template = "{all}"      # what the segment shows; see `tokseg format check`

# [accounts.demo]
# provider = "demo"
# kind = "prepaid"      # prepaid, subscription, postpaid or flaky
# label = "demo"
"""


@click.group()
def config() -> None:
    """Show, edit or check the config file."""


@config.command()
def path() -> None:
    """Print the config file's path."""
    click.echo(dirs.config_path())


@config.command()
def check() -> None:
    """Validate the config; exit 1 with the file, line, key and fix if it is wrong."""
    loaded = configs.load(dirs.config_path())
    if loaded.mtime is None:
        click.echo(f"{loaded.path}: no config yet; `tokseg config edit` creates one")
        return
    names = ", ".join(a.name for a in loaded.accounts) or "none"
    click.echo(f"{loaded.path}: ok, {len(loaded.accounts)} account(s): {names}")


@config.command()
def edit() -> None:
    """Open the config in $VISUAL/$EDITOR, then validate it; a bad edit never touches the snapshot."""
    target = dirs.config_path()
    if not target.exists():
        dirs.ensure_private(target.parent)
        target.write_text(STARTER, encoding="utf-8")
        os.chmod(target, 0o600)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    while True:
        subprocess.run([*shlex.split(editor), str(target)], check=False)
        try:
            loaded = configs.load(target)
        except ConfigError as exc:
            click.secho(safe_text.visible(str(exc)), fg="red", err=True)
            if click.confirm("Edit again?", default=True):
                continue
            raise click.ClickException(
                "config left invalid; the bar keeps its last good data until it is fixed"
            ) from None
        click.echo(f"{target}: ok, {len(loaded.accounts)} account(s); the next segment call refreshes")
        return
