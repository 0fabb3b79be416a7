"""The provider registry: name → module, sorted, imported only when used.

Names follow one rule: a login or quota provider is named after its agent
(`claude`, `codex`), the reader of that agent's local logs `<agent>_logs`.
Older names stay accepted as aliases, so existing configs keep working.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokseg.providers._base import Provider

PROVIDERS: dict[str, str] = {
    "anthropic": "tokseg.providers.anthropic",
    "claude": "tokseg.providers.claude",
    "claude_logs": "tokseg.sources.claude_logs",
    "claude_statusline": "tokseg.providers.claude_statusline",
    "codex": "tokseg.providers.codex",
    "codex_logs": "tokseg.sources.codex_logs",
    "copilot": "tokseg.providers.copilot",
    "deepinfra": "tokseg.providers.deepinfra",
    "deepseek": "tokseg.providers.deepseek",
    "demo": "tokseg.providers.demo",
    "fireworks": "tokseg.providers.fireworks",
    "groq": "tokseg.providers.groq",
    "moonshot": "tokseg.providers.moonshot",
    "novita": "tokseg.providers.novita",
    "openai": "tokseg.providers.openai",
    "openrouter": "tokseg.providers.openrouter",
    "siliconflow": "tokseg.providers.siliconflow",
    "xai": "tokseg.providers.xai",
}

# Old name -> current name; a config may use either.
ALIASES: dict[str, str] = {
    "claude_code": "claude_logs",
}


def canonical(name: str) -> str:
    """The registered name for `name`, following an alias; unknown names come back unchanged."""
    return ALIASES.get(name, name)


def known(name: object) -> bool:
    """Whether `name` is a registered provider or an alias of one."""
    return isinstance(name, str) and canonical(name) in PROVIDERS


def load(name: str) -> Provider:
    """The provider module registered as `name` (or its alias); KeyError when there is none."""
    return importlib.import_module(PROVIDERS[canonical(name)])  # type: ignore[return-value]
