"""The price table's compact cache prices exactly as the table does, and starts again when it cannot be trusted."""

from __future__ import annotations

import json

import pytest

from tokseg import price_cache, price_table, pricing

# (vendor, model, uncached, cache_read, write_5m, write_1h, output): the usual request, 1-hour writes, nothing
# but output, a request past Sonnet's 200k long-context tier (the library's own rule), an unknown model,
# a model with a "[1m]" suffix, and another vendor.
REQUESTS = [
    ("anthropic", "claude-sonnet-4-5-20250929", 6, 87250, 244, 0, 12),
    ("anthropic", "claude-opus-4-7", 3, 150_000, 2000, 1800, 900),
    ("anthropic", "claude-haiku-4-5", 0, 0, 0, 0, 40),
    ("anthropic", "claude-sonnet-4-5-20250929", 10, 230_000, 0, 0, 100),
    ("anthropic", "claude-unknown-9", 6, 100, 0, 0, 12),
    ("anthropic", "claude-sonnet-4-5-20250929[1m]", 6, 100, 50, 0, 12),
    ("openai", "gpt-5", 1000, 5000, 0, 0, 300),
]


def costs(rates: price_cache.Rates) -> list[float | None]:
    return [rates.cost(*request) for request in REQUESTS]


def test_cached_rates_price_every_request_as_the_table_does(home):
    expected = [pricing.Prices().cost(*request) for request in REQUESTS]
    assert expected[4] is None and all(c is not None for i, c in enumerate(expected) if i != 4)
    first = price_cache.load()
    assert first.version == pricing.version() and costs(first) == expected
    first.save()
    second = price_cache.load()
    assert not second.changed and set(second.rows) == {f"{r[0]} {r[1]}" for r in REQUESTS}
    assert second.rows["anthropic claude-unknown-9"] is None
    assert costs(second) == expected  # floats compared exactly
    assert second._prices is not None  # the long-context request still went to the library
    third = price_cache.load()
    assert [third.cost(*r) for r in REQUESTS[:3]] == expected[:3] and third._prices is None


def test_a_cold_cache_names_the_bundled_table_without_loading_it(home):
    assert price_cache._version() == pricing.VERSION == pricing.version()


@pytest.mark.parametrize("damage", [
    "not json", json.dumps({"key": None}), json.dumps({"key": [], "version": "x", "rows": {}}),
    "{rows}", "rows-wrong-length", "rows-text"])
def test_a_damaged_or_stale_cache_starts_again(home, damage):
    rates = price_cache.load()
    rates.cost(*REQUESTS[0])
    rates.save()
    path = price_table.folder() / price_cache.FILE
    stored = json.loads(path.read_text())
    if damage == "{rows}":
        stored["rows"] = []
    elif damage == "rows-wrong-length":
        stored["rows"]["anthropic claude-sonnet-4-5-20250929"] = [1.0]
    elif damage == "rows-text":
        stored["rows"]["anthropic claude-sonnet-4-5-20250929"] = ["1e-6", 0, 0, 0, 0, None]
    path.write_text(json.dumps(stored) if damage.startswith(("{rows}", "rows-")) else damage)
    again = price_cache.load()
    assert again.changed and again.rows == {}
    assert again.cost(*REQUESTS[0]) == pricing.Prices().cost(*REQUESTS[0])


def test_another_chosen_table_starts_again(home, monkeypatch):
    rates = price_cache.load()
    rates.cost(*REQUESTS[0])
    rates.save()
    assert not price_cache.load().changed
    monkeypatch.setattr(price_table, "_chosen", [price_table.Choice("/elsewhere/table.json", (1, 2, 3))])
    assert price_cache._key() != rates.key
    again = price_cache.load()
    assert again.changed and again.rows == {}
