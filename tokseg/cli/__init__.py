"""The click CLI: a thin, lazy shell over the core; the one place errors become messages.

Subcommands are imported only when invoked, so `tokseg refresh` never pays
for `tokseg demo`. The segment itself (no subcommand) is routed to the hot
path by `entry.py` before click is even imported; the options are repeated
here so `tokseg --help` documents them.
"""

from __future__ import annotations

import importlib
import logging

import click

from tokseg import __version__, safe_text
from tokseg.cli.completion import account_names
from tokseg.errors import TokError, UsageError
from tokseg.render import FORMATS

SUBCOMMANDS: dict[str, str] = {
    "add": "tokseg.cli.accounts:add",
    "completion": "tokseg.cli.completion:completion",
    "config": "tokseg.cli.config:config",
    "demo": "tokseg.cli.demo:demo",
    "discover": "tokseg.cli.discover:discover",
    "doctor": "tokseg.cli.doctor:doctor",
    "export": "tokseg.cli.export:export",
    "format": "tokseg.cli.format:format_group",
    "history": "tokseg.cli.history:history_cmd",
    "init": "tokseg.cli.init:init",
    "list": "tokseg.cli.accounts:list_",
    "login": "tokseg.cli.login:login",
    "refresh": "tokseg.cli.refresh:refresh",
    "remove": "tokseg.cli.accounts:remove",
    "rename": "tokseg.cli.accounts:rename",
    "setup": "tokseg.cli.setup:setup",
    "show": "tokseg.cli.show:show",
    "statusline": "tokseg.cli.statusline:statusline",
    "top": "tokseg.cli.top:top",
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


def _print_schema_path(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from importlib import resources

        click.echo(resources.files("tokseg") / "schemas" / "segment.schema.json")
        ctx.exit(0)


def _print_man_page(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from tokseg.cli import manpage

        click.echo(manpage.render(tokseg), nl=False)
        ctx.exit(0)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="plain", help="Output format.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--account", "accounts", multiple=True, shell_complete=account_names,
              help="Show only this account (repeatable).")
@click.option("--template", help="Template for the segment, e.g. '{work.balance} {total.spent_today}'.")
@click.option("--max-width", type=click.IntRange(min=1), help="Cut the segment to this many characters.")
@click.version_option(__version__, "-V", "--version", prog_name="tokseg")
@click.option("--json-schema", is_flag=True, is_eager=True, expose_value=False, callback=_print_schema_path,
              help="Print the path of the JSON Schema of --json (export's and history's are next to it) and exit.")
@click.option("--help-man", is_flag=True, is_eager=True, expose_value=False, callback=_print_man_page,
              help="Print the man page (every command's help, in man(7) macros) and exit.")
@click.pass_context
def tokseg(ctx: click.Context, fmt: str, as_json: bool, accounts: tuple[str, ...], template: str | None,
           max_width: int | None) -> None:
    """Show AI spend, balances and subscription windows as a status segment.

    With no command, prints the segment from the cached snapshot at once and
    starts a background refresh when the data is due.
    """
    if ctx.invoked_subcommand is None:
        from tokseg import hot

        opts = {"format": "json" if as_json else fmt, "accounts": list(accounts) or None,
                "template": template, "max_width": max_width}
        ctx.exit(hot.main(opts))


def main(argv: list[str]) -> int:
    """Run a command; every expected failure ends as one line on stderr (usage errors exit 2)."""
    logging.raiseExceptions = False  # a log file that cannot be written never interrupts a command
    try:
        result = tokseg.main(args=argv, prog_name="tokseg", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except UsageError as exc:
        click.secho(safe_text.visible(f"tokseg: {exc}"), err=True, fg="red")
        return 2
    except TokError as exc:
        click.secho(safe_text.visible(f"tokseg: {exc}"), err=True, fg="red")
        return 1
    except Exception as exc:
        from tokseg.cli.failures import describe

        message = describe(exc)
        if message is None:
            raise
        click.secho(safe_text.visible(f"tokseg: {message}"), err=True, fg="red")
        return 1
    return result if isinstance(result, int) else 0

