"""Price tables in genai-prices' published JSON format, built from its bundled data (constructed values).

The package publishes its table as a JSON list of providers and builds its
bundled module from the same data; `raw` turns the bundled dataclasses back
into that JSON, and `table` checks that the package's own parser reads it
back to exactly the bundled table before adding anything.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from decimal import Decimal
from typing import Any

from genai_prices import types
from genai_prices.data import providers

# A model the bundled table does not know, priced per million tokens as Anthropic lists its models.
NEW_MODEL = "claude-nova-5"
NEW_PRICES = {"input_mtok": "2", "cache_read_mtok": "0.2", "cache_write_mtok": "2.5", "output_mtok": "10"}


def raw(value: Any) -> Any:
    """A bundled value in the JSON form the package parses (`or_`/`and_` fields are `or`/`and` there)."""
    if isinstance(value, types.ModelPrice):
        return {k: raw(v) for k, v in vars(value).items() if not k.startswith("_") and v is not None}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): raw(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_") and getattr(value, f.name) is not None}
    if isinstance(value, list):
        return [raw(v) for v in value]
    if isinstance(value, dict):
        return {k: raw(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def table(extra_model: bool = True) -> bytes:
    """The bundled table as published JSON, with NEW_MODEL added to Anthropic's models."""
    data = raw(providers)
    assert types._providers_from_raw(json.loads(json.dumps(data))) == providers  # the JSON is faithful
    if extra_model:
        anthropic = next(p for p in data if p["id"] == "anthropic")
        anthropic["models"].append({"id": NEW_MODEL, "name": "Claude Nova 5", "match": {"equals": NEW_MODEL},
                                    "prices": dict(NEW_PRICES)})
    return json.dumps(data).encode()


def new_model_cost(uncached: int, write: int, read: int, output: int) -> float:
    """USD for one NEW_MODEL request at NEW_PRICES, worked out here, not by the package."""
    rates = {k: float(v) / 1e6 for k, v in NEW_PRICES.items()}
    return (uncached * rates["input_mtok"] + write * rates["cache_write_mtok"] + read * rates["cache_read_mtok"]
            + output * rates["output_mtok"])
