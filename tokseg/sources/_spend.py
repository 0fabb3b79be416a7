"""Shared by the log sources: index location, periods, the 5-hour block, and the Reading.

A source names its row sources (which files or databases, parsed how) and
the flags its rows may carry; this module syncs the account's index with
them, prices new rows by each row's own vendor (or, for a model the table
does not price, by the agent's own cost where it logs one), and sums the
de-duplicated rows into today / this month / the current 5-hour block
(local time), in total and per model.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from tokseg import dirs, price_cache
from tokseg.errors import BadResponse
from tokseg.reading import Headline, ModelUsage, Money, Reading, Tokens, heaviest_first
from tokseg.render.view import UNPRICED_NOTE
from tokseg.sources import _breakdown
from tokseg.sources._index import Index, Row, RowSource, ScanStats, Totals

BLOCK_S = 5 * 3600
# How far back the block search looks; a run of activity without a 5-hour gap for longer
# than this is cut here (an approximation: blocks are local guesses anyway, reference C3).
BLOCK_LOOKBACK_S = 24 * 3600
PARSER_VERSION = "3"
# No log writes a larger count; a field beyond it is corrupt, and SQLite's integers end at 2**63.
MAX_COUNT = 10**12
MAX_TEXT = 1024  # longer than any folder, session id or branch name a log holds


class Flag(NamedTuple):
    """A bit a source sets on some rows, and the note that counts this month's requests carrying it."""

    bit: int
    note: str  # with {n}, the count, and {noun}, `noun` in the plural unless n is 1
    noun: str

    def describe(self, n: int) -> str:
        return self.note.format(n=n, noun=_plural(n, self.noun))


def expand(path: str, env: Mapping[str, str]) -> str:
    """`~` from the given environment's HOME, so tests and odd setups decide it."""
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


def split_paths(text: str, env: Mapping[str, str]) -> list[str]:
    """A comma-separated list of folders, blanks dropped, duplicates (same real path) dropped."""
    seen, out = set(), []
    for raw in text.split(","):
        part = expand(raw.strip(), env)
        if part and os.path.realpath(part) not in seen:
            seen.add(os.path.realpath(part))
            out.append(part)
    return out


def count(value: object) -> int:
    """A token count as logs write it: an int from 0 to MAX_COUNT, else 0 ("not reported").

    A bool, a negative, a string or a corrupt huge number would otherwise crash the index or swamp the figures.
    """
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else 0


def text(value: object) -> str:
    """A name from a log (a folder, a session id, a branch): a string on one line, else "" ("not said").

    Cut at MAX_TEXT characters: a corrupt record must not fill the index. Made safe where printed.
    """
    if not isinstance(value, str) or "\n" in value or "\0" in value:
        return ""
    return value[:MAX_TEXT]


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


def summarise(index: Index, now: float, flags: Sequence[Flag] = (), errors: Sequence[str] = ()) -> Reading:
    """Today / month / block spend and tokens from the index's winning rows, in total and per model;
    per project, session and the efficiency figures for today and the month."""
    today, month = starts(now)
    block = current_block(index.times(min(month, now - BLOCK_LOOKBACK_S), now), now)
    periods = {"today": today, "month": month, "block": block}
    spent: dict[str, Money] = {}
    tokens: dict[str, Tokens] = {}
    models: list[ModelUsage] = []
    month_models: dict[str, Totals] = {}
    efficiency = []
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
        if period in _breakdown.PERIODS and (figures := _breakdown.efficiency(period, rows)):
            efficiency.append(figures)
    projects, sessions = _breakdown.breakdown(index, periods, now)
    notes = []
    if block is not None:
        notes.append(f"5h block {time.strftime('%H:%M', time.localtime(block))}–"
                     f"{time.strftime('%H:%M', time.localtime(block + BLOCK_S))}")
    notes.extend(_caveats(index, month_models, month, now, flags))
    notes.extend(f"could not read {error} (tried again next refresh)" for error in errors)
    return Reading(headline=Headline("spent", "today"), spent=spent, tokens=tokens, models=heaviest_first(models),
                   notes=tuple(notes), projects=projects, sessions=sessions, efficiency=tuple(efficiency))


def _tokens(rows: list[Totals]) -> Tokens:
    return Tokens(input=sum(t.uncached for t in rows), output=sum(t.output for t in rows),
                  cache_read=sum(t.cache_read for t in rows), cache_write=sum(t.write_5m + t.write_1h for t in rows))


def _per_model(period: str, by_model: dict[str, Totals]) -> list[ModelUsage]:
    """One entry per model; a model without a price has no spend (not $0): the notes count it.

    A model priced by one vendor and not by another (one log may mix them)
    has the spend of its priced requests; the notes name the others.
    """
    return [ModelUsage(name, period, spent=None if t.unpriced == t.requests else Money(t.cost), tokens=_tokens([t]))
            for name, t in by_model.items()]


def _caveats(index: Index, month: dict[str, Totals], since: float, now: float, flags: Sequence[Flag]) -> list[str]:
    """What the month's money figures leave out, said rather than hidden; each source words its own flags.

    Models without a price are named, as vendor/model when the month's requests come from several vendors.
    """
    notes = []
    unknown = index.unpriced(since, now) if any(t.unpriced for t in month.values()) else {}
    if unknown:
        count = sum(unknown.values())
        several = len(index.vendors(since, now)) > 1
        names = sorted({f"{vendor}/{model}" if several else model for vendor, model in unknown})
        notes.append(f"{count} {_plural(count, 'message')} from unknown models: {', '.join(names)} {UNPRICED_NOTE}")
    for flag in flags:
        flagged = index.flagged(since, now, flag.bit)
        if flagged:
            notes.append(flag.describe(flagged))
    return notes


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def run(account: str, source: str, readers: Sequence[RowSource], now: float,
        flags: Sequence[Flag] = ()) -> tuple[Reading, ScanStats]:
    """Sync the account's index with the readers' inputs and sum it; the stats say what was read.

    An input that could not be read keeps its last rows and gets a note; when
    none could be read, that is an error (the refresher keeps the last figures).
    The price table is loaded only when a new row needs more than its compact cache (`price_cache`):
    a refresh that finds nothing new never loads it.
    """
    rates = price_cache.load()

    def cost(row: Row) -> float | None:
        """The price table's figure; the agent's own cost only for a model the table does not price."""
        priced = rates.cost(row.vendor, row.model, row.uncached, row.cache_read, row.write_5m, row.write_1h,
                            row.output)
        return row.logged_cost if priced is None and row.logged_cost > 0 else priced

    index = index_for(source, account, rates.version)
    try:
        stats = index.sync(readers, cost)
        if stats.errors and len(stats.errors) == stats.files:
            raise BadResponse(f"could not read {'; '.join(stats.errors)} (tried again next refresh)")
        return summarise(index, now, flags, stats.errors), stats
    finally:
        index.close()
        rates.save()
