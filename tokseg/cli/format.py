"""`tokseg format check TEMPLATE`: validate a template against the fields there are now."""

from __future__ import annotations

import time

import click

from tokseg import locations, safe_text, snapshot
from tokseg.render import plain
from tokseg.render import template as templates
from tokseg.render import view as views


@click.group(name="format")
def format_group() -> None:
    """Check segment templates."""


@format_group.command()
@click.argument("template")
def check(template: str) -> None:
    """Check a segment template; exit 1 naming each problem.

    TEMPLATE is what `--template` or `[settings] template` would take, e.g.
    '{work.balance} {claude.5h.pct:.0f}%'.

    Field names come from the current snapshot, so refresh first if an
    account's fields are missing.
    """
    view = views.build(snapshot.read(locations.snapshot_path()), time.time())
    fields = views.fields(view)
    problems = templates.problems(template, fields)
    if problems:
        for problem in problems:
            click.secho(safe_text.visible(f"template: {problem}"), fg="red", err=True)
        known = sorted(name for name in fields if name != "all")
        if any(p.startswith("unknown field") for p in problems):
            hint = (", ".join(f"{{{name}}}" for name in ["all", *known]) if known
                    else "{all} (no snapshot yet: run `tokseg refresh`)")
            click.echo(f"known fields: {hint}", err=True)
        raise SystemExit(1)
    click.echo(safe_text.visible(f"ok: {plain.text(view, template)}"))
