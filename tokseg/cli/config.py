"""`tokseg config path|edit|check`: where the config is, change it safely, validate it."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import click

from tokseg import atomic, config_edit, dirs, safe_text
from tokseg import config as configs
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
    """Print the config file's path, edit it safely or check it."""


@config.command()
def path() -> None:
    """Print the config file's path."""
    click.echo(dirs.config_path())


@config.command()
def check() -> None:
    """Validate the config; exit 1 with the file, line, key and fix if it is wrong."""
    target = dirs.config_path()
    draft = config_edit.draft_path(target)
    if draft.is_file():
        click.echo(f"{draft}: an unfinished edit; `tokseg config edit` goes on with it", err=True)
    loaded = configs.load(target)
    if loaded.mtime is None:
        click.echo(f"{loaded.path}: no config yet; `tokseg config edit` creates one")
        return
    names = ", ".join(a.name for a in loaded.accounts) or "none"
    click.echo(f"{loaded.path}: ok, {len(loaded.accounts)} account(s): {names}")


@config.command()
def edit() -> None:
    """Edit a copy of the config in $VISUAL/$EDITOR; it replaces the config only once it is valid.

    An abandoned bad edit is kept (nothing typed is lost) and offered again next time.
    """
    target = dirs.config_path()
    draft = config_edit.draft_path(target)
    original = _current_text(target)
    _write_private(draft, _starting_text(draft, original))
    started = configs.mtime_of(target)
    while True:
        _run_editor(draft)
        try:
            text = _read_draft(draft)
            loaded = configs.parse(text, draft)
        except ConfigError as exc:
            click.secho(safe_text.visible(str(exc)), fg="red", err=True)
            if _ask("Edit again?", default=True):
                continue
            raise click.ClickException(f"your edit is kept in {draft}; {target} is {_state_of(target)}. "
                                       "`tokseg config edit` goes on with it") from None
        if text == original and started is not None:
            draft.unlink()
            click.echo(f"{target}: unchanged, ok, {len(loaded.accounts)} account(s)")
            return
        if configs.mtime_of(target) != started and not _ask(f"{target} changed while you edited; replace it?"):
            raise click.ClickException(f"your edit is kept in {draft}; {target} is as the other change left it")
        config_edit.write(target, text)
        draft.unlink()
        click.echo(f"{target}: ok, {len(loaded.accounts)} account(s); the next segment call refreshes")
        return


def _current_text(target: Path) -> str:
    try:
        found = configs.read(target)
    except ConfigError as exc:
        if not target.is_file():
            raise click.ClickException(str(exc)) from None
        return target.read_text(encoding="utf-8", errors="replace")  # an invalid config is still the user's text
    return STARTER if found is None else found[0]


def _read_draft(draft: Path) -> str:
    try:
        return draft.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{draft}: cannot read the edited text ({exc.__class__.__name__}); "
                          "save it as UTF-8 where the editor was opened") from None


def _starting_text(draft: Path, original: str) -> str:
    """The kept draft of an abandoned edit if the user goes on with it, else the config's own text."""
    if draft.is_file():
        kept = draft.read_text(encoding="utf-8", errors="replace")
        if kept != original and _ask(f"An unfinished edit is kept in {draft}; go on with it?", default=True):
            return kept
    return original


def _run_editor(path: Path) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot start the editor {editor!r} ({exc.__class__.__name__}); "
                                   f"set VISUAL or EDITOR to your editor; the text is in {path}") from None


def _state_of(target: Path) -> str:
    """What the live config is now, said plainly after an abandoned edit."""
    try:
        found = configs.load(target)
    except ConfigError as exc:
        return f"unchanged and still invalid ({safe_text.visible(str(exc))})"
    return "unchanged" if found.mtime is not None else "not created"


def _ask(question: str, default: bool = False) -> bool:
    """A yes/no question; with no one to answer (stdin at its end) the answer is no."""
    try:
        return click.confirm(question, default=default)
    except click.Abort:
        click.echo("", err=True)
        return False


def _write_private(path: Path, text: str) -> None:
    dirs.ensure_private(path.parent)
    atomic.replace_file(str(path), text.encode("utf-8"), 0o600)
