"""The one place a provider's context is built: HTTP, clock, env, keyring lookup, commands, state.

The refresher, `tokseg add`'s live check, the credential stamp of a parked
error and the tests all call `make_ctx`, so a provider sees the same world
whoever asks. What a provider may not do itself lives here: reading
tokseg's own keyring entries, running a command, and keeping its state.
State is one small JSON file per provider in the state folder, never in the
snapshot every status-bar call reads; each edit re-reads it under a lock and
replaces it atomically, so processes (a refresh run, `tokseg add`) agree and a
crash leaves the previous file whole. An edit is kept at once, not at the end
of the fetch: a poll recorded before a request that then hangs still counts.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tokseg import dirs, net, providers, secrets, store
from tokseg.flock import Lock
from tokseg.providers._base import Ctx, Ran, Run

if TYPE_CHECKING:
    import requests

OptionsT = TypeVar("OptionsT")
STATE_FOLDER = "provider-state"
LOCK_TIMEOUT_S = 10.0
MAX_CONNECT_S = 5.0


def make_ctx(provider: str, account: str, options: OptionsT, *, secret: str | None = None,
             session: requests.Session | net.LazySession | None = None,
             timeout: tuple[float, float] = net.DEFAULT_TIMEOUT,
             clock: Callable[[], float] = time.time, env: Mapping[str, str] | None = None) -> Ctx[OptionsT]:
    """The context for one fetch (or hook call) of `account`, a `provider` account with these options.

    Without a session (a hook that sends nothing, a file source) the context gets one made at its first
    request, so a context that sends none never imports requests.
    """
    http = net.Http(session or net.LazySession(1), getattr(options, "base_url", ""), timeout=timeout, now=clock())
    return Ctx(account=account, options=options, secret=secret, http=http, now=clock,
               env=os.environ if env is None else env, state=FileState(state_path(provider)),
               secret_store=stored_secret, runner=run_command)


def timeouts(read_s: float) -> tuple[float, float]:
    """(connect, read) timeouts from the configured one: connecting never waits longer than 5 s."""
    return (min(MAX_CONNECT_S, read_s), read_s)


def state_path(provider: str) -> Path:
    """The provider's state file; an alias shares its provider's."""
    return dirs.state_dir() / STATE_FOLDER / f"{providers.canonical(provider)}.json"


class FileState:
    """A provider's State kept in one JSON file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        dirs.ensure_private(self.path.parent)
        with Lock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S, mode=0o600):
            data = self.read()
            change(data)
            store.write_atomic(self.path, data)


def stored_secret(account: str) -> str | None:
    """The key tokseg keeps in the keyring under `account`; None when none is kept or there is no keyring."""
    try:
        return secrets.keyring_get(account)
    except secrets.KeyringUnavailable:
        return None


def run_command(argv: Sequence[str], timeout: float, env: Mapping[str, str]) -> Ran | None:
    """Run argv[0] found on env's PATH, with env, no shell, stdin closed; None when it cannot run or finish."""
    import shutil
    import subprocess

    program = shutil.which(argv[0], path=env.get("PATH")) if argv else None
    if program is None:
        return None
    try:
        done = subprocess.run([program, *argv[1:]], env=dict(env), stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Ran(done.returncode, done.stdout)


def runner(env: Mapping[str, str]) -> Run:
    """`run_command` for one environment: what `detect` hooks are given."""
    return lambda argv, timeout: run_command(argv, timeout, env)
