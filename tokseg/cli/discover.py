"""`tokseg discover`: list the usage sources on this machine and add the chosen ones as accounts."""

from __future__ import annotations

import json

import click

from tokseg import config, dirs, safe_text
from tokseg import discover as discovery


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Add every source offered without asking.")
@click.option("--json", "as_json", is_flag=True, help="Only list what was found, as JSON; add nothing.")
def discover(yes: bool, as_json: bool) -> None:
    """Find agents' logs and logins, editor tokens and API-key env vars; offer to add each.

    Nothing is added without a yes: asked per source, or --yes for all.
    Tokens are never printed or copied; accounts read them where they are.
    """
    path = dirs.config_path()
    sources = discovery.find(existing=config.load(path))
    if as_json:
        found = {"config": str(path), "sources": [s.to_dict() for s in sources]}
        click.echo(json.dumps(safe_text.json_safe(found), indent=2))
        return
    if not sources:
        click.echo("No usage sources found (Claude Code, Codex, Copilot logins or API-key env vars).")
        return
    for source in sources:
        click.echo(safe_text.visible(f"• {source.title}: {source.where}  {_status(source)}"))
    offered = [s for s in sources if s.offer]
    if not offered:
        click.echo("Nothing new to add.")
        return
    chosen = []
    try:
        for source in offered:
            if yes or click.confirm(f"Add [accounts.{source.account}] (provider {source.provider})?", default=False):
                chosen.append(source)
    except click.Abort:
        click.echo()
    added = discovery.add(chosen, path)
    if added:
        click.echo(f"Added {', '.join(added)} to {path}; `tokseg refresh` fetches them now.")
    else:
        click.echo(f"Nothing added; {path} is unchanged.")


def _status(source: discovery.Source) -> str:
    if source.not_offered:
        return f"(listed, not offered: {source.not_offered})"
    if source.configured_as:
        return f"(already read by [accounts.{source.configured_as}])"
    if not source.available:
        return f"(no {source.provider!r} provider in this version)"
    return f"→ [accounts.{source.account}]"
