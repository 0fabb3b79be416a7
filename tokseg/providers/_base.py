"""The provider contract: what a provider module defines and what it is given.

A provider is one module with `NAME`, `TITLE`, `SECRET`, an `Options`
dataclass (defaults are the documented ones) and `fetch(ctx) -> Reading`.
It works only from its `Ctx`: no environment, keyring or session of its own,
so tests hand it a fake server URL and a fixed clock instead of patching.
A provider that reads another tool's login (claude, codex, copilot) may also
define `credential_stamp(account, options, env) -> str`, which changes when that login
does, so a parked auth error is retried once the user signs in again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tokseg.net import Http
    from tokseg.reading import Reading


@dataclass(frozen=True)
class SecretSpec:
    """How a provider's key is found and explained."""

    env: str | None
    hint: str


@dataclass(frozen=True)
class Ctx:
    """Everything from outside that a fetch may use."""

    account: str
    options: object
    secret: str | None
    http: Http
    now: Callable[[], float]
    env: Mapping[str, str] = field(default_factory=dict)
    state: dict[str, object] = field(default_factory=dict)


class Provider(Protocol):
    """What a provider *module* looks like."""

    NAME: str
    TITLE: str
    SECRET: SecretSpec | None
    Options: type

    def fetch(self, ctx: Ctx) -> Reading: ...
