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
not applied (the value shows unformatted). `render` never fails.
`rendered()` returns the spans together with the template's mistakes (what
the parser found malformed and the specs that could not be applied), so the
segment can say the template is wrong; `mistakes()` is that list alone, for
`tokseg doctor`. `problems()` adds unknown field names for `tokseg format
check`: a field may be missing only until its account is refreshed, so the
bar does not count it as a mistake.

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
    return rendered(template, values, accounts)[0]


def rendered(template: str, values: dict[str, Any],
             accounts: frozenset = frozenset()) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The spans and the template's mistakes, from one parse: the segment shows what it can and says so."""
    nodes, found = parse(template)
    out: list[tuple[str, str | None]] = []
    _emit(nodes, values, accounts, out)
    return out, found + _spec_failures(nodes, values)


def mistakes(template: str, values: dict[str, Any]) -> list[str]:
    """What is wrong with `template` itself, whatever accounts come and go: malformed syntax and specs
    that cannot be applied to the fields' values now (unknown names are left to `problems`)."""
    nodes, found = parse(template)
    return found + _spec_failures(nodes, values)


def _spec_failures(nodes: list, values: dict[str, Any]) -> list[str]:
    """Each field's spec that is above the cap or does not fit its value, in blocks shown or not."""
    found: list[str] = []
    for node in nodes:
        if node[0] == "if":
            found.extend(_spec_failures(node[3], values))
        elif node[0] == "field" and node[2]:
            problem = _spec_failure(node[1], node[2], values.get(node[1]))
            if problem:
                found.append(problem)
    return found


def _spec_failure(name: str, spec: str, value: Any) -> str | None:
    capped = spec_problem(spec)
    if capped:
        return f"{{{name}:{spec}}}: {capped}"
    if value is None or isinstance(value, list):
        return None
    try:
        format(value, spec)
    except (ValueError, TypeError) as exc:
        return f"bad format spec {spec!r} for {{{name}}}: {exc}"
    return None


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
    """Human-readable problems with `template` against the fields available now: its mistakes and
    every field name there is no such field for."""
    found = mistakes(template, values)
    for name in dict.fromkeys(names(template)):
        if name not in values:
            found.append(f"unknown field {{{name}}}")
    return found
