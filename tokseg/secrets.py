"""Where an account's key comes from: its own key_command or key_env, the keyring, the provider's env var.

Keys are only ever held in memory: never written to config, snapshot, logs
or messages, and never put on a command line. A missing or broken keyring
(headless Linux has none) is one line naming the two alternatives, never a
traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokseg.errors import NoSecret

if TYPE_CHECKING:
    from tokseg.config import Account
    from tokseg.providers._base import SecretSpec

SERVICE = "tokseg"
KEY_COMMAND_TIMEOUT_S = 15.0
ALTERNATIVES = (
    'keep the key elsewhere: key_env = "VAR" (an environment variable) or '
    'key_command = "pass show …" in the account\'s config (`tokseg add` options --key-env / --key-command)'
)


@dataclass(frozen=True)
class Found:
    """A resolved key and where it came from ("command", "env", "keyring" or "provider env")."""

    secret: str
    source: str


def resolve(account: Account, spec: SecretSpec | None, env: Mapping[str, str] | None = None) -> str | None:
    """The account's key, or None for providers that need none; raises NoSecret with the fix."""
    found = locate(account, spec, env)
    return found.secret if found else None


def locate(account: Account, spec: SecretSpec | None, env: Mapping[str, str] | None = None) -> Found | None:
    """Like `resolve`, but also says which source gave the key (for `tokseg list`)."""
    if spec is None:
        return None
    env = os.environ if env is None else env
    if account.key_command is not None:
        return Found(_run_key_command(account), "command")
    if account.key_env:
        value = env.get(account.key_env, "").strip()
        if not value:
            raise NoSecret(f"account {account.name!r}: key_env names {account.key_env}, which is not set or empty")
        return Found(value, "env")
    keyring_problem = None
    try:
        stored = keyring_get(account.name)
    except KeyringUnavailable as exc:
        stored, keyring_problem = None, str(exc)
    if stored:
        return Found(stored, "keyring")
    if spec.env and env.get(spec.env, "").strip():
        return Found(env[spec.env].strip(), "provider env")
    if spec.fallback:
        return None  # no key: the provider reads its fallback login (another tool's)
    fix = f"run `tokseg add {account.provider} --name {account.name}`"
    if spec.env:
        fix += f" or set {spec.env}"
    why = f" ({keyring_problem})" if keyring_problem else ""
    raise NoSecret(f"no key for account {account.name!r} ({account.provider}){why}: {fix}; {spec.hint}")


def uses_keyring(account: Account) -> bool:
    """Whether the account's key is the keyring's to keep (it names no key_env or key_command)."""
    return account.key_command is None and not account.key_env


_PREFIX = re.compile(r"^(?:[A-Za-z]{2,6}[-_]){1,2}")


def preview(secret: str) -> str:
    """`sk-or-…91bc`: the key's type prefix and last four characters, never enough to use it.

    Short keys show only the prefix, so at most a third of any key is shown.
    """
    prefix_match = _PREFIX.match(secret)
    prefix = prefix_match.group(0) if prefix_match else ""
    if len(prefix) * 3 > len(secret):
        prefix = ""
    tail = secret[-4:] if len(secret) >= 3 * (len(prefix) + 4) else ""
    return f"{prefix}…{tail}"


class KeyringUnavailable(Exception):
    """No usable keyring backend (headless Linux, locked collection, a broken backend setting)."""


def _backend() -> Any:
    """The configured keyring backend; loading it can itself fail (a bad PYTHON_KEYRING_BACKEND)."""
    import keyring

    try:
        return keyring.get_keyring()
    except Exception as exc:  # keyring imports whatever module the user named; any failure means "unusable"
        raise KeyringUnavailable(keyring_advice(exc)) from exc


def _call(operation: str, *args: str) -> Any:
    """Run one keyring operation; every backend failure becomes KeyringUnavailable with advice."""
    backend = _backend()
    try:
        return getattr(backend, operation)(SERVICE, *args)
    except Exception as exc:  # backends raise their own errors too (D-Bus, file permissions): all mean unusable
        raise KeyringUnavailable(keyring_advice(exc)) from exc


def keyring_get(account: str) -> str | None:
    return _call("get_password", account)


def keyring_set(account: str, secret: str) -> None:
    try:
        _call("set_password", account, secret)
    except KeyringUnavailable as exc:  # a backend's message must not carry the key it was given
        raise KeyringUnavailable(str(exc).replace(secret, "[key]")) from None


def keyring_delete(account: str) -> bool:
    """Remove the account's key; False when there was none."""
    if keyring_get(account) is None:
        return False
    _call("delete_password", account)
    return True


def backend_name() -> str:
    """The backend's dotted class name, e.g. keyring.backends.SecretService.Keyring."""
    try:
        backend = _backend()
    except KeyringUnavailable:
        return "none (the configured backend could not be loaded)"
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


# Backends that keep keys where anyone who can read the file can read them: in plain text or merely
# encoded (keyrings.alt's PlaintextKeyring stores base64), or not at all.
PLAIN_BACKENDS = ("keyrings.alt.file.PlaintextKeyring", "keyring.backends.null.Keyring")


def plain_storage() -> str | None:
    """Why the active backend does not protect keys (it writes them to a readable file, or drops them),
    or None for a backend that does (Secret Service, KWallet, macOS Keychain, an encrypted file)."""
    try:
        backend = _backend()
    except KeyringUnavailable:
        return None  # nothing is stored at all; backend_problem says so
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if name not in PLAIN_BACKENDS and "plaintext" not in type(backend).__name__.lower():
        return None
    where = getattr(backend, "file_path", None)
    place = f" ({where})" if where else ""
    return (f"the keyring backend {name} keeps keys unprotected{place}: anyone who can read that file can read "
            "them; use the desktop keyring (Secret Service or KWallet, unlocked), choose another backend with "
            f"PYTHON_KEYRING_BACKEND, or {ALTERNATIVES}")


def backend_problem() -> str | None:
    """None when the keyring can be read, else one line saying why not and what to do instead."""
    try:
        keyring_get("tokseg-doctor-probe")
    except KeyringUnavailable as exc:
        return str(exc)
    return None


def keyring_advice(exc: BaseException) -> str:
    """One line: why the keyring failed, and the two alternatives."""
    detail = " ".join(str(exc).split())
    detail = detail.split(". ")[0][:120] if detail else ""
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"no usable keyring ({reason}); {ALTERNATIVES}"


def _run_key_command(account: Account) -> str:
    """Run the account's key_command without a shell: a list as given, a string split like a shell would.

    A user who wants pipes or variables writes the shell themselves:
    key_command = ["sh", "-c", "pass show ai | head -1"].
    """
    command = account.key_command
    where = f"account {account.name!r}: key_command"
    try:
        argv = command if isinstance(command, list) else shlex.split(command or "")
    except ValueError as exc:
        raise NoSecret(f"{where} cannot be split into words ({exc}); check its quotes") from None
    if not argv:
        raise NoSecret(f"{where} is empty; set it to e.g. \"pass show openrouter\"")
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=KEY_COMMAND_TIMEOUT_S, check=False
        )
    except FileNotFoundError as exc:
        raise NoSecret(f"{where}: {argv[0]!r} was not found; check the command") from exc
    except PermissionError as exc:
        raise NoSecret(f"{where}: {argv[0]!r} is not executable; check the command") from exc
    except subprocess.TimeoutExpired as exc:
        raise NoSecret(f"{where} did not finish within {KEY_COMMAND_TIMEOUT_S:g}s") from exc
    if done.returncode != 0:
        raise NoSecret(f"{where} exited with status {done.returncode}; run it yourself to see why")
    value = done.stdout.decode(errors="replace").strip().splitlines()
    if not value or not value[0].strip():
        raise NoSecret(f"{where} printed nothing; it must print the key on its first line")
    return value[0].strip()
