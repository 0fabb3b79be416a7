"""Output formats: `--format NAME` → its renderer module, imported only when asked for (hot path).

Every host in the host table (`hosts.py`) with a `renderer` is a format.

The renderer contract: `tokseg/render/NAME.py` defines
- `render(view, template, max_width) -> str`, the text the host reads, with
  no trailing newline. `view` is `view.build()`'s dict; `template` picks
  what appears (None: the snapshot's default); `max_width` cuts the visible
  text, markup not counted, ending in `…`. It never raises on odd data.
- `exit_status(view) -> int`, only if the host reads the exit code
  (i3blocks: 33 is urgent); without it the segment exits 0.
- `failure(text, message, now) -> str`, only if the host parses the output
  (JSON): the error mark `text` in that shape, `message` saying why, for
  when the segment could not be built; without it the mark is printed as is.
It builds on `plain.spans()`, the segment as (text, state) pairs with
control characters removed and already cut to width, and escapes all data
for the host's markup, so data never becomes markup (tmux doubles `#`, zsh
`%`, polybar breaks up `%{`, waybar escapes Pango's `& < >`, xmobar sends
`<` as `<raw=1:</>`); a module whose host needs no escaping says why in its
docstring. A host that colours text paints through the shared painter,
`plain.painted(view, template, max_width, TABLE, paint, escape)`: each
span with a state becomes `paint(text, colour)` in the host's syntax, the
colour converted by a `palette.py` helper (`sgr`, `to_hex`, `tmux_name`,
`zsh_name`) from `palette.color(settings, TABLE, state)`:
`[settings.colors.TABLE]`, else `[settings.colors]`, else the built-in. A
host that colours a whole block (i3bar) asks `palette.color` for the
overall `state(view)`. TABLE is the entry's `colors` in the host table;
`tests/test_hosts.py` renders every format to check that it paints from
exactly that table and that the config accepts colour tables for exactly
those. Imports: light stdlib only.

A new host follows the checklist "A new host" in CONTRIBUTING.md.
"""

from __future__ import annotations

import importlib

from tokseg.render.hosts import HOSTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import View

FORMATS: dict[str, str] = {name: host["renderer"] for name, host in HOSTS.items() if host["renderer"]}


def render(view: View, fmt: str, template: str | None = None, max_width: int | None = None) -> str:
    """The text `fmt` prints for `view`; `template` overrides the snapshot's default. The template's first
    mistake is put in the view first (`template_error`), so the overall state and `--json` know it."""
    from tokseg.render import plain

    view["template_error"] = plain.template_error(view, template)
    module = importlib.import_module(FORMATS[fmt])
    return module.render(view, template, max_width)


def failure(fmt: str, text: str, message: str, now: float) -> str:
    """What `fmt` prints when the segment could not be built: `text` (the error mark), or the host's own
    JSON shape around it for a format whose host parses JSON (the module's `failure`)."""
    module = importlib.import_module(FORMATS[fmt])
    return module.failure(text, message, now) if hasattr(module, "failure") else text


def exit_status(view: View, fmt: str) -> int:
    """0, or what the host reads from the exit code (i3blocks: 33 means urgent)."""
    module = importlib.import_module(FORMATS[fmt])
    return module.exit_status(view) if hasattr(module, "exit_status") else 0


def state(view: View) -> str:
    """The whole segment's state: missing, error, crit, warn, stale, pending or ok (worst account wins;
    a config or template mistake is an error, as its `!cfg` or `!tpl` mark is)."""
    from tokseg.render.view import worst

    if view["missing"]:
        return "missing"
    if view.get("config_error") or view.get("template_error"):
        return "error"
    return worst([item["state"] for item in view["accounts"]])


def clip(text: str, max_width: int | None) -> str:
    """Cut to `max_width` characters, ending in an ellipsis when cut."""
    if max_width is None or len(text) <= max_width:
        return text
    return text[: max(0, max_width - 1)] + "…"
