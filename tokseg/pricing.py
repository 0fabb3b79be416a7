"""Token counts → USD with the `genai-prices` table (bundled, offline; refresher only).

genai-prices resolves a model name to its price row (fuzzy, ~0.2 ms) and
prices a request with Decimal arithmetic (~0.2 ms). A month of agent logs
holds tens of thousands of requests, so each model is resolved once and a
request whose total input is below every long-context tier is priced with
the row's own per-token rates in floats: the same linear sum the library
computes there (a test compares both). Anything else - a tier crossed, a
price the row lacks - goes to the library itself, so its rules (long
context switches every token to the tier rate; 1-hour cache writes have
their own rate) stay the library's. A Pricer reads one vendor's rows (the
table's provider id); `Prices` keeps one per vendor for logs that mix them.

The table is the package's bundled one unless the refresher chose a newer
one it downloaded (`tokseg/price_table.py`); `version()` names the table
in use, so stored costs are redone whenever it changes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass

import genai_prices
from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import ModelPrice, TieredPrices

from tokseg import price_table

VERSION = genai_prices.__version__  # the bundled table's version; stored costs are redone when the table changes
# The request's counts in the library's terms; input = uncached + cache writes + cache reads.
FIELDS = ("input_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok", "output_mtok")
_SUFFIX = re.compile(r"\[[^\]]*\]$")  # Claude Code may append e.g. "[1m]" to a model id

log = logging.getLogger("tokseg.refresh")


class _InUse:
    """The table this process prices with: the bundled one, or the chosen download, loaded at first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: price_table.Choice | None = None  # what `stamp` was loaded for
        self.stamp: str | None = None


_in_use = _InUse()


def version() -> str:
    """The table in use: VERSION for the bundled one, VERSION+digest for a downloaded one.

    A newly chosen table (`price_table.prepare`, each refresh) is loaded here; one that cannot be read or
    parsed is logged and the bundled table is used instead (`doctor` says why), so prices never come
    from half a file.
    """
    wanted = price_table.chosen()
    with _in_use.lock:
        if _in_use.stamp is None or _in_use.loaded != wanted:
            data_snapshot.set_custom_snapshot(None)
            _in_use.loaded, _in_use.stamp = wanted, _load(wanted.path) if wanted else VERSION
        return _in_use.stamp


def _load(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            payload = fh.read()
        snapshot = price_table.parse(payload)
    except Exception as exc:  # a damaged file in any way: the bundled table, never a crash or half a table
        log.warning("prices: %s unusable (%s); pricing with the bundled table", path, type(exc).__name__)
        return VERSION
    data_snapshot.set_custom_snapshot(snapshot)
    return f"{VERSION}+{hashlib.sha256(payload).hexdigest()[:12]}"


@dataclass(frozen=True)
class _Row:
    model_id: str
    price: ModelPrice
    rates: tuple[float | None, ...]  # USD per token, per FIELDS; None when the row has no such price
    tier_start: float  # smallest long-context threshold; inf when the row has none


class Pricer:
    """Prices requests of one provider's models; unknown models price as None."""

    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self._rows: dict[str, _Row | None] = {}

    def row(self, model: str) -> _Row | None:
        if model not in self._rows:
            self._rows[model] = self._resolve(model)
        return self._rows[model]

    def _resolve(self, model: str) -> _Row | None:
        version()  # a chosen table is loaded before the first lookup
        name = _SUFFIX.sub("", model)
        try:
            result = calc_price(Usage(input_tokens=1), name, provider_id=self.provider_id)
        except LookupError:
            return None
        price = result.model_price
        rates: list[float | None] = []
        starts: list[float] = []
        for field in FIELDS:
            value = getattr(price, field, None)
            if isinstance(value, TieredPrices):
                starts.extend(tier.start for tier in value.tiers)
                value = value.base
            rates.append(float(value) / 1e6 if value is not None else None)
        return _Row(result.model.id, price, tuple(rates), min(starts, default=float("inf")))

    def cost(self, model: str, uncached: int, cache_read: int, write_5m: int, write_1h: int,
             output: int) -> float | None:
        """USD for one request, or None when the model is not in the table."""
        row = self.row(model)
        if row is None:
            return None
        total_input = uncached + cache_read + write_5m + write_1h
        counts = (uncached, cache_read, write_5m, write_1h, output)
        if total_input < row.tier_start and all(r is not None or n == 0 for r, n in zip(row.rates, counts)):
            return sum(n * (r or 0.0) for n, r in zip(counts, row.rates) if n)  # a rate is known wherever n > 0
        usage = Usage(input_tokens=total_input, cache_read_tokens=cache_read, cache_write_tokens=write_5m + write_1h,
                      output_tokens=output)
        if write_1h:  # the split is given only when known; without it all writes are priced as 5-minute ones
            usage = Usage(input_tokens=total_input, cache_read_tokens=cache_read,
                          cache_write_tokens=write_5m + write_1h, cache_write_5m_tokens=write_5m,
                          cache_write_1h_tokens=write_1h, output_tokens=output)
        return float(row.price.calc_price(usage)["total_price"])


class Prices:
    """One Pricer per vendor, made when a request of that vendor is first priced: one log may mix vendors."""

    def __init__(self) -> None:
        self._pricers: dict[str, Pricer] = {}

    def pricer(self, vendor: str) -> Pricer:
        found = self._pricers.get(vendor)
        if found is None:
            found = self._pricers[vendor] = Pricer(vendor)
        return found

    def cost(self, vendor: str, model: str, uncached: int, cache_read: int, write_5m: int, write_1h: int,
             output: int) -> float | None:
        """USD for one request by `vendor`'s price table, or None when it does not list the model."""
        return self.pricer(vendor).cost(model, uncached, cache_read, write_5m, write_1h, output)
