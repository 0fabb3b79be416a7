"""`tokseg init HOST`: print the ready snippet for a status bar or shell.

The snippets live in `tokseg/integrations/<host>/` (shipped as package
data, next to a README each), so an installed tokseg prints exactly the
file the repository documents. Paths to tokseg's cache folder are written
as `~/.cache/tokseg` there and replaced by the real folder here.
"""

from __future__ import annotations

from importlib import resources

import click

from tokseg import command_path, dirs
from tokseg.render import hosts

# host -> its snippet's file name in integrations/<host>/, from the host table
HOSTS: dict[str, str] = {name: host["snippet"] for name, host in hosts.HOSTS.items() if host["snippet"]}
DEFAULT_CACHE = "~/.cache/tokseg"


def snippet(host: str, program: str = command_path.NAME) -> str:
    """The snippet for `host` with the cache folder filled in and tokseg called as `program`."""
    text = (resources.files("tokseg") / "integrations" / host / HOSTS[host]).read_text(encoding="utf-8")
    return command_path.rewrite(text.replace(DEFAULT_CACHE, str(dirs.cache_dir())), program)


INIT_HELP = f"""Print the snippet that puts tokseg into HOST (see its README for where it goes).

HOST is one of: {", ".join(sorted(HOSTS))}.

When tokseg is not on the PATH, the snippet calls this install by its full path, and a warning on
stderr says how to put it on the PATH. For completion of commands and account names in bash, zsh or
fish, see `tokseg completion SHELL`.
"""


@click.command(help=INIT_HELP, short_help="Print the snippet that puts tokseg into a bar or shell prompt.")
@click.argument("host", type=click.Choice(sorted(HOSTS)), metavar="HOST")
def init(host: str) -> None:
    program, warning = command_path.command()
    if warning:
        click.echo(f"tokseg: warning: {warning}", err=True)
    click.echo(snippet(host, program), nl=False)
