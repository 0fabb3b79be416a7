"""A safe template mini-language: fields, format specs and conditional blocks, nothing else.

    {name}            a field's value, e.g. {work.balance}, {claude.5h.pct}, {total.spent_today}
    {name:spec}       with a Python format spec, e.g. {claude.5h.pct:.0f}
    {?name}...{/}     the inside only when `name` has a value (blocks nest)
    {!name}...{/}     the inside only when `name` has no value
    {{ and }}         literal braces

Names are looked up in a flat dict (see `view.fields`), so a template can
never reach into Python objects: no attribute access, no indexing, no
calls. A name with no value renders as empty text; a format spec that does
not fit the value, or whose width or precision is above MAX_SPEC_NUMBER, is
not applied (the value shows unformatted). `render` never fails;
`problems()` reports what `tokseg format check` should complain about.

Rendering yields spans, (text, account) pairs, so each host renderer can
colour an account's fields by that account's state and escape the text
its own way. A field value may itself be a list of spans (`{all}`).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
# A segment is a line in a bar: a width or precision above this is a typo, and a huge one
# (`{x:>999999999}`) would cost every bar call seconds and gigabytes. Such a spec is not applied.
MAX_SPEC_NUMBER = 256
NUMBER = re.compile(r"\d+")
TOKEN = re.compile(
    r"\{\{|\}\}"
    rf"|\{{(?P<cond>[?!])(?P<cname>{NAME})\}}"
    r"|\{/\}"
    rf"|\{{(?P<name>{NAME})(?::(?P<spec>[^{{}}]*))?\}}"
    r"|[{}]"
)


def parse(template: str) -> tuple[list, list[str]]:
    """The template as a node tree plus a list of syntax problems (rendering tolerates them)."""
    root: list = []
    stack: list[tuple[list, str, int]] = []
    current = root
    problems: list[str] = []
    pos = 0
    for match in TOKEN.finditer(template):
        if match.start() > pos:
            current.append(("text", template[pos:match.start()]))
        pos = match.end()
        whole = match.group(0)
        column = match.start() + 1
        if whole in ("{{", "}}"):
            current.append(("text", whole[0]))
        elif whole in ("{", "}"):
            problems.append(f"lone {whole!r} at column {column}; write {whole * 2!r} for a literal brace")
            current.append(("text", whole))
        elif whole == "{/}":
            if not stack:
                problems.append(f"'{{/}}' at column {column} closes no block; open one with {{?name}}")
                continue
            parent, _, _ = stack.pop()
            current = parent
        elif match.group("cond"):
            block: list = []
            current.append(("if", match.group("cname"), match.group("cond") == "?", block))
            stack.append((current, match.group("cname"), column))
            current = block
        else:
            current.append(("field", match.group("name"), match.group("spec") or ""))
    if pos < len(template):
        current.append(("text", template[pos:]))
    for _, name, column in stack:
        problems.append(f"block {{?{name}}} at column {column} is never closed; end it with {{/}}")
    return root, problems


def _owner(name: str, accounts: frozenset) -> str | None:
    head = name.split(".", 1)[0]
    return head if head in accounts else None


def spans(template: str, values: dict[str, Any], accounts: frozenset = frozenset()) -> list[tuple[str, str | None]]:
    """Render to (text, account) spans; fields of an account carry its name so hosts can colour them."""
    out: list[tuple[str, str | None]] = []
    _emit(parse(template)[0], values, accounts, out)
    return out


def _emit(nodes: list, values: dict[str, Any], accounts: frozenset, out: list[tuple[str, str | None]]) -> None:
    for node in nodes:
        kind = node[0]
        if kind == "text":
            out.append((node[1], None))
        elif kind == "if":
            if _present(values.get(node[1])) == node[2]:
                _emit(node[3], values, accounts, out)
        else:
            value = values.get(node[1])
            if isinstance(value, list):
                out.extend(value)
            elif value is not None:
                out.append((_format(value, node[2]), _owner(node[1], accounts)))


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def spec_problem(spec: str) -> str | None:
    """Why a format spec is refused whatever the value (a width or precision above the cap), or None."""
    for digits in NUMBER.findall(spec):
        significant = digits.lstrip("0")  # compared as text first: int() refuses numbers of 4300+ digits
        if len(significant) > 3 or int(significant or "0") > MAX_SPEC_NUMBER:
            return f"width or precision {digits} is above {MAX_SPEC_NUMBER}"
    return None


def spec_problems(template: str) -> list[str]:
    """The template's refused format specs, each naming its field (no values needed: for `config check`)."""
    found = []
    for match in TOKEN.finditer(template):
        problem = spec_problem(match.group("spec") or "")
        if problem:
            found.append(f"{{{match.group('name')}:{match.group('spec')}}}: {problem}")
    return found


def _format(value: Any, spec: str) -> str:
    if spec_problem(spec):
        return str(value)
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return str(value)


def render(template: str, values: dict[str, Any]) -> str:
    """The template as plain text."""
    return "".join(text for text, _ in spans(template, values))


def names(template: str) -> list[str]:
    found = []
    for match in TOKEN.finditer(template):
        name = match.group("name") or match.group("cname")
        if name:
            found.append(name)
    return found


def problems(template: str, values: dict[str, Any]) -> list[str]:
    """Human-readable problems with `template` against the fields available now."""
    found = list(parse(template)[1]) + spec_problems(template)
    for match in TOKEN.finditer(template):
        name, spec = match.group("name") or match.group("cname"), match.group("spec")
        if not name:
            continue
        if name not in values:
            found.append(f"unknown field {{{name}}}")
        elif spec and not spec_problem(spec) and values[name] is not None and not isinstance(values[name], list):
            try:
                format(values[name], spec)
            except (ValueError, TypeError) as exc:
                found.append(f"bad format spec {spec!r} for {{{name}}}: {exc}")
    return found
