"""The docs' tables against the code: every provider, option, default and template field, both ways."""

from __future__ import annotations

import dataclasses
import re
import time

from tests.conftest import ROOT
from tests.providers.test_contract import toml_literal
from tokseg import providers
from tokseg.reading import Headline, Money, Reading, Tokens, Window
from tokseg.render import view

README = (ROOT / "README.md").read_text(encoding="utf-8")
PROVIDERS_DOC = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
AGENT_DOCS = "\n".join((ROOT / "docs" / name).read_text(encoding="utf-8")
                       for name in ("subscriptions.md", "agents.md"))
BACKTICKED = re.compile(r"`([^`]+)`")


def section(text: str, heading: str) -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1:]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, re.M)]
    return rest[: ends[0]] if ends else rest


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in `text`, header and rule rows left out."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:] if rows else rows


def first_column_names(text: str) -> list[str]:
    return [name for row in table_rows(text) for name in BACKTICKED.findall(row[0])]


def says_default(text: str, default: object) -> bool:
    """Whether an options cell like `(true: ask for the balance)` names `default` as the default."""
    if default == "":
        return text.startswith(("empty", "required")) or '""' in text
    literal = str(default).lower() if isinstance(default, bool) else str(default)
    return re.match(rf"`?{re.escape(literal)}`?\b", text) is not None or toml_literal(default) in text


def options_of(name: str) -> dict[str, object]:
    return {f.name: f.default for f in dataclasses.fields(providers.load(name).Options)}


def test_readme_provider_table_lists_every_provider_once() -> None:
    listed = first_column_names(section(README, "## Providers"))
    assert sorted(listed) == sorted(providers.BUILTIN), "README ## Providers table vs the registry"


def test_provider_doc_table_has_every_key_provider_with_its_options_and_defaults() -> None:
    overview = PROVIDERS_DOC.split("\n## ", 1)[0]  # the table before the per-provider notes
    rows = {BACKTICKED.findall(row[0])[0]: row for row in table_rows(overview)}
    keyed = {name for name in providers.BUILTIN if providers.load(name).SECRET is not None}
    assert set(rows) == keyed | {"demo"}, "docs/providers.md table vs the providers that take a key"
    for name, row in rows.items():
        documented = dict(re.findall(r"`(\w+)` \(([^)]*)\)", row[-1]))
        assert list(documented) == list(options_of(name)), f"{name}: options column vs Options"
        for option, default in options_of(name).items():
            assert says_default(documented[option], default), (
                f"{name}.{option}: docs say ({documented[option]}), the default is {default!r}")


def test_every_keyless_provider_and_its_options_are_in_the_agent_docs() -> None:
    for name in sorted(set(providers.BUILTIN) - {"demo"}):
        if providers.load(name).SECRET is not None:
            continue
        assert f"provider `{name}`" in AGENT_DOCS or f'provider = "{name}"' in AGENT_DOCS, name
        for option in options_of(name):
            assert re.search(rf"\b{option}\b", AGENT_DOCS), f"{name}.{option} is documented nowhere"


# Placeholders the README writes for the parts of a field name that vary.
NAME, WINDOW, PERIODS = "acct", "5h", ("today", "week", "month", "block", "session")


def produced_fields() -> set[str]:
    """Every field name `view.fields` gives for an account that reports every kind of figure."""
    now = time.time()
    reading = Reading(headline=Headline("balance"), balance=(Money(12.5),), limit=Money(50.0),
                      limit_remaining=Money(20.0), spent={p: Money(1.0) for p in PERIODS},
                      tokens={p: Tokens(input=10, output=5) for p in PERIODS},
                      windows=(Window(WINDOW, 42.0, now + 3600),), context_pct=63.0).to_dict()
    forecast = {"metric": "balance", "kind": "balance", "unit": "USD", "burn_per_hour": 0.5,
                "runs_out_at": now + 86400}
    entry = {"provider": "demo", "label": NAME, "interval": 300, "status": "ok", "reading": reading,
             "fetched_at": now, "next_due": now + 300, "error": None, "forecast": forecast,
             "budget_state": "ok", "budget": [], "trend": "▁▂"}
    snap = {"schema": 1, "settings": {}, "config": {"accounts": [NAME]}, "accounts": {NAME: entry},
            "budget": {"state": "ok"}}
    names = set(view.fields(view.build(snap, now)))  # type: ignore[arg-type]
    patterns = set()
    for field_name in names:
        parts = field_name.split(".")
        if parts[0] == NAME:
            parts[0] = "NAME"
        if parts[1:2] == [WINDOW]:
            parts[1] = "WINDOW"
        if parts[1:2] in (["spent"], ["tokens"]) and len(parts) > 2 and parts[2] in PERIODS:
            parts[2] = "PERIOD"
        patterns.add(".".join(parts))
    return patterns


def documented_fields() -> set[str]:
    return {name.strip("{}").split(":")[0] for name in first_column_names(section(README, "### Templates"))
            if name.startswith("{")}


def test_readme_template_table_documents_exactly_the_fields_the_view_produces() -> None:
    produced, documented = produced_fields(), documented_fields()
    assert not produced - documented, f"produced but not in the README template table: {sorted(produced - documented)}"
    assert not documented - produced, f"in the README template table but never produced: {sorted(documented - produced)}"


def test_contributing_places_every_top_level_module_on_a_side() -> None:
    text = section((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), "## Where code lives")
    named = {name.rstrip("/") for row in table_rows(text) for name in BACKTICKED.findall(row[1])}
    modules = {p.stem for p in (ROOT / "tokseg").glob("*.py") if not p.stem.startswith("_")}
    folders = {p.name for p in (ROOT / "tokseg").iterdir() if (p / "__init__.py").exists()}
    assert not (modules | folders) - named, sorted((modules | folders) - named)
