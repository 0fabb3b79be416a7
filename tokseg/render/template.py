"""A safe template mini-language: `{name}` and `{name:spec}`, nothing else.

Names are looked up in a flat dict (see `view.fields`), so a template can
never reach into Python objects: no attribute access, no indexing, no
calls. `{{` and `}}` are literal braces. A name with no value renders as
empty text; `problems()` reports unknown names and bad specs for
`tokseg format check`.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_][A-Za-z0-9_.\-]*)(?::([^{}]*))?\}|[{}]")


def render(template: str, values: dict[str, Any]) -> str:
    def substitute(match: re.Match) -> str:
        whole, name, spec = match.group(0), match.group(1), match.group(2)
        if whole in ("{{", "}}"):
            return whole[0]
        if name is None:
            return whole
        value = values.get(name)
        if value is None:
            return ""
        try:
            return format(value, spec or "")
        except (ValueError, TypeError):
            return str(value)

    return TOKEN.sub(substitute, template)


def names(template: str) -> list[str]:
    return [m.group(1) for m in TOKEN.finditer(template) if m.group(1)]


def problems(template: str, values: dict[str, Any]) -> list[str]:
    """Human-readable problems with `template` against the fields available now."""
    found = []
    for match in TOKEN.finditer(template):
        whole, name, spec = match.group(0), match.group(1), match.group(2)
        if whole in ("{", "}"):
            found.append(f"lone {whole!r} at column {match.start() + 1}; write {whole * 2!r} for a literal brace")
        elif name and name not in values:
            found.append(f"unknown field {{{name}}}")
        elif name and spec and values[name] is not None:
            try:
                format(values[name], spec)
            except (ValueError, TypeError) as exc:
                found.append(f"bad format spec {spec!r} for {{{name}}}: {exc}")
    return found
