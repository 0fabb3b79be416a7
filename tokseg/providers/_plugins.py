"""Providers from other packages: the `tokseg.providers` entry-point group, read once and only on demand.

A package registers `acme = "tokseg_acme.provider"` (entry-point name = the
provider name users write, value = its module). Reading the group walks
every installed distribution's metadata (a few ms, plus ~25 ms to import
`importlib.metadata` where nothing has yet), so the registry asks only for
a name that is not built in or for the whole list. A built-in name (or
alias) always wins. A plugin that fails to import or breaks the contract
becomes an `Unusable` stand-in: config accepts its accounts and its fetch
names the package and the fix, so only those accounts show an error.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from tokseg.errors import ConfigError, TokError
from tokseg.providers._base import SecretSpec
from tokseg.safe_text import line as printable  # the one output boundary (tokseg.safe_text)

if TYPE_CHECKING:
    from tokseg.providers._base import Ctx, Provider
    from tokseg.reading import Reading

GROUP = "tokseg.providers"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HOOKS = ("key_problem", "credential_stamp", "detect")
_MISSING = object()


@dataclass(frozen=True)
class Plugin:
    """One entry point: the provider name, its module and the package that declares it (printable)."""

    name: str
    module: str
    package: str
    version: str

    @property
    def origin(self) -> str:
        return f"{self.package} {self.version}".strip()


@dataclass(frozen=True)
class Scan:
    """What the group holds: plugins in use by name, and the ones set aside with the reason."""

    usable: dict[str, Plugin]
    ignored: tuple[tuple[Plugin, str], ...]


@dataclass(frozen=True)
class Status:
    """A plugin as `tokseg doctor` reports it; `problem` is None when it is in use and keeps the contract."""

    plugin: Plugin
    state: str  # "ok", "unusable" or "ignored"
    problem: str | None


@cache
def scan(reserved: frozenset[str]) -> Scan:
    """Read the entry-point group once per process; names in `reserved` (built-ins, aliases) are set aside."""
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=GROUP):
        dist = point.dist
        package, version = (dist.name, dist.version) if dist is not None else ("an unknown package", "")
        found.append(Plugin(point.name, point.value, printable(package), printable(version)))
    usable: dict[str, Plugin] = {}
    ignored: list[tuple[Plugin, str]] = []
    for plugin in sorted(found, key=lambda p: (p.name, p.package.lower())):
        if plugin.name in reserved:
            why = f"a built-in provider is named {plugin.name!r} and wins; rename the entry point or uninstall it"
        elif not NAME_RE.match(plugin.name):
            why = "the entry-point name must be lower-case letters, digits and '_' (at most 40), like 'acme'"
        elif plugin.name in usable:
            why = f"{usable[plugin.name].package} also provides {plugin.name!r} and wins; uninstall one of them"
        else:
            usable[plugin.name] = plugin
            continue
        ignored.append((plugin, printable(why)))
    return Scan(usable, tuple(ignored))


def load(plugin: Plugin) -> Provider:
    """The plugin's provider, or an `Unusable` stand-in saying why it cannot be one."""
    if ":" in plugin.module:
        return Unusable(plugin, f"entry point {plugin.module!r} must name a module (e.g. 'tokseg_acme.provider')")
    try:
        module = importlib.import_module(plugin.module)
    except (Exception, SystemExit) as exc:  # a plugin's import must never stop the refresher
        return Unusable(plugin, f"cannot import {plugin.module}: {type(exc).__name__}: {exc}")
    problem = contract_problem(module, plugin.name)
    if problem:
        return Unusable(plugin, f"{plugin.module} does not keep the provider contract: {problem}")
    return PluginProvider(module, plugin)


def contract_problem(module: object, name: str) -> str | None:
    """What keeps `module` from being provider `name`, in one phrase; None when it keeps the contract."""
    if getattr(module, "NAME", None) != name:
        return f"NAME is {getattr(module, 'NAME', None)!r}, not {name!r} (the entry-point name)"
    title = getattr(module, "TITLE", None)
    if not (isinstance(title, str) and title.strip() and title.isprintable()):
        return "TITLE must be a short printable name, e.g. 'Acme'"
    secret = getattr(module, "SECRET", _MISSING)
    if secret is not None and not isinstance(secret, SecretSpec):
        return "SECRET must be None or a tokseg.providers._base.SecretSpec"
    options = getattr(module, "Options", None)
    if not (isinstance(options, type) and dataclasses.is_dataclass(options)):
        return "Options must be a dataclass"
    if any(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
           for f in dataclasses.fields(options)):
        return "every Options field needs a default"
    if not callable(getattr(module, "fetch", None)):
        return "fetch(ctx) is missing"
    hook = next((h for h in HOOKS if hasattr(module, h) and not callable(getattr(module, h))), None)
    if hook:
        return f"{hook} must be a function"
    if not isinstance(getattr(module, "CHOICES", {}), dict):
        return "CHOICES must be a dict of option name -> allowed values"
    return None


class PluginProvider:
    """A plugin's module as the registry hands it out: its own attributes, with printable error text.

    Text a plugin raises or returns (fetch errors, `key_problem`) is printed
    by `tokseg refresh`, `add` and `doctor`, so control characters are made
    visible on the way out and the account's key is cut from fetch errors;
    a failing `credential_stamp` counts as no stamp.
    """

    def __init__(self, module: Any, plugin: Plugin) -> None:
        self._module = module
        self.PLUGIN = plugin
        self.__doc__ = module.__doc__
        self.NAME: str = module.NAME
        self.TITLE: str = module.TITLE
        self.SECRET: SecretSpec | None = module.SECRET
        self.Options: type = module.Options

    def __repr__(self) -> str:
        return f"<plugin provider {self.NAME!r} from {self.PLUGIN.origin} ({self.PLUGIN.module})>"

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._module, attr)
        if attr == "key_problem":
            return _printable_result(value)
        if attr == "credential_stamp":
            return _no_raise(value)
        return value

    def fetch(self, ctx: Ctx) -> Reading:
        try:
            return self._module.fetch(ctx)
        except TokError as exc:
            from tokseg.net import scrub  # requests: loaded by the refresher anyway, not by a registry lookup

            exc.args = (printable(scrub(str(exc), ctx.secret)),)
            raise


def _printable_result(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    def wrapped(secret: str) -> str | None:
        problem = check(secret)
        return printable(problem) if problem else problem

    return wrapped


def _no_raise(stamp: Callable[..., str]) -> Callable[..., str]:
    def wrapped(*args: Any) -> str:
        try:
            return str(stamp(*args))
        except Exception:
            return ""

    return wrapped


@dataclass(frozen=True)
class _NoOptions:
    """An unusable plugin's options are unknown; config keeps an account's raw values."""


class Unusable:
    """Stands in for a plugin that cannot be used; `UNUSABLE` says why (config skips its option checks)."""

    SECRET: SecretSpec | None = None
    Options: type = _NoOptions

    def __init__(self, plugin: Plugin, problem: str) -> None:
        self.PLUGIN = plugin
        self.NAME = plugin.name
        self.TITLE = f"{plugin.name} (unusable plugin)"
        self.UNUSABLE = printable(problem)

    def fetch(self, ctx: Ctx) -> Reading:
        origin = self.PLUGIN.origin
        raise ConfigError(
            f"provider {self.NAME!r} comes from the plugin package {origin}, which cannot be used: {self.UNUSABLE}; "
            f"fix: reinstall or upgrade {self.PLUGIN.package} where tokseg is installed, "
            f"or remove the account (`tokseg remove {ctx.account}`)")


def report(found: Scan, loader: Callable[[str], Provider]) -> list[Status]:
    """Every plugin in the group, importing each one in use to see whether it keeps the contract."""
    out = []
    for name, plugin in found.usable.items():
        problem = getattr(loader(name), "UNUSABLE", None)
        out.append(Status(plugin, "unusable" if problem else "ok", problem))
    out.extend(Status(plugin, "ignored", why) for plugin, why in found.ignored)
    return sorted(out, key=lambda s: (s.plugin.name, s.plugin.package.lower()))
