"""The provider registry: name → module, sorted, imported only when used.

Names follow one rule: a login or quota provider is named after its agent
(`claude`, `codex`), the reader of that agent's local logs `<agent>_logs`.
Older names stay accepted as aliases, so existing configs keep working.

Other packages add providers through the `tokseg.providers` entry-point
group (see `_plugins` and docs/plugins.md). `PROVIDERS` holds both, built-ins
first: looking up a built-in name never reads the group, so the refresher
pays for the scan only for a plugin's name or for the whole list.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokseg.providers._base import Provider
    from tokseg.providers._plugins import Scan, Status

BUILTIN: dict[str, str] = {
    "amp": "tokseg.providers.amp",
    "amp_logs": "tokseg.sources.amp_logs",
    "anthropic": "tokseg.providers.anthropic",
    "anthropic_limits": "tokseg.providers.anthropic_limits",
    "antigravity": "tokseg.providers.antigravity",
    "claude": "tokseg.providers.claude",
    "claude_logs": "tokseg.sources.claude_logs",
    "claude_statusline": "tokseg.providers.claude_statusline",
    "cline": "tokseg.providers.cline",
    "codex": "tokseg.providers.codex",
    "codex_logs": "tokseg.sources.codex_logs",
    "copilot": "tokseg.providers.copilot",
    "cursor": "tokseg.providers.cursor",
    "deepinfra": "tokseg.providers.deepinfra",
    "deepseek": "tokseg.providers.deepseek",
    "demo": "tokseg.providers.demo",
    "factory": "tokseg.providers.factory",
    "fireworks": "tokseg.providers.fireworks",
    "gemini": "tokseg.providers.gemini",
    "gemini_logs": "tokseg.sources.gemini_logs",
    "groq": "tokseg.providers.groq",
    "kimi": "tokseg.providers.kimi",
    "minimax": "tokseg.providers.minimax",
    "mistral": "tokseg.providers.mistral",
    "moonshot": "tokseg.providers.moonshot",
    "nebius": "tokseg.providers.nebius",
    "novita": "tokseg.providers.novita",
    "openai": "tokseg.providers.openai",
    "opencode": "tokseg.providers.opencode",
    "opencode_logs": "tokseg.sources.opencode_logs",
    "openrouter": "tokseg.providers.openrouter",
    "perplexity": "tokseg.providers.perplexity",
    "prometheus": "tokseg.providers.prometheus",
    "siliconflow": "tokseg.providers.siliconflow",
    "xai": "tokseg.providers.xai",
    "zai": "tokseg.providers.zai",
}

# Old name -> current name; a config may use either.
ALIASES: dict[str, str] = {
    "claude_code": "claude_logs",
}


class _Registry(Mapping[str, str]):
    """name -> module path, sorted: the built-ins, then the installed plugins no built-in shadows."""

    def __getitem__(self, name: str) -> str:
        if name in BUILTIN:
            return BUILTIN[name]
        return _scan().usable[name].module

    def __contains__(self, name: object) -> bool:
        return name in BUILTIN or (isinstance(name, str) and name in _scan().usable)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*BUILTIN, *_scan().usable}))

    def __len__(self) -> int:
        return len(BUILTIN) + len(_scan().usable)

    def __repr__(self) -> str:
        return f"PROVIDERS({dict(self)!r})"


PROVIDERS: Mapping[str, str] = _Registry()
_loaded_plugins: dict[str, Provider] = {}


def canonical(name: str) -> str:
    """The registered name for `name`, following an alias; unknown names come back unchanged."""
    return ALIASES.get(name, name)


def known(name: object) -> bool:
    """Whether `name` is a registered provider or an alias of one."""
    return isinstance(name, str) and canonical(name) in PROVIDERS


def load(name: str) -> Provider:
    """The provider module registered as `name` (or its alias); KeyError when there is none.

    A plugin that cannot be imported or breaks the contract loads as a stand-in whose fetch says why.
    """
    name = canonical(name)
    if name in BUILTIN:
        return importlib.import_module(BUILTIN[name])
    if name not in _loaded_plugins:
        from tokseg.providers import _plugins

        _loaded_plugins[name] = _plugins.load(_scan().usable[name])
    return _loaded_plugins[name]


def plugins() -> list[Status]:
    """Every installed plugin with its state (in use, unusable, ignored) and the problem; imports each one."""
    from tokseg.providers import _plugins

    return _plugins.report(_scan(), load)


def rescan() -> None:
    """Forget the plugins read so far, so the next lookup reads the group again (after sys.path changed)."""
    from tokseg.providers import _plugins

    _plugins.scan.cache_clear()
    _loaded_plugins.clear()


def _scan() -> Scan:
    from tokseg.providers import _plugins

    return _plugins.scan(frozenset(BUILTIN) | frozenset(ALIASES))
