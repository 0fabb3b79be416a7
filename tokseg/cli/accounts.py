"""`tokseg add | list | remove | rename`: thin click shells over `tokseg.accounts`."""

from __future__ import annotations

import json
import sys
import time

import click

from tokseg import accounts as core
from tokseg import defaults, provider_options, providers, safe_text
from tokseg.cli.completion import account_names
from tokseg.errors import ConfigError
from tokseg.providers import _session
from tokseg.render import numbers
from tokseg.render import view as views


def _options(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in value:
        key, eq, text = item.partition("=")
        if not eq or not key.strip():
            raise click.BadParameter(f"{item!r}: write KEY=VALUE, e.g. team_id=abc")
        out[key.strip()] = text.strip()
    return out


class AddCommand(click.Command):
    """`tokseg add --help` lists every provider's options; `tokseg add PROVIDER --help` describes that one's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["add_provider"] = next((arg for arg in args if arg in providers.PROVIDERS), None)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        chosen = ctx.meta.get("add_provider")
        if chosen:
            rows = list(provider_options.documented(providers.load(chosen)).items())
            with formatter.section(f"Options of {chosen} (-o NAME=VALUE)"):
                formatter.write_dl(rows or [("(none)", "")])
            return
        rows = [(name, ", ".join(provider_options.names(providers.load(name))) or "-")
                for name in sorted(providers.PROVIDERS)]
        with formatter.section("Provider options (-o NAME=VALUE; `tokseg add PROVIDER --help` explains them)"):
            formatter.write_dl(rows)


@click.command(cls=AddCommand)
@click.argument("provider", type=click.Choice(sorted(providers.PROVIDERS)), metavar="PROVIDER")
@click.option("--name", help="Account name (default: the provider's name).")
@click.option("--base-url", help="Send requests here instead (a proxy, gateway or test server).")
@click.option("--key-env", metavar="VAR", help="Read the key from this environment variable at each refresh.")
@click.option("--key-command", metavar="CMD", help="Run this (no shell) to print the key at each refresh.")
@click.option("--label", help="Short text the segment shows for this account.")
@click.option("--option", "-o", "options", multiple=True, callback=_options, metavar="KEY=VALUE",
              help="A provider option, e.g. -o team_id=abc (repeatable).")
@click.option("--allow-plaintext-keyring", "allow_plain", is_flag=True,
              help="Store the key even though the keyring backend keeps keys unprotected in a file.")
@click.option("--reconnect", is_flag=True,
              help="Replace the key or web session of the existing account --name, keeping its config.")
def add(provider: str, name: str | None, base_url: str | None, key_env: str | None, key_command: str | None,
        label: str | None, options: dict[str, str], allow_plain: bool = False, reconnect: bool = False) -> None:
    """Add an account, checking its key with one live fetch first.

    The key is asked for with hidden input, or read from stdin when piped.
    It goes to the system keyring unless --key-env or --key-command says
    where it lives; it is never written to the config and never taken as an
    argument (it would show in the process list and shell history). A provider
    that reads a web session prints the browser-console snippet that gives it.
    """
    plan = core.plan_add(provider, name, base_url=base_url, key_env=key_env, key_command=key_command,
                         label=label, options=options)
    if reconnect and not plan.rekey:
        raise ConfigError(_session.no_account(plan.account.provider, plan.account.name))
    # Before the key is asked for; a provider that can read another tool's login asks first, as no key may come.
    can_go_without = bool(getattr(providers.load(provider).SECRET, "fallback", ""))
    if plan.wants_key and not allow_plain and not can_go_without:
        core.refuse_plain_keyring()
    typed = _ask_key(provider) if plan.wants_key else None
    added = core.add(plan, typed, allow_plain_keyring=allow_plain)
    headline = views.headline(added.reading, time.time())[0] or "no figures yet"
    verb = "new key saved for" if added.rekey else "added"
    key = f"; key {added.key_preview} ({added.key_source})" if added.key_preview else ""
    click.echo(safe_text.visible(f"{verb} {added.name} ({added.provider}): {headline}{key}"))


def _ask_key(provider: str) -> str:
    module = providers.load(provider)
    session = _session.spec_of(module)
    if session is not None:
        click.echo(session.instructions(), err=True)
    if sys.stdin is None:
        return ""
    what = "session JSON" if session else "key"
    if sys.stdin.isatty():
        # A provider that can read another tool's login takes an empty answer: no key, read that login.
        fallback = module.SECRET.fallback if module.SECRET and not session else ""
        hint = f"; Enter alone reads {fallback}" if fallback else ""
        typed = click.prompt(f"{module.TITLE} {what} (input hidden{hint})", hide_input=True, show_default=False,
                             default="" if fallback else None)
    else:
        typed = sys.stdin.readline()
    if session is None or not typed.strip():
        return typed
    try:
        return session.compact(typed)
    except _session.SessionProblem as exc:
        raise core.NotAdded(f"not added: {exc}", "auth") from None


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
def list_(as_json: bool) -> None:
    """List accounts: key preview, status, last refresh, headline."""
    now = time.time()
    rows = core.rows(now)
    if as_json:
        click.echo(json.dumps(safe_text.json_safe({"accounts": rows}), indent=2))
        return
    if not rows:
        click.echo(defaults.NO_ACCOUNTS_HINT)
        return
    table = [("NAME", "PROVIDER", "KEY", "SOURCE", "STATUS", "REFRESHED", "HEADLINE")]
    for row in rows:
        status = row["status"] + (f" ({row['error']['kind']})" if row["error"] else "")
        age = f"{numbers.duration(row['age'])} ago" if row["age"] is not None else "never"
        table.append((row["name"], row["provider"], row["key_preview"] or "-", row["key_source"], status, age,
                      row["headline"] or "-"))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for line in table:
        click.echo(safe_text.visible("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[-1]))


@click.command()
@click.argument("name", shell_complete=account_names)
def remove(name: str) -> None:
    """Remove an account, its stored key and its cached figures."""
    result = core.remove(name)
    for warning in result.warnings:
        click.secho(safe_text.visible(f"tokseg: {warning}"), err=True, fg="yellow")
    key = " and its key" if result.key_removed else ""
    click.echo(f"removed {name}{key}")


@click.command()
@click.argument("old", shell_complete=account_names)
@click.argument("new")
def rename(old: str, new: str) -> None:
    """Rename an account in the config, the keyring and the cache."""
    moved = core.rename(old, new)
    click.echo(f"renamed {old} to {new}" + (" (key moved)" if moved else ""))
