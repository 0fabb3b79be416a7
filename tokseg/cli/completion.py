"""`tokseg completion bash|zsh|fish`: click's completion script, and what completes an account name.

The script calls `tokseg` with `_TOKSEG_COMPLETE` set; `entry.py` sends such
a call to click rather than the hot path. Account names come from the
config at the moment of the <Tab>, so a new account completes at once.
"""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem, get_completion_class

COMPLETE_VAR = "_TOKSEG_COMPLETE"
SHELLS = ("bash", "fish", "zsh")
WHERE = {"bash": "~/.bashrc", "zsh": "~/.zshrc", "fish": "~/.config/fish/completions/tokseg.fish"}


def account_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The configured accounts starting with `incomplete`; none when the config cannot be read."""
    from tokseg import config, dirs

    try:
        names = [account.name for account in config.load(dirs.config_path()).accounts]
    except Exception:  # a broken config must not break the shell's <Tab>
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Commands, options, providers, hosts and your account names complete. For bash:
    `tokseg completion bash >> ~/.bashrc`; zsh: `>> ~/.zshrc`; fish:
    `tokseg completion fish > ~/.config/fish/completions/tokseg.fish`.
    """
    from tokseg.cli import tokseg

    completer = get_completion_class(shell)
    assert completer is not None  # every name in SHELLS is one click knows
    click.echo(completer(tokseg, {}, "tokseg", COMPLETE_VAR).source())
