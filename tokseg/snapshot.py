"""The snapshot's read side (hot path): schema version, file name, lock-free read, per-account checks.

Writers (`store.py`) replace the file atomically, so a plain read never sees
a torn file. Anything unreadable, truncated, empty, of another schema or
without an accounts table reads as None ("missing"): the caller shows a
placeholder and a refresh rebuilds it.

Inside a readable snapshot every value is checked against the shapes in
`tokseg/schema.py` (`SHAPES` below mirrors them): a value of the wrong type,
a number that is a string, a bool, NaN or infinite, is dropped and the rest
kept; an account entry that is not a table becomes an empty, pending one.
`load` says whether anything was dropped, so the hot path starts a refresh
(and the refresher, which reads through here too, rewrites the entry whole)
instead of showing a broken snapshot for good.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import AccountEntry, Snapshot

SCHEMA = 1
MAX_TIME = 1e11  # seconds since 1970; beyond it `time.localtime` fails on some platforms
_BAD = object()  # what `_clean` returns for a value of the wrong shape

# A shape is "str", "num" (finite int or float, never bool), "time" (an epoch second a clock can show:
# 0 up to the year 5138), "flag" (bool or int), "dict" (any table),
# ("opt", SHAPE) (null allowed), ("list", SHAPE) / ("map", SHAPE) (bad items dropped),
# ("in", VALUES), or a record {KEY: SHAPE} (every key optional, bad ones dropped) with
# ("rec", REQUIRED, OPTIONAL) when some keys must be there.
MONEY: tuple = ("rec", {"amount": "num", "currency": "str"}, {})
TOKENS = ("rec", {"total": "num"}, {"input": "num", "output": "num", "cache_read": "num", "cache_write": "num"})
WINDOW = ("rec", {"name": "str", "used_pct": "num"}, {"resets_at": ("opt", "time"), "length_s": ("opt", "num")})
RATE_LIMIT = ("rec", {"name": "str", "limit": "num", "remaining": "num"}, {"resets_at": ("opt", "time")})
MODEL_USAGE = ("rec", {"model": "str", "period": "str"}, {"spent": ("opt", MONEY), "tokens": ("opt", TOKENS)})
READING = {"headline": {"kind": "str", "key": "str"}, "balance": ("list", MONEY), "limit": ("opt", MONEY),
           "limit_remaining": ("opt", MONEY), "spent": ("map", MONEY), "tokens": ("map", TOKENS),
           "windows": ("list", WINDOW), "rate_limits": ("list", RATE_LIMIT), "models": ("list", MODEL_USAGE),
           "notes": ("list", "str"),
           "context_pct": "num"}
BUDGET_STATE = ("in", ("ok", "warn", "crit"))
BUDGET_CHECK = ("rec", {"rule": "str", "used": "num", "unit": "str", "state": BUDGET_STATE},
                {"limit": ("opt", "num"), "pct": ("opt", "num")})
FORECAST = ("rec", {"metric": "str", "unit": "str", "kind": "str", "burn_per_hour": "num"},
            {"span_h": "num", "runs_out_at": ("opt", "time"), "resets_at": ("opt", "time")})
ERROR = ("rec", {"kind": "str", "message": "str"}, {"at": ("opt", "time")})
ENTRY = {"provider": "str", "label": "str", "interval": "num", "enabled": "flag", "fingerprint": "str",
         "reading": ("opt", READING), "fetched_at": ("opt", "time"), "failures": "num",
         "status": ("in", ("pending", "ok", "error", "parked")), "next_due": ("opt", "time"),
         "last_attempt": "time", "error": ("opt", ERROR), "park_key": ("opt", "str"), "forecast": ("opt", FORECAST),
         "budget": ("list", BUDGET_CHECK), "budget_state": BUDGET_STATE, "trend": "str"}
THRESHOLDS = {"warn_below": "num", "crit_below": "num", "warn_pct": "num", "crit_pct": "num"}
SETTINGS = {"template": "str", "separator": "str", "stale_factor": "num", "spawn_cooldown": "num",
            "thresholds": ("map", THRESHOLDS), "palette": ("map", "dict"), "push": ("map", "flag")}
CONFIG = {"path": "str", "mtime": ("opt", "time"), "error": ("opt", "str"), "accounts": ("list", "str")}
TOTAL_BUDGET: tuple = ("rec", {"state": BUDGET_STATE, "currency": "str", "checks": ("list", BUDGET_CHECK)}, {})
# What a pending entry holds before its first fetch (`refresh._merge` writes the same).
PENDING: dict[str, object] = {"reading": None, "fetched_at": None, "failures": 0, "status": "pending",
                              "next_due": None}


def read(path: str) -> Snapshot | None:
    """The snapshot at `path` with malformed parts dropped, or None when it is missing or unusable."""
    return load(path)[0]


def load(path: str) -> tuple[Snapshot | None, bool]:
    """`read`, and whether anything had to be dropped (the snapshot then wants a refresh)."""
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None, False
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("accounts"), dict):
        return None, False
    return _checked(data)


def _checked(data: dict) -> tuple[Snapshot, bool]:
    fixed = False
    for key, shape in (("settings", SETTINGS), ("config", CONFIG)):
        value = _clean(data.get(key) or {}, shape)
        fixed = fixed or value is _BAD or value != data.get(key, {})
        data[key] = {} if value is _BAD else value
    if _clean(data.get("written_at"), "time") is _BAD:
        data["written_at"] = None
    if "budget" in data and _clean(data["budget"], TOTAL_BUDGET) is _BAD:
        del data["budget"]
        fixed = True
    accounts = data["accounts"]
    for name in list(accounts):
        entry, entry_fixed = _entry(accounts[name])
        accounts[name] = entry
        fixed = fixed or entry_fixed
    snap: Snapshot = data  # type: ignore[assignment]  # checked above against SHAPES
    return snap, fixed


def _entry(raw: object) -> tuple[AccountEntry, bool]:
    """The account entry with bad values dropped; a repaired entry is due at once."""
    value = _clean(raw, ENTRY)
    clean: dict = value if isinstance(value, dict) else {}
    fixed = clean != raw
    for key, default in PENDING.items():
        clean.setdefault(key, default)
    if fixed:
        clean["next_due"] = None
    entry: AccountEntry = clean  # type: ignore[assignment]  # checked against ENTRY
    return entry, fixed


def _is_num(value: object) -> bool:
    """A finite int or float (JSON's NaN and Infinity, and bools, are not figures)."""
    return type(value) in (int, float) and value - value == 0  # type: ignore[operator]


def _clean(value: object, shape: object) -> object:
    """`value` if it has `shape`, with bad optional parts dropped; `_BAD` when it cannot be kept."""
    if type(shape) is str:
        return value if _scalar(value, shape) else _BAD
    if type(shape) is dict:
        return _record(value, {}, shape)
    kind, inner = shape[0], shape[1]  # type: ignore[index]
    if kind == "opt":
        return None if value is None else _clean(value, inner)
    if kind == "in":
        return value if type(value) is str and value in inner else _BAD
    if kind == "rec":
        return _record(value, inner, shape[2])  # type: ignore[index]
    if kind == "list":
        if type(value) is not list:
            return _BAD
        items = [_clean(item, inner) for item in value]
        return [item for item in items if item is not _BAD]
    if type(value) is not dict:  # "map"
        return _BAD
    pairs = [(key, _clean(item, inner)) for key, item in value.items()]
    return {key: item for key, item in pairs if item is not _BAD}


def _scalar(value: object, shape: str) -> bool:
    if shape == "str":
        return type(value) is str
    if shape == "num":
        return _is_num(value)
    if shape == "time":
        return _is_num(value) and 0 <= value < MAX_TIME  # type: ignore[operator]
    if shape == "flag":
        return type(value) in (bool, int)
    return type(value) is dict  # "dict"


def _record(value: object, required: dict, optional: dict) -> object:
    if type(value) is not dict:
        return _BAD
    out = dict(value)
    for key, shape in required.items():
        if key not in out:
            return _BAD
        item = _clean(out[key], shape)
        if item is _BAD:
            return _BAD
        out[key] = item
    for key, shape in optional.items():
        if key in out:
            item = _clean(out[key], shape)
            if item is _BAD:
                del out[key]
            else:
                out[key] = item
    return out


def empty() -> Snapshot:
    """A snapshot with no accounts yet: what a writer starts from."""
    return {"schema": SCHEMA, "written_at": None, "settings": {}, "config": {}, "accounts": {}}
