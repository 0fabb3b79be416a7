"""The price table, compactly: its version and the rates of the models priced so far (refresher only).

Loading genai-prices (with pydantic) costs ~100 ms, more than all the rest of
an idle refresh. What a refresh needs of it is small: the table's version
(an index redoes its stored costs when it changes) and, per vendor and model,
the row's per-token rates and where its long-context tiers start - exactly
what `pricing.Pricer` prices most requests with. Both are kept in one JSON
file in the cache folder, keyed by what they depend on: the installed
package's files (an upgrade replaces them) and the downloaded table chosen
(`price_table`). Another key starts the cache again. A request the cached
rates cannot settle (a model not seen yet, a tier crossed, a rate the row
lacks) goes to `pricing`, which loads the package; its model is then added.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

from tokseg import atomic, dirs, price_table

FILE = "rates.json"
RATES = 5  # per pricing.FIELDS: uncached input, cache read, 5-minute write, 1-hour write, output


class Rates:
    """One run's view of the cache; prices like `pricing.Prices` and loads it only when it must."""

    def __init__(self, key: list[Any], version: str, rows: dict[str, Any], changed: bool) -> None:
        self.key, self.version, self.rows, self.changed = key, version, rows, changed
        self._prices: Any = None

    def cost(self, vendor: str, model: str, uncached: int, cache_read: int, write_5m: int, write_1h: int,
             output: int) -> float | None:
        """USD for one request, or None when the vendor's table does not list the model."""
        name = f"{vendor} {model}"
        counts = (uncached, cache_read, write_5m, write_1h, output)
        row = self.rows.get(name, False)
        if row is None:
            return None
        if row is not False:
            rates, start = row[:RATES], row[RATES]
            fast = start is None or sum(counts[:4]) < start  # below every long-context tier
            if fast and all(r is not None or n == 0 for r, n in zip(rates, counts)):
                return sum(n * (r or 0.0) for n, r in zip(counts, rates) if n)  # pricing.Pricer.cost's own sum
        prices = self._full()
        if row is False:
            found = prices.pricer(vendor).row(model)
            self.rows[name] = None if found is None else [
                *found.rates, None if found.tier_start == float("inf") else found.tier_start]
            self.changed = True
        return prices.cost(vendor, model, *counts)

    def _full(self) -> Any:
        if self._prices is None:
            from tokseg.pricing import Prices

            self._prices = Prices()
        return self._prices

    def save(self) -> None:
        """Keep the models resolved in this run; a read-only cache only means the next run resolves them again."""
        if not self.changed:
            return
        try:
            atomic.replace_file(str(dirs.ensure_private(price_table.folder()) / FILE),
                                json.dumps({"key": self.key, "version": self.version, "rows": self.rows}).encode())
        except OSError:
            pass


def load() -> Rates:
    """The cache for the table this process uses (`price_table.prepare` chose it); a stale one starts again."""
    key = _key()
    try:
        found = json.loads((price_table.folder() / FILE).read_bytes())
        if found["key"] == key and isinstance(found["version"], str) and _valid(found["rows"]):
            return Rates(key, found["version"], found["rows"], changed=False)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return Rates(key, _version(), {}, changed=True)


def _version() -> str:
    """`pricing.version()`; for the bundled table that is the package's version, which its metadata says
    without loading the package (which a first scan then loads while its workers parse)."""
    if price_table.chosen() is None:
        import importlib.metadata

        try:
            return importlib.metadata.version("genai_prices")  # what genai_prices.__version__ is set from
        except importlib.metadata.PackageNotFoundError:
            pass
    from tokseg import pricing

    return pricing.version()


def _valid(rows: object) -> bool:
    """Rows as `save` writes them: None (not in the table) or RATES rates and a tier start, each a number or None."""
    def number(value: object) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))

    return isinstance(rows, dict) and all(
        row is None or (isinstance(row, list) and len(row) == RATES + 1 and all(map(number, row)))
        for row in rows.values())


def _key() -> list[Any]:
    """The package's location and its `__init__` file's stat, and the chosen download's path and stat."""
    spec = importlib.util.find_spec("genai_prices")
    origin = spec.origin if spec else None
    try:
        info = os.stat(origin) if origin else None
    except OSError:
        info = None
    choice = price_table.chosen()
    return [origin, [info.st_mtime_ns, info.st_size, info.st_ino] if info else None,
            [choice.path, *choice.stat] if choice else None]
