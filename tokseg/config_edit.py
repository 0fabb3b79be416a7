"""Edit the config file as text, so the user's comments, order and formatting survive.

`tokseg add/remove/rename` change one `[accounts.NAME]` table and nothing
else. Each edit is checked by parsing the result and comparing it with the
data it should produce; an edit that would change anything more (an account
written as an inline table, a header hidden in a multi-line string) is
refused with a pointer to `tokseg config edit`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from tokseg import atomic, dirs
from tokseg._toml import tomllib
from tokseg.errors import ConfigError

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_value(key)


def toml_value(value: Any) -> str:
    """A TOML literal for a string, number, bool or list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written to TOML")
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes, except that
        # TOML has no \/ (json.dumps never writes it) and needs \u for DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(f"{type(value).__name__} values cannot be written to the config")


def render_account(name: str, values: dict[str, Any]) -> str:
    lines = [f"[accounts.{toml_key(name)}]"]
    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def append_account(text: str, name: str, values: dict[str, Any], path: Path) -> str:
    """`text` with a new `[accounts.NAME]` table at the end."""
    before = _parse(text, path)
    if name in before.get("accounts", {}):
        raise ConfigError(f"{path}: an account named {name!r} already exists; choose another --name")
    body = text if not text or text.endswith("\n") else text + "\n"
    gap = "\n" if body.strip() and not body.endswith("\n\n") else ""
    new = f"{body}{gap}{render_account(name, values)}"
    expected = {**before, "accounts": {**before.get("accounts", {}), name: values}}
    _check(new, expected, path)
    return new


def remove_account(text: str, name: str, path: Path) -> str:
    """`text` without the `[accounts.NAME]` table and the comment block right above it."""
    before = _parse(text, path)
    if name not in before.get("accounts", {}):
        raise ConfigError(f"{path}: no account named {name!r}; see `tokseg list`")
    lines = text.splitlines(keepends=True)
    start, end = _table_span(lines, name, path)
    start, end = _own_start(lines, start), _own_end(lines, start, end)
    new = "".join(lines[:start] + lines[end:])
    new = new.rstrip("\n") + "\n" if new.strip() else ""
    expected = {**before, "accounts": {k: v for k, v in before["accounts"].items() if k != name}}
    _check(new, expected, path)
    return new


def rename_account(text: str, old: str, new_name: str, path: Path) -> str:
    """`text` with the header `[accounts.OLD]` renamed; the table body and any header comment stay."""
    before = _parse(text, path)
    accounts = before.get("accounts", {})
    if old not in accounts:
        raise ConfigError(f"{path}: no account named {old!r}; see `tokseg list`")
    if new_name in accounts:
        raise ConfigError(f"{path}: an account named {new_name!r} already exists; remove it first or pick another name")
    lines = text.splitlines(keepends=True)
    start, _ = _table_span(lines, old, path)
    comment = _HEADER.match(lines[start]).group(2)  # type: ignore[union-attr]
    ending = "\n" if lines[start].endswith("\n") else ""
    lines[start] = f"[accounts.{toml_key(new_name)}]" + (f"  {comment}" if comment else "") + ending
    result = "".join(lines)
    expected = {**before, "accounts": {(new_name if k == old else k): v for k, v in accounts.items()}}
    _check(result, expected, path)
    return result


def draft_path(target: Path) -> Path:
    """Where `config edit` keeps the text being edited, next to the config so a user finds it."""
    return target.with_name(target.name + ".draft")


def write(path: Path, text: str) -> None:
    """Replace the config atomically, keeping its mode (0600 for a new one) and any symlink to it."""
    target = path.resolve() if path.is_symlink() else path
    if not target.parent.exists():
        dirs.ensure_private(target.parent)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    atomic.replace_file(str(target), text.encode(), mode)


def _table_span(lines: list[str], name: str, path: Path) -> tuple[int, int]:
    """Line range [start, end) of `[accounts.NAME]` and its sub-tables, up to the next other table."""
    start = end = None
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if not header:
            continue
        parts = _split_dotted(header.group(1))
        ours = parts[:2] == ["accounts", name]
        if start is None and ours and len(parts) == 2:
            start = number
        elif start is not None and not ours:
            end = number
            break
    if start is None:
        raise ConfigError(
            f"{path}: account {name!r} is not written as an [accounts.{name}] table, so it cannot be edited "
            "automatically; change it with `tokseg config edit`"
        )
    return start, len(lines) if end is None else end


def _own_start(lines: list[str], start: int) -> int:
    """Where the table really starts: a comment block right above its header, set apart above, is its own."""
    top = start
    while top > 0 and lines[top - 1].lstrip().startswith("#"):
        top -= 1
    if top < start and (top == 0 or not lines[top - 1].strip()):
        return top
    return start


def _own_end(lines: list[str], start: int, end: int) -> int:
    """Where the table really ends: a comment block set apart by a blank line belongs to what follows."""
    top = end
    while top > start + 1 and lines[top - 1].lstrip().startswith("#"):
        top -= 1
    if top < end and top > start + 1 and not lines[top - 1].strip():
        return top
    return end


def _split_dotted(key: str) -> list[str]:
    """Split a TOML dotted key into parts, honouring quoted parts."""
    return [p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', key)]


def _parse(text: str, path: Path) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it with `tokseg config edit` first") from exc


def _check(text: str, expected: dict, path: Path) -> None:
    try:
        ok = _without_empty_accounts(tomllib.loads(text)) == _without_empty_accounts(expected)
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise ConfigError(f"{path}: the file's layout is too unusual to edit automatically; "
                          "make the change with `tokseg config edit`")


def _without_empty_accounts(data: dict) -> dict:
    """Removing the last account may leave an empty [accounts] table or none: both mean the same."""
    return {k: v for k, v in data.items() if not (k == "accounts" and v == {})}
