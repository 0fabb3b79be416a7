"""`tokseg doctor`: print the checks of `tokseg.doctor`, each problem with its fix."""

from __future__ import annotations

import json

import click

from tokseg import doctor as core


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check keyring, folders, config and accounts; name each fix.

    Exits 1 when something needs fixing.
    """
    report = core.diagnose()
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print(report)
    ctx.exit(1 if report["problems"] else 0)


def _ok(flag: bool) -> str:
    return click.style("ok  ", fg="green") if flag else click.style("FIX ", fg="red")


def _print(report: dict) -> None:
    ring = report["keyring"]
    note = "" if ring["needed"] or ring["usable"] else " (no account keeps its key there)"
    problem = f" - {ring['problem']}" if ring["problem"] else ""
    click.echo(f"{_ok(ring['usable'] or not ring['needed'])}keyring: {ring['backend']}{note}{problem}")
    conf = report["config"]
    state = conf["error"] or (f"{conf['accounts']} account(s)" if conf["exists"] else "not created yet")
    click.echo(f"{_ok(conf['ok'])}config: {conf['path']}: {state}")
    for path in report["paths"]:
        if path["exists"]:
            fix = f" - run: {path['fix']}" if path["fix"] else ""
            click.echo(f"{_ok(path['ok'])}{path['mode']} {path['path']}{fix}")
    for account in report["accounts"]:
        error = account["error"]
        if error:
            click.echo(f"{_ok(False)}{account['name']} ({account['provider']}): {error['kind']}: {error['message']}")
            click.echo(f"      fix: {account['fix']}")
        else:
            click.echo(f"{_ok(True)}{account['name']} ({account['provider']}): {account['status']}, "
                       f"key: {account['key_source']}")
    for plugin in report["plugins"]:
        origin = f"plugin {plugin['name']} from {plugin['package']} {plugin['version']}".rstrip()
        problem = f" {plugin['state']}: {plugin['problem']}" if plugin["problem"] else f" ({plugin['module']})"
        problem += f"; fix: {plugin['fix']}" if plugin["fix"] else ""
        click.echo(f"{_ok(plugin['state'] == 'ok')}{origin}{problem}")
    running = report["refresher"]["running"]
    click.echo(f"    refresher: {'running now' if running else 'not running'} (log: {report['refresher']['log']})")
    if report["integrations"]:
        for item in report["integrations"]:
            lines = ", ".join(map(str, item["lines"]))
            click.echo(f"    integration: {item['host']}: {item['file']} (line {lines})")
    else:
        click.echo("    integrations: none found (no bar, prompt or shell config mentions tokseg; "
                   "`tokseg init HOST` prints a snippet)")
    problems = report["problems"]
    click.echo(f"{problems} problem(s) found" if problems else "all good")
