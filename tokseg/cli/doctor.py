"""`tokseg doctor`: print the checks of `tokseg.doctor`, each problem with its fix."""

from __future__ import annotations

import json
import time

import click

from tokseg import doctor as core
from tokseg import safe_text
from tokseg.render import numbers


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check keyring, folders, config and accounts; name each fix.

    Exits 1 when something needs fixing.
    """
    report = core.diagnose()
    if as_json:
        click.echo(json.dumps(safe_text.json_safe(report), indent=2))
    else:
        _print(report)
    ctx.exit(1 if report["problems"] else 0)


def _ok(flag: bool) -> str:
    return click.style("ok  ", fg="green") if flag else click.style("FIX ", fg="red")


def _say(text: str, flag: bool | None = None) -> None:
    """One report line, its text made safe (it holds server, log and plugin text); `flag` adds ok/FIX."""
    click.echo(("" if flag is None else _ok(flag)) + safe_text.visible(text))


def _print(report: dict) -> None:
    _print_keyring(report["keyring"])
    conf = report["config"]
    state = conf["error"] or (f"{conf['accounts']} account(s)" if conf["exists"] else "not created yet")
    _say(f"config: {conf['path']}: {state}", conf["ok"])
    if conf.get("draft"):
        _say(f"config: an unfinished edit is kept in {conf['draft']}; `tokseg config edit` goes on with it")
    tpl = report["template"]
    if not tpl["ok"]:
        _say(f"settings.template {tpl['template']!r}: {tpl['problem']}; fix: {tpl['fix']}", False)
    for path in report["paths"]:
        if path["exists"]:
            fix = f" - run: {path['fix']}" if path["fix"] else ""
            _say(f"{path['mode']} {path['path']}{fix}", path["ok"])
    for account in report["accounts"]:
        error = account["error"]
        if error:
            _say(f"{account['name']} ({account['provider']}): {error['kind']}: {error['message']}", False)
            _say(f"      fix: {account['fix']}")
        else:
            _say(f"{account['name']} ({account['provider']}): {account['status']}, key: {account['key_source']}", True)
        for note in account.get("notes", ()):
            _say(f"      note: {note}")
    for plugin in report["plugins"]:
        origin = f"plugin {plugin['name']} from {plugin['package']} {plugin['version']}".rstrip()
        problem = f" {plugin['state']}: {plugin['problem']}" if plugin["problem"] else f" ({plugin['module']})"
        problem += f"; fix: {plugin['fix']}" if plugin["fix"] else ""
        _say(f"{origin}{problem}", plugin["state"] == "ok")
    _print_command(report["command"])
    _print_prices(report["prices"])
    running = report["refresher"]["running"]
    _say(f"    refresher: {'running now' if running else 'not running'} (log: {report['refresher']['log']})")
    _print_integrations(report["integrations"])
    problems = report["problems"]
    if report["config"]["ok"] and not report["config"].get("accounts"):
        _say("    no accounts yet: `tokseg setup` adds what it finds here and prints the snippet for your bar")
        _say(f"{problems} problem(s) found" if problems else "nothing broken, nothing set up yet")
        return
    _say(f"{problems} problem(s) found" if problems else "all good")


def _print_integrations(found: list[dict]) -> None:
    if not found:
        _say("    integrations: none found (no bar, prompt or shell config mentions tokseg; "
             "`tokseg init HOST` prints a snippet)")
    for item in found:
        lines = ", ".join(map(str, item["lines"]))
        _say(f"    integration: {item['host']}: {item['file']} (line {lines})")
        if item.get("warning"):
            _say(f"    warning: {item['host']}: {item['warning']}")


def _print_command(command: dict) -> None:
    if command["broken"]:
        _say(f"tokseg is not on the PATH, but {', '.join(command['broken'])} calls plain `tokseg`; "
             f"fix: {command['fix']}", False)
    elif not command["on_path"]:
        _say(f"    tokseg is not on the PATH: a snippet must call it by its full path ({command['fix']})")


def _print_keyring(ring: dict) -> None:
    """The backend, whether it works, and a warning (a problem once an account keeps its key there) when it
    keeps keys unprotected."""
    note = "" if ring["needed"] or ring["usable"] else " (no account keeps its key there)"
    problem = f" - {ring['problem']}" if ring["problem"] else ""
    _say(f"keyring: {ring['backend']}{note}{problem}", ring["usable"] or not ring["needed"])
    if ring["plain"]:
        _say(ring["plain"], False) if ring["needed"] else _say(f"    warning: {ring['plain']}")


def _print_prices(prices: dict) -> None:
    """Which price table a refresh uses and how old it is; a failed or old download is a warning."""
    bundled = prices["bundled"]
    installed = bundled["installed_at"]
    line = f"bundled table of genai-prices {bundled['version']}"
    line += f" (installed {time.strftime('%Y-%m-%d', time.localtime(installed))})" if installed is not None else ""
    if prices["table"] == "downloaded":
        age = f"{numbers.duration(prices['age_s'])} ago" if prices["age_s"] is not None else "at an unknown time"
        line = f"table downloaded {age}, in place of genai-prices {bundled['version']}'s own: {prices['path']}"
    elif prices["mode"] == "auto" and prices["attempted_at"] is None:
        line += '; prices = "auto": the next refresh downloads a newer one'
    _say(f"    prices: {line}")
    if prices["warning"]:
        _say(f"    warning: prices: {prices['warning']}; fix: {prices['fix']}")
