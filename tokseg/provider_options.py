"""Provider options from raw values: one set of rules for the config file and `tokseg add --option`.

Each value is checked against its field of the provider's `Options`: the
type of the field's default, the provider's CHOICES, and for `base_url` the
rule that a key never travels over plain http except to loopback. Config
values arrive typed (TOML); command-line values arrive as text and are first
converted by the field's type. A problem names the key; the caller says where
it was written (a config line, `--option`, `--base-url`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from tokseg.errors import ConfigError
from tokseg.providers._base import choices

TYPE_WORDS = {int: "a number", float: "a number", str: "a string", bool: "true or false", list: "a list"}


class OptionError(ConfigError):
    """One option's value is refused; `unknown` when the provider has no such option."""

    def __init__(self, key: str, problem: str, unknown: bool = False) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem, self.unknown = key, problem, unknown


def names(module: Any) -> list[str]:
    """The provider's option names, in their dataclass order."""
    return [f.name for f in dataclasses.fields(module.Options)]


def documented(module: Any) -> dict[str, str]:
    """name -> its line of the module docstring's `Options:` section (continuations joined), for help texts;
    an option the docstring does not describe is listed with no text."""
    found = dict.fromkeys(names(module), "")
    doc = module.__doc__ or ""
    lines = doc.split("Options:", 1)[1].splitlines()[1:] if "Options:" in doc else []
    current = None
    for line in lines:
        if line.strip() and not line.startswith(" "):
            break
        entry = re.match(r"^ {4}(\w+): (.*)$", line)
        if entry:
            current = entry.group(1)
            found[current] = entry.group(2)
        elif current and line.startswith(" " * 8):
            found[current] += " " + line.strip()
    return found


def convert(module: Any, raw: Mapping[str, Any], *, text: bool = False) -> dict[str, Any]:
    """The checked values of `raw` (TOML values, or strings when `text`), ready for `module.Options(**...)`."""
    defaults = {f.name: f.default for f in dataclasses.fields(module.Options)}
    out = {}
    for key, value in raw.items():
        if key not in defaults:
            raise OptionError(key, f"not an option of provider {module.NAME!r}", unknown=True)
        default = defaults[key]
        typed = _from_text(key, value, default) if text else _typed(key, value, default)
        allowed = choices(module).get(key)
        if allowed and typed not in allowed:
            raise OptionError(key, f"{typed!r} is not one of: {', '.join(map(str, allowed))}")
        out[key] = _checked_url(typed) if key == "base_url" else typed
    return out


def must_be(value: Any, types: tuple[type, ...]) -> str | None:
    """None when `value` is one of `types` (a bool counts only as a bool), else what it must be."""
    if isinstance(value, types) and (bool in types or not isinstance(value, bool)):
        return None
    wanted = " or ".join(dict.fromkeys(TYPE_WORDS.get(t, t.__name__) for t in types))
    return f"must be {wanted}, not {json.dumps(value, default=str)}"


def _typed(key: str, value: Any, default: Any) -> Any:
    """A TOML value checked against the default's type; an integer for a float option becomes a float."""
    if default is None or default is dataclasses.MISSING:
        return value
    problem = must_be(value, (int, float) if isinstance(default, float) else (type(default),))
    if problem:
        raise OptionError(key, problem)
    return float(value) if isinstance(default, float) else value


def _from_text(key: str, text: str, default: Any) -> Any:
    """A command-line string converted to the default's type."""
    kind = type(default)
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if isinstance(default, (int, float)):
            number = float(text)
            if not math.isfinite(number) or (kind is int and not number.is_integer()):
                raise ValueError(text)
            return int(number) if kind is int else number
    except ValueError:
        raise OptionError(key, f"must be {kind.__name__}") from None
    return text


def _checked_url(url: Any) -> str:
    from tokseg.net import check_base_url  # requests is imported only when a URL is given

    try:
        return check_base_url(url, "base_url")
    except ConfigError as exc:
        raise OptionError("base_url", str(exc).split(": ", 1)[1]) from None
