"""Where an account's key comes from: its own key_command or key_env, the keyring, the provider's env var.

Keys are only ever held in memory: never written to config, snapshot, logs
or messages, and never put on a command line.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import TYPE_CHECKING
from collections.abc import Mapping

from tokseg.errors import NoSecret

if TYPE_CHECKING:
    from tokseg.config import Account
    from tokseg.providers._base import SecretSpec

SERVICE = "tokseg"
KEY_COMMAND_TIMEOUT_S = 15.0


def resolve(account: Account, spec: SecretSpec | None, env: Mapping[str, str] | None = None) -> str | None:
    """The account's key, or None for providers that need none; raises NoSecret with the fix."""
    if spec is None:
        return None
    env = os.environ if env is None else env
    if account.key_command:
        return _run_key_command(account)
    if account.key_env:
        value = env.get(account.key_env, "").strip()
        if not value:
            raise NoSecret(f"account {account.name!r}: key_env names {account.key_env}, which is not set or empty")
        return value
    keyring_problem = None
    try:
        stored = keyring_get(account.name)
    except KeyringUnavailable as exc:
        stored, keyring_problem = None, str(exc)
    if stored:
        return stored
    if spec.env and env.get(spec.env, "").strip():
        return env[spec.env].strip()
    fix = f"run `tokseg add {account.provider} --name {account.name}`"
    if spec.env:
        fix += f" or set {spec.env}"
    why = f" ({keyring_problem})" if keyring_problem else ""
    raise NoSecret(f"no key for account {account.name!r} ({account.provider}){why}: {fix}; {spec.hint}")


class KeyringUnavailable(Exception):
    """No usable keyring backend (headless Linux, locked collection)."""


def keyring_get(account: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, account)
    except KeyringError as exc:
        raise KeyringUnavailable(keyring_advice(exc)) from exc


def keyring_advice(exc: Exception) -> str:
    """One line: why the keyring failed, and the two alternatives."""
    kind = type(exc).__name__
    return (
        f"no usable keyring ({kind}); store the key elsewhere: key_env = \"VAR\" "
        "(an environment variable) or key_command = \"pass show …\" in the account's config"
    )


def _run_key_command(account: Account) -> str:
    """Run the account's key_command without a shell (a list, or a string split like a shell would)."""
    command = account.key_command
    argv = command if isinstance(command, list) else shlex.split(command or "")
    where = f"account {account.name!r}: key_command"
    if not argv:
        raise NoSecret(f"{where} is empty; set it to e.g. \"pass show openrouter\"")
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=KEY_COMMAND_TIMEOUT_S, check=False
        )
    except FileNotFoundError as exc:
        raise NoSecret(f"{where}: {argv[0]!r} was not found; check the command") from exc
    except subprocess.TimeoutExpired as exc:
        raise NoSecret(f"{where} did not finish within {KEY_COMMAND_TIMEOUT_S:g}s") from exc
    if done.returncode != 0:
        raise NoSecret(f"{where} exited with status {done.returncode}; run it yourself to see why")
    value = done.stdout.decode(errors="replace").strip().splitlines()
    if not value or not value[0].strip():
        raise NoSecret(f"{where} printed nothing; it must print the key on its first line")
    return value[0].strip()
