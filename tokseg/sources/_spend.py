"""Shared by the log sources: index location, periods, the 5-hour block, and the Reading.

A source lists its files and parses lines; this module syncs its index,
prices new rows, and sums the de-duplicated rows into today / this month /
the current 5-hour block (local time), in total and per model.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Mapping

from tokseg import dirs
from tokseg.reading import Headline, ModelUsage, Money, Reading, Tokens, heaviest_first
from tokseg.sources._tail import Index, Parser, Row, ScanStats, Totals

if TYPE_CHECKING:
    from tokseg.pricing import Pricer

BLOCK_S = 5 * 3600
# How far back the block search looks; a run of activity without a 5-hour gap for longer
# than this is cut here (an approximation: blocks are local guesses anyway, reference C3).
BLOCK_LOOKBACK_S = 24 * 3600
FLAG_FAST, FLAG_GUESSED_MODEL = 1, 2  # kept per row so the notes can count them
PARSER_VERSION = "2"
FALLBACK_MODEL = "gpt-5"  # Codex logs from before `turn_context` existed (reference B2)


def expand(path: str, env: Mapping[str, str]) -> str:
    """`~` from the given environment's HOME, so tests and odd setups decide it."""
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


def split_paths(text: str, env: Mapping[str, str]) -> list[str]:
    """A comma-separated list of folders, blanks dropped, duplicates (same real path) dropped."""
    seen, out = set(), []
    for part in text.split(","):
        part = expand(part.strip(), env)
        if part and os.path.realpath(part) not in seen:
            seen.add(os.path.realpath(part))
            out.append(part)
    return out


def epoch(stamp: object) -> float | None:
    """ISO-8601 UTC text ('…Z' or with an offset) → epoch seconds; None when unusable."""
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def index_for(source: str, account: str, pricing_version: str) -> Index:
    """Each account has its own index: two accounts may read different folders."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account)
    path = dirs.ensure_private(dirs.state_dir()) / "logs" / f"{source}-{safe}.sqlite3"
    dirs.ensure_private(path.parent)
    return Index(path, f"{PARSER_VERSION}/{pricing_version}")


def sync(index: Index, files: Iterable[str], parse: Parser, pricer: Pricer) -> ScanStats:
    def cost(row: Row) -> float | None:
        return pricer.cost(row.model, row.uncached, row.cache_read, row.write_5m, row.write_1h, row.output)

    return index.sync(files, parse, cost)


def starts(now: float) -> tuple[float, float]:
    """Local midnight today and local midnight on the 1st of this month."""
    local = time.localtime(now)
    today = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))
    month = time.mktime((local.tm_year, local.tm_mon, 1, 0, 0, 0, 0, 0, -1))
    return today, month


def current_block(times: list[float], now: float) -> float | None:
    """Start of the active 5-hour block, or None (reference C3).

    A block opens at its first entry floored to the hour and closes 5 hours
    later, or earlier when 5 hours pass without an entry; it is active while
    both its end and last entry + 5 hours are in the future.
    """
    start = previous = None
    for ts in times:
        if start is None or ts - start > BLOCK_S or ts - previous > BLOCK_S:  # type: ignore[operator]
            start = ts - ts % 3600
        previous = ts
    if start is None or previous is None or now - previous >= BLOCK_S or now >= start + BLOCK_S:
        return None
    return start


def summarise(index: Index, now: float, label: str) -> Reading:
    """Today / month / block spend and tokens from the index's winning rows, in total and per model."""
    today, month = starts(now)
    block = current_block(index.times(min(month, now - BLOCK_LOOKBACK_S), now), now)
    periods = {"today": today, "month": month, "block": block}
    spent: dict[str, Money] = {}
    tokens: dict[str, Tokens] = {}
    models: list[ModelUsage] = []
    month_models: dict[str, Totals] = {}
    for period, since in periods.items():
        if since is None:
            continue
        by_model = index.totals(since, now)
        if period == "month":
            month_models = by_model
        rows = list(by_model.values())
        spent[period] = Money(sum(t.cost for t in rows))
        tokens[period] = _tokens(rows)
        models.extend(_per_model(period, by_model))
    notes = []
    if block is not None:
        notes.append(f"5h block {time.strftime('%H:%M', time.localtime(block))}–"
                     f"{time.strftime('%H:%M', time.localtime(block + BLOCK_S))}")
    notes.extend(_caveats(index, month_models, month, now, label))
    return Reading(headline=Headline("spent", "today"), spent=spent, tokens=tokens, models=heaviest_first(models),
                   notes=tuple(notes))


def _tokens(rows: list[Totals]) -> Tokens:
    return Tokens(input=sum(t.uncached for t in rows), output=sum(t.output for t in rows),
                  cache_read=sum(t.cache_read for t in rows), cache_write=sum(t.write_5m + t.write_1h for t in rows))


def _per_model(period: str, by_model: dict[str, Totals]) -> list[ModelUsage]:
    """One entry per model; a model without a price has no spend (not $0): the notes count it."""
    return [ModelUsage(name, period, spent=None if t.unpriced else Money(t.cost), tokens=_tokens([t]))
            for name, t in by_model.items()]


def _caveats(index: Index, month: dict[str, Totals], since: float, now: float, label: str) -> list[str]:
    """What the month's money figures leave out, said rather than hidden."""
    notes = []
    unknown = {name: t.unpriced for name, t in month.items() if t.unpriced}
    if unknown:
        count = sum(unknown.values())
        notes.append(f"{count} {_plural(count, 'message')} from unknown models: {', '.join(sorted(unknown))} "
                     "(not priced)")
    fast = index.flagged(since, now, FLAG_FAST)
    if fast:
        notes.append(f"{fast} fast-mode {_plural(fast, 'message')} priced at standard rates")
    guessed = index.flagged(since, now, FLAG_GUESSED_MODEL)
    if guessed:
        notes.append(f"{guessed} {label} {_plural(guessed, 'event')} without a model priced as {FALLBACK_MODEL}")
    return notes


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def run(account: str, source: str, files: list[str], parse: Parser, provider_id: str, now: float,
        label: str) -> tuple[Reading, ScanStats]:
    """Sync the account's index with `files` and sum it; the stats say what was read.

    The price table is imported here, not at module level: loading a config
    imports every provider module it names, and that should stay quick.
    """
    from tokseg.pricing import VERSION, Pricer

    pricer = Pricer(provider_id)
    index = index_for(source, account, VERSION)
    try:
        stats = sync(index, files, parse, pricer)
        return summarise(index, now, label), stats
    finally:
        index.close()
