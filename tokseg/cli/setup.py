"""`tokseg setup`: the first run, guided: sources found here, an API-key account, a first refresh, a snippet.

Each step is one that exists on its own (`discover`, `add`, `refresh`,
`init`); setup runs them in order and, at the end, prints the snippet for
the bar or shell it finds in use, so a new user goes from install to a
visible segment without knowing the commands first. `--yes` takes every
source found, adds no key (that needs a person) and asks nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import click

from tokseg import command_path, config, dirs, providers, refresh
from tokseg.cli.discover import discover
from tokseg.cli.init import HOSTS, snippet
from tokseg.doctor import host_config_path
from tokseg.render import hosts

# The hosts whose config file says they are in use, in the order setup prefers them (a bar before a
# prompt theme); their files come from the host table, as doctor's do. Then the login shell.
DETECTED_BY_CONFIG = ("waybar", "polybar", "i3blocks", "xmobar", "starship")


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Add every source found and ask nothing (for scripts).")
@click.option("--host", type=click.Choice(sorted(HOSTS)), help="Print the snippet for this host (default: detected).")
@click.pass_context
def setup(ctx: click.Context, yes: bool, host: str | None) -> None:
    """Set tokseg up: add what is found here, maybe an API key, refresh, print a snippet.

    Without --yes every step asks first (no answer is no). The snippet is printed, not installed:
    it goes where the last lines say.
    """
    click.echo("1. Usage sources on this machine (agents' logs and logins, API-key env vars):")
    ctx.invoke(discover, yes=yes, as_json=False)
    if not yes:
        _offer_key_account(ctx)
    accounts = config.load(dirs.config_path()).accounts
    if not accounts:
        click.echo("No accounts yet: `tokseg add PROVIDER` adds one with its key (providers: `tokseg add --help`), "
                   "and `tokseg demo` shows what the segment looks like.")
        return
    click.echo(f"2. First refresh of {len(accounts)} account(s)…")
    report = refresh.run(force=True, wait=30.0)
    failed = [o.account for o in report.outcomes if not o.ok]
    why = f", failed: {', '.join(failed)} (`tokseg doctor` says why)" if failed else ""
    click.echo(f"   {len(report.outcomes) - len(failed)} ok{why}")
    chosen = host or detect_host()
    program, warning = command_path.command()
    if warning:
        click.echo(f"tokseg: warning: {warning}", err=True)
    click.echo(f"3. For {chosen} (`tokseg init {chosen}` prints it again; --host picks another), add to "
               f"{_config_file(chosen)}:\n")
    click.echo(snippet(chosen, program), nl=False)
    if chosen == "starship":  # starship shows what the shell's prompt hook exports: that needs the hook too
        shell = login_shell(dict(os.environ))
        click.echo(f"\nand, for the hook that hands starship the segment, to {_config_file(shell)}:\n")
        click.echo(snippet(shell, program), nl=False)


def _config_file(host: str) -> str:
    """The host's own first config file, as the user would write it."""
    return hosts.HOSTS[host]["configs"][0].replace("@/", "~/.config/")


def _offer_key_account(ctx: click.Context) -> None:
    """Ask once for an API-key provider to add; Enter (or no answer) skips."""
    from tokseg.cli.accounts import add

    keyed = sorted(name for name in providers.PROVIDERS if providers.load(name).SECRET is not None)
    try:
        name = click.prompt(f"Add an account with an API key? Provider ({', '.join(keyed)}), or Enter to skip",
                            default="", show_default=False).strip()
    except click.Abort:
        click.echo()
        return
    if not name:
        return
    if name not in keyed:
        click.echo(f"no API-key provider named {name!r}; later: `tokseg add PROVIDER`")
        return
    ctx.invoke(add, provider=name, name=None, base_url=None, key_env=None, key_command=None, label=None, options={})


def detect_host(env: dict[str, str] | None = None) -> str:
    """The bar or shell in use: tmux when inside it or a server is running, then a bar's config file,
    then the login shell; bash when nothing says otherwise."""
    env = dict(os.environ) if env is None else env
    if env.get("TMUX") or _tmux_running():
        return "tmux"
    home = Path(env.get("HOME") or Path.home())
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    for name in DETECTED_BY_CONFIG:
        paths = (host_config_path(rel, home, xdg) for rel in hosts.HOSTS[name]["configs"] if rel[0] != "$")
        if any(path and path.is_file() for path in paths) or (name == "starship" and env.get("STARSHIP_CONFIG")):
            return name
    return login_shell(env)


def login_shell(env: dict[str, str]) -> str:
    """bash, zsh or fish from $SHELL; bash when it names another."""
    shell = Path(env.get("SHELL", "")).name
    return shell if shell in ("bash", "zsh", "fish") else "bash"


def _tmux_running() -> bool:
    tmux = shutil.which("tmux")
    if not tmux:
        return False
    try:
        return subprocess.run([tmux, "list-sessions"], capture_output=True, timeout=3, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
