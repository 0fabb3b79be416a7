"""`tokseg init HOST`: print the ready snippet for a status bar or shell.

The snippets live in `tokseg/integrations/<host>/` (shipped as package
data, next to a README each), so an installed tokseg prints exactly the
file the repository documents. Paths to tokseg's cache folder are written
as `~/.cache/tokseg` there and replaced by the real folder here.
"""

from __future__ import annotations

from importlib import resources

import click

from tokseg import dirs

HOSTS: dict[str, str] = {
    "bash": "tokseg.bash",
    "fish": "tokseg.fish",
    "i3blocks": "i3blocks.conf",
    "i3status": "i3status.conf",
    "polybar": "config.ini",
    "starship": "starship.toml",
    "tmux": "tokseg.tmux.conf",
    "waybar": "config.jsonc",
    "zsh": "tokseg.zsh",
}
DEFAULT_CACHE = "~/.cache/tokseg"


def snippet(host: str) -> str:
    """The snippet for `host` with the cache folder filled in."""
    text = (resources.files("tokseg") / "integrations" / host / HOSTS[host]).read_text(encoding="utf-8")
    return text.replace(DEFAULT_CACHE, str(dirs.cache_dir()))


@click.command()
@click.argument("host", type=click.Choice(sorted(HOSTS)))
def init(host: str) -> None:
    """Print the snippet that puts tokseg into HOST (see its README for where it goes)."""
    click.echo(snippet(host), nl=False)
