"""`tokseg login copilot`: sign in to GitHub with the device flow and keep the token in the keyring."""

from __future__ import annotations

import click

from tokseg import config, dirs, discover, safe_text
from tokseg.device_flow import CLIENT_ID, DeviceFlow
from tokseg.errors import TokError
from tokseg.secrets import SERVICE, keyring_advice


@click.group()
def login() -> None:
    """Sign in to a provider that has its own login flow."""


@login.command()
@click.option("--account", default="copilot", show_default=True, help="Account name the token is stored under.")
@click.option("--host", default="github.com", show_default=True, help="GitHub host (GitHub Enterprise: its host).")
@click.option("--base-url", help="Device-flow root; default https://HOST.")
@click.option("--client-id", default=CLIENT_ID, show_default=True, help="OAuth app client id.")
def copilot(account: str, host: str, base_url: str | None, client_id: str) -> None:
    """Show a code to enter at GitHub, wait for approval, store the token in the keyring."""
    if not config.NAME_RE.match(account):
        raise click.BadParameter("use letters, digits, '-' and '_'", param_hint="--account")
    other = next((a for a in config.load(dirs.config_path()).accounts if a.name == account), None)
    if other and other.provider != "copilot":
        raise click.BadParameter(f"[accounts.{account}] is a {other.provider} account and its key would be "
                                 "replaced; choose another name", param_hint="--account")
    flow = DeviceFlow(base_url or f"https://{host}", client_id)
    code = flow.start()
    click.echo(safe_text.visible(f"Open {code.verification_uri} and enter the code: {code.user_code}"))
    click.echo(f"Waiting for approval (the code is valid for {code.expires_in / 60:.0f} minutes)…")
    token = flow.wait(code)
    _store(account, token)
    click.echo(f"Signed in; the token is stored in the keyring as {SERVICE}/{account}.")
    _ensure_account(account, host)


def _store(account: str, token: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, account, token)
    except KeyringError as exc:
        raise TokError(f"could not store the token: {keyring_advice(exc)}; or set GH_TOKEN for the refresher") from exc


def _ensure_account(account: str, host: str) -> None:
    """Add [accounts.NAME] for the token if the config has no such account (said, not silent)."""
    path = dirs.config_path()
    existing = config.load(path)
    if any(a.name == account for a in existing.accounts):
        return
    options = {} if host == "github.com" else {"host": host, "base_url": f"https://api.{host}"}
    table = discover.account_table(account, "copilot", options, None, "added by `tokseg login copilot`")
    discover.append_accounts([table], path)
    click.echo(f"Added [accounts.{account}] to {path}.")
