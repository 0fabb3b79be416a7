"""The provider registry: name → module, sorted, imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokseg.providers._base import Provider

PROVIDERS: dict[str, str] = {
    "anthropic": "tokseg.providers.anthropic",
    "claude": "tokseg.providers.claude",
    "claude_code": "tokseg.sources.claude_code",
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


def load(name: str) -> Provider:
    """The provider module registered as `name`; KeyError when there is none."""
    return importlib.import_module(PROVIDERS[name])  # type: ignore[return-value]
