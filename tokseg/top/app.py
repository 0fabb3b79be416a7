"""The live dashboard: a Textual app that paints the frames of `frames` and redraws when the snapshot changes.

The only module that imports Textual. It reads, never fetches: `r` starts a
refresh in the background (or, in the seeded demo, one refresh on the demo
clock in a worker thread) and the one-second stat of the snapshot sees the
result. Colours come from the theme (`d` switches light and dark); Textual
turns them off when NO_COLOR is set.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tokseg import locations, safe_text, spawn
from tokseg.top import board as boards
from tokseg.top import frames

WATCH_S = 1.0  # one stat of the snapshot a second: the file changes at most every few seconds
REPAINT_TICKS = 5  # the ages on screen move on: repaint every few ticks from what was read (no file is read)
REFRESH_GUARD_S = 5.0  # `r` pressed again within this starts no second refresh
REFRESH_ARGV = ("-m", "tokseg", "refresh", "--quiet")  # every account now, quietly; the detached one fetches due ones


class TopApp(App[None]):
    """`tokseg top`."""

    TITLE = "tokseg top"
    CSS = """
    #head { height: 2; }
    #body { height: 1fr; }
    #keys { height: 1; }
    #filter { display: none; height: 3; }
    #filter.shown { display: block; }
    """
    BINDINGS = [
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),  # as in every other terminal program
        Binding("r", "refresh", "refresh"),
        *(Binding(str(i), f"show('{name}')", name, show=False) for i, name in enumerate(frames.VIEWS, 1)),
        Binding("t", "period", "period"),
        Binding("b", "by", "breakdown by"),
        Binding("slash", "filter", "filter"),
        Binding("question_mark", "help", "help"),
        Binding("d", "theme", "light or dark"),
        Binding("up", "select(-1)", "previous account", show=False),
        Binding("down", "select(1)", "next account", show=False),
        Binding("escape", "close", "close", show=False),
    ]

    def __init__(self, choice: frames.Choice, clock: Callable[[], float] = time.time, demo_clock: bool = False,
                 light: bool = False) -> None:
        super().__init__()
        self.theme = "textual-light" if light else "textual-dark"
        self.choice, self.clock, self.demo_clock = choice, clock, demo_clock
        self.board = boards.load(clock())
        self.help_shown = False
        self.stamp = self._stamp()
        self.ticks = 0
        self.refreshed_at = -REFRESH_GUARD_S

    def compose(self) -> ComposeResult:
        yield Static(id="head")
        with VerticalScroll():
            yield Static(id="body")
        yield Input(placeholder="filter: part of an account, model or project name; Enter keeps it", id="filter")
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.set_interval(WATCH_S, self._tick)
        self.paint()

    def on_resize(self) -> None:
        self.paint()

    def _stamp(self) -> tuple[float, int] | None:
        try:
            st = os.stat(locations.snapshot_path())
        except OSError:
            return None
        return st.st_mtime, st.st_size

    def _tick(self) -> None:
        self.ticks += 1
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            self.reload()
        elif self.ticks % REPAINT_TICKS == 0:
            boards.restamp(self.board, self.clock())
            self.paint()

    def reload(self) -> None:
        """Read everything again; if that fails the last good board stays on screen, with the reason."""
        try:
            self.board = boards.load(self.clock())
        except Exception as exc:  # whatever broke in a file, the dashboard must not end in a traceback
            self.notify(safe_text.line(f"could not read the figures: {exc}"), severity="error", markup=False)
        self.paint()

    def paint(self) -> None:
        width, height = max(40, self.size.width), max(10, self.size.height)
        colours = self._colours()
        head = frames.header(self.board, self.choice, width)
        body = frames.help_lines(width) if self.help_shown else frames.body(self.board, self.choice, width, height - 3)
        self.query_one("#head", Static).update(_text(head, colours))
        self.query_one("#body", Static).update(_text(body, colours))
        self.query_one("#keys", Static).update(_text([(frames.KEYS, "dim")], colours))

    def _colours(self) -> dict[str, str]:
        """State colours from the theme's text colours, which it makes legible on its own background."""
        css = self.get_css_variables()
        ok, warn, error = (css.get(f"text-{name}", fallback) for name, fallback in
                           (("success", "green"), ("warning", "yellow"), ("error", "red")))
        return {"ok": ok, "warn": warn, "crit": f"bold {error}", "error": error, "stale": "dim", "pending": "dim",
                "dim": "dim", "head": "bold", "sel": "reverse"}

    def action_show(self, name: str) -> None:
        self.choice.view, self.help_shown = name, False
        self.paint()

    def action_period(self) -> None:
        self.choice.period = (self.choice.period + 1) % len(frames.PERIODS)
        self.paint()

    def action_by(self) -> None:
        self.choice.by = frames.BY[(frames.BY.index(self.choice.by) + 1) % len(frames.BY)]
        self.choice.view = "breakdown"
        self.paint()

    def action_select(self, step: int) -> None:
        count = len(frames.shown(self.board, self.choice))
        if count:
            self.choice.selected = (self.choice.selected + step) % count
        self.paint()

    def action_help(self) -> None:
        self.help_shown = not self.help_shown
        self.paint()

    def action_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"
        self.paint()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = self.choice.filter
        box.add_class("shown")
        box.focus()

    def action_close(self) -> None:
        """Escape: closes the help if it is open, else clears the filter (and closes its box)."""
        box = self.query_one("#filter", Input)
        if self.help_shown:
            self.help_shown = False
        else:
            self.choice.filter = box.value = ""
            self._close_filter()
        self.paint()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.choice.filter, self.choice.selected = event.value, 0
        self.paint()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._close_filter()

    def _close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("shown")
        self.set_focus(None)

    def action_refresh(self) -> None:
        """Start a refresh and return: the figures arrive through the snapshot, never through this call."""
        now = time.monotonic()
        if now - self.refreshed_at < REFRESH_GUARD_S:
            self.notify("a refresh was started a moment ago")
            return
        self.refreshed_at = now
        if self.demo_clock:
            from tokseg.top import demo_home

            self.run_worker(lambda: demo_home.run_refresher(self.clock()), thread=True)
        else:
            spawn.spawn_detached([sys.executable, *REFRESH_ARGV])
        self.notify("refreshing in the background")


def _text(lines: list[frames.Line], colours: dict[str, str]) -> Text:
    """Rich text built from plain strings (never markup, so a label like `[b]` stays literal)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (line, style) in enumerate(lines):
        out.append(line, style=colours.get(style, ""))
        if i < len(lines) - 1:
            out.append("\n")
    return out
