"""The provider registry: name → module, sorted, imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokseg.providers._base import Provider

PROVIDERS: dict[str, str] = {
    "claude": "tokseg.providers.claude",
    "codex": "tokseg.providers.codex",
    "copilot": "tokseg.providers.copilot",
    "deepseek": "tokseg.providers.deepseek",
    "demo": "tokseg.providers.demo",
    "openrouter": "tokseg.providers.openrouter",
}


def load(name: str) -> Provider:
    """The provider module registered as `name`; KeyError when there is none."""
    return importlib.import_module(PROVIDERS[name])  # type: ignore[return-value]
