"""Claude (status line): the windows and session cost Claude Code last pushed to `tokseg statusline`.

Options:
    path: the stored file; empty means claude-statusline.json in tokseg's cache folder (default "")
    max_age: seconds after which the figures are flagged as old in the notes (default 3600.0)
Reports:
    windows 5h and 7d (and "7d-opus" / "7d-sonnet" when sent) with used %, reset time and length;
    spent.session = the session's cost as Claude Code estimates it at list price (not a bill on Pro/Max);
    context_pct = the context window's fill as Claude Code reports it (`used_percentage`), when sent;
    notes: model, context window fill, age of the figures, windows that have reset since
Needs:
    `tokseg statusline` as Claude Code's statusLine command (see docs/agents.md); no key
Errors:
    BadResponse when no figures were stored yet or the file is unreadable
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from tokseg import locations, statusline
from tokseg.errors import BadResponse
from tokseg.providers._base import Ctx, Run, Source
from tokseg.providers._subscription import CLAUDE_WINDOW_S
from tokseg.reading import Headline, Money, Reading, Window
from tokseg.render.numbers import duration

NAME, TITLE = "claude_statusline", "Claude (status line)"
SECRET = None


@dataclass(frozen=True)
class Options:
    path: str = ""
    max_age: float = 3600.0


def fetch(ctx: Ctx[Options]) -> Reading:
    opts = ctx.options
    path = os.path.expanduser(opts.path) if opts.path else os.path.join(locations.cache_dir(), statusline.STORE_FILE)
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise BadResponse(f"{path} does not exist yet: set `tokseg statusline` as Claude Code's statusLine "
                          "command (see docs/agents.md) and let Claude Code render once") from None
    except (OSError, ValueError) as exc:
        raise BadResponse(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != statusline.SCHEMA:
        raise BadResponse(f"{path} is not a tokseg status line file (schema {statusline.SCHEMA})")
    return _reading(data, ctx.now(), opts.max_age)


def _reading(data: dict, now: float, max_age: float) -> Reading:
    windows, notes = [], []
    for name, raw in (data.get("windows") or {}).items():
        if not isinstance(raw, dict) or not isinstance(raw.get("used_pct"), (int, float)):
            continue
        resets_at = raw.get("resets_at") if isinstance(raw.get("resets_at"), (int, float)) else None
        if resets_at is not None and resets_at <= now:
            # The window rolled over since Claude Code last spoke: its old percentage no longer holds.
            windows.append(Window(name, 0.0, None, CLAUDE_WINDOW_S.get(name)))
            notes.append(f"{name} window has reset since the last Claude Code update")
        else:
            windows.append(Window(name, float(raw["used_pct"]), resets_at, CLAUDE_WINDOW_S.get(name)))
    spent = {}
    if isinstance(data.get("cost_usd"), (int, float)):
        spent["session"] = Money(float(data["cost_usd"]))
    if data.get("model"):
        notes.insert(0, f"model {data['model']}")
    if isinstance(data.get("context_pct"), (int, float)):
        notes.append(f"context {data['context_pct']:.0f}% full")
    updated = data.get("updated_at")
    if isinstance(updated, (int, float)) and now - updated > max_age:
        notes.append(f"figures are {duration(now - updated)} old (Claude Code has not rendered since)")
    names = {w.name for w in windows}
    if "5h" in names:
        headline = Headline("window", "5h")
    elif windows:
        headline = Headline("window", windows[0].name)
    elif spent:
        headline = Headline("spent", "session")
    else:
        headline = Headline("none")
    context, context_pct = data.get("context_pct"), None
    if isinstance(context, (int, float)) and not isinstance(context, bool) and 0 <= context <= 100:
        context_pct = float(context)
    return Reading(headline=headline, spent=spent, windows=tuple(windows), notes=tuple(notes), context_pct=context_pct)


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """The store `tokseg statusline` writes, once it has run as Claude Code's status line."""
    pushed = statusline.store_path()
    if not os.path.isfile(pushed):
        return []
    return [Source("Claude Code status line figures (windows, session cost)", pushed, NAME, "claude-statusline",
                   places=("path",))]
