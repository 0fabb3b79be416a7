"""`tokseg statusline` as `tokseg --help` lists it.

The console entry routes `statusline` to the stdlib-only `tokseg.statusline`
before click is imported (it runs on every Claude Code render); this command
exists so the CLI's help names it, and behaves the same if reached.
"""

from __future__ import annotations

import click

from tokseg import statusline as hot


@click.command(help="Claude Code status line: read its JSON on stdin, store the figures, print a segment. "
                    "Set it in settings.json (see docs/agents.md).")
def statusline() -> None:
    raise SystemExit(hot.main([]))
