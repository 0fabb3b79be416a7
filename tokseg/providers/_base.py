"""The provider contract: what a provider module defines and what it is given.

A provider (or local-log source) is one module with:

    NAME, TITLE   the registered name and a human title
    SECRET        a `SecretSpec` (how its key is found) or None when it needs no key
    Options       a frozen dataclass; its defaults are the documented ones
    fetch(ctx)    -> Reading, or raise a `tokseg.errors` class

and, only when it needs them, these optional hooks:

    CHOICES                  option name -> the values it allows; the options
                             converter refuses any other (config and `tokseg add`)
    key_problem(secret)      -> str | None: why a key is of the wrong kind (an
                             API key where an Admin key is needed), before any request
    credential_stamp(ctx)    -> str: changes when the login the provider reads
                             changes (another tool signing in again), so a parked
                             auth error is retried then; called outside a fetch
    detect(env, run)         -> list[Source]: this provider's logins or logs on
                             this machine, for `tokseg discover`; only looks

A provider works only from its `Ctx`: no environment, keyring, subprocess,
state file or HTTP session of its own, so tests hand it a fake server URL and
a fixed clock instead of patching. The refresher builds the context
(`tokseg.context.make_ctx`); a provider module never imports keyring,
filelock, subprocess, `tokseg.secrets` or `tokseg.store`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from tokseg.net import Http
    from tokseg.reading import Reading

OptionsT = TypeVar("OptionsT")


@dataclass(frozen=True)
class SecretSpec:
    """How a provider's key is found and explained."""

    env: str | None
    hint: str
    # Non-empty: the provider reads another tool's login when no key is found (this names it), so a
    # missing key is not an error and `tokseg add` may be given none. Empty: a key is required.
    fallback: str = ""


@dataclass(frozen=True)
class Ran:
    """What a finished command gave: its exit status and its standard output."""

    returncode: int
    stdout: bytes


# run(argv, timeout): argv[0] is looked up on the environment's PATH and run without a shell, stdin
# closed; None when it is not there, cannot start or outlives `timeout` seconds.
Run = Callable[[Sequence[str], float], Ran | None]
# The same, for the environment given as the third argument (what a Ctx holds).
Runner = Callable[[Sequence[str], float, Mapping[str, str]], Ran | None]


class State(Protocol):
    """A provider's small JSON memory that outlives the process, shared by all its accounts."""

    def read(self) -> dict[str, Any]:
        """The current contents (a copy: changing it changes nothing)."""
        ...

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply `change` to the current contents and keep the result, as one step other processes respect."""
        ...


class MemoryState:
    """A State that lives as long as the object: for a Ctx built without the refresher."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def read(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        data = self.read()
        change(data)
        self._data = data


def _no_secret(account: str) -> str | None:
    return None


def _cannot_run(argv: Sequence[str], timeout: float, env: Mapping[str, str]) -> Ran | None:
    return None


@dataclass(frozen=True)
class Ctx(Generic[OptionsT]):
    """Everything from outside that a fetch may use; `options` is the provider's own Options."""

    account: str
    options: OptionsT
    secret: str | None
    http: Http
    now: Callable[[], float]
    env: Mapping[str, str] = field(default_factory=dict)
    state: State = field(default_factory=MemoryState)
    secret_store: Callable[[str], str | None] = _no_secret  # tokseg's own keyring entry by account name
    runner: Runner = _cannot_run

    def stored_secret(self) -> str | None:
        """What tokseg keeps in the keyring for this account (`tokseg login`); None if nothing or no keyring."""
        return self.secret_store(self.account)

    def run(self, argv: Sequence[str], timeout: float) -> Ran | None:
        """Run a command with this context's environment; see `Run`."""
        return self.runner(argv, timeout, self.env)


@dataclass(frozen=True)
class Source:
    """One thing `detect` found, and the account that would read it.

    `places` names the options that say where an account reads (e.g. "config_dir"): an
    account of the same provider reads this source only if it sets those options as
    `options` does, and a folder in them gives a new account its name.
    """

    title: str
    where: str
    provider: str
    account: str
    options: dict[str, str] = field(default_factory=dict)
    key_env: str | None = None
    available: bool = True  # a provider for it exists in this version
    configured_as: str | None = None  # an existing account already reads it
    places: tuple[str, ...] = ()
    not_offered: str | None = None  # why it is only listed (a key no provider reads), or None

    @property
    def offer(self) -> bool:
        return self.available and self.configured_as is None and self.not_offered is None

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["places"]
        return {**data, "offer": self.offer}


class Provider(Protocol):
    """What a provider *module* looks like (the hooks below are optional)."""

    NAME: str
    TITLE: str
    SECRET: SecretSpec | None
    Options: type

    def fetch(self, ctx: Ctx[Any]) -> Reading: ...


class KeyProblemHook(Protocol):
    def key_problem(self, secret: str) -> str | None: ...


class CredentialStampHook(Protocol):
    def credential_stamp(self, ctx: Ctx[Any]) -> str: ...


class DetectHook(Protocol):
    def detect(self, env: Mapping[str, str], run: Run) -> list[Source]: ...


class ChoicesHook(Protocol):
    CHOICES: Mapping[str, Sequence[object]]


# Each optional hook and the Protocol that declares it (the contract suite checks modules against these).
OPTIONAL_HOOKS: dict[str, type] = {
    "CHOICES": ChoicesHook,
    "key_problem": KeyProblemHook,
    "credential_stamp": CredentialStampHook,
    "detect": DetectHook,
}


def choices(module: object) -> Mapping[str, Sequence[object]]:
    """The module's CHOICES, or none."""
    found = getattr(module, "CHOICES", None)
    return found if isinstance(found, Mapping) else {}


def key_problem(module: object, secret: str) -> str | None:
    """The module's verdict on a key's kind; None when it has no such check or the key looks right."""
    hook = getattr(module, "key_problem", None)
    return hook(secret) if hook else None


def credential_stamp(module: object, ctx: Ctx[Any]) -> str:
    """The module's stamp of the login it reads; "" for providers that read none."""
    hook = getattr(module, "credential_stamp", None)
    return hook(ctx) if hook else ""


def detect(module: object, env: Mapping[str, str], run: Run) -> list[Source]:
    """What the module finds on this machine; nothing for providers without `detect`."""
    hook = getattr(module, "detect", None)
    return list(hook(env, run)) if hook else []
