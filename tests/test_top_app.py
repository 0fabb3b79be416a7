"""`tokseg top` driven headless through Textual's pilot: every view and key, the refresh, NO_COLOR, 80×24."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.conftest import run_tokseg, write_config

pytest.importorskip("textual", reason="the `top` extra (pip install 'tokseg[top]')")

from textual.widgets import Input, Static

from tokseg import locations
from tokseg.top import frames
from tokseg.top.app import TopApp

ACCOUNTS = """\
[settings]
interval = 3600

[accounts.credits]
provider = "demo"
kind = "prepaid"

[accounts.claude]
provider = "demo"
kind = "subscription"

[accounts.agent]
provider = "demo"
kind = "agent"
label = "claude code"
"""
SIZE = (80, 24)


@pytest.fixture
def refreshed(config_file):
    write_config(config_file, ACCOUNTS)
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 0, done.stderr
    return config_file


def text(app: TopApp, widget: str = "#body") -> str:
    return str(app.query_one(widget, Static).render())


def drive(script) -> TopApp:
    """Run `script(app, pilot)` in a headless 80×24 app; returns the app once it has ended."""
    app = TopApp(frames.Choice())

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    return app


def test_views_and_keys(refreshed):
    async def script(app, pilot):
        assert "ACCOUNT" in text(app) and "▸ credits" in text(app)
        await pilot.press("down")
        assert "▸ claude" in text(app) and "pace" in text(app)  # the selected account's gauges
        await pilot.press("up")
        assert "▸ credits" in text(app)
        checks = [("2", "per account"), ("3", "claude-sonnet-4-5"), ("4", "STARTED"), ("5", "CACHE READS"),
                  ("1", "ACCOUNT")]
        for key, expected in checks:
            await pilot.press(key)
            assert expected in text(app), (key, text(app))
            assert f"[{key} " in text(app, "#head")  # the tab shows which view this is
        await pilot.press("2", "t")
        assert "last 30 days" in text(app, "#head")
        await pilot.press("t", "t")
        assert "last 7 days" in text(app, "#head")
        await pilot.press("3", "b")
        assert "PROJECT" in text(app) and "└ feature/cart" in text(app)
        await pilot.press("b")
        assert "PROVIDER" in text(app) and "claude code" in text(app)
        await pilot.press("b", "t")
        assert "MODEL" in text(app) and "week · by model" in text(app, "#head")
        await pilot.press("1", "slash")
        box = app.query_one("#filter", Input)
        assert box.has_focus and box.display
        await pilot.press(*"agent")
        assert "claude code" in text(app) and "credits" not in text(app) and "filter: agent" in text(app, "#head")
        await pilot.press("enter")
        assert not box.display and app.choice.filter == "agent"  # Enter keeps the filter
        await pilot.press("escape")
        assert app.choice.filter == "" and "credits" in text(app)  # Escape clears it
        await pilot.press("question_mark")
        assert "keys" in text(app) and "refresh now" in text(app)
        await pilot.press("escape")
        assert "ACCOUNT" in text(app)
        dark, colours = app.current_theme.dark, app._colours()
        await pilot.press("d")
        assert app.current_theme.dark is not dark and "ACCOUNT" in text(app)
        assert app._colours()["ok"] != colours["ok"]  # the state colours follow the theme's background
        await pilot.press("q")
        await pilot.pause()

    app = drive(script)
    assert app.return_code == 0 and not app.is_running


def test_r_starts_a_refresh_and_the_dashboard_redraws_from_the_snapshot(refreshed):
    """`r` returns at once; the refresher runs detached, and the one-second stat sees its snapshot."""
    before = os.stat(locations.snapshot_path()).st_mtime

    async def script(app, pilot):
        fetched = {item["name"]: item["fetched_at"] for item in app.board.view["accounts"]}
        started = time.monotonic()
        await pilot.press("r")
        assert time.monotonic() - started < 2.0  # the UI never waits for the network or the refresher
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await pilot.pause(0.3)
            now = {item["name"]: item["fetched_at"] for item in app.board.view["accounts"]}
            if all((now[name] or 0) > (fetched[name] or 0) for name in fetched):
                break
        else:
            pytest.fail(f"the dashboard never showed the new readings: {fetched} -> {now}")
        assert os.stat(locations.snapshot_path()).st_mtime > before
        first = app.refreshed_at
        await pilot.press("r")  # a second press right after starts no second refresh
        assert first >= started and app.refreshed_at == first

    drive(script)


def test_no_color_and_a_missing_snapshot(home, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def script(app, pilot):
        assert app.no_color and app.current_theme.dark
        assert "no snapshot yet" in text(app) and "r refresh" in text(app, "#keys")

    drive(script)


def test_a_light_theme_from_the_start(home):
    app = TopApp(frames.Choice(), light=True)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not app.current_theme.dark and "no snapshot yet" in text(app)

    asyncio.run(main())


def test_the_seeded_demo_refreshes_on_its_own_clock(tmp_path, monkeypatch):
    """In `--demo --seed N`, `r` runs one refresh on the demo clock in a worker thread, not on the real one."""
    from tokseg.cli.demo import SEED_ORIGIN
    from tokseg.top import demo_home

    monkeypatch.setenv("TOKSEG_HOME", str(tmp_path / "demo"))  # prepare() moves TOKSEG_HOME there; undone after
    monkeypatch.setattr(demo_home, "BACKFILL_DAYS", 2)
    demo_home.prepare(tmp_path / "demo", SEED_ORIGIN)
    app = TopApp(frames.Choice(), lambda: SEED_ORIGIN + 600, demo_clock=True)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "credits" in text(app) and "claude max" in text(app)
            await pilot.press("r")
            deadline = time.monotonic() + 30
            while fetched(app) != {SEED_ORIGIN + 600} and time.monotonic() < deadline:
                await pilot.pause(0.3)
            assert fetched(app) == {SEED_ORIGIN + 600}  # every figure read at the demo clock's moment

    def fetched(app: TopApp) -> set[float | None]:
        return {item["fetched_at"] for item in app.board.view["accounts"] if item["name"] != "dead"}

    asyncio.run(main())


def test_ages_move_on_without_reading_a_file(refreshed, monkeypatch):
    """Between snapshot changes the ticks only repaint: the ages grow, and neither snapshot nor history is read."""
    from tokseg.top import board as boards

    moment = [time.time()]
    app = TopApp(frames.Choice(), lambda: moment[0])

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert " 0s " in text(app) or " 1s " in text(app), text(app)

            def unread(*args):
                raise AssertionError("a repaint read a file")

            monkeypatch.setattr(boards, "daily_cost", unread)
            monkeypatch.setattr(boards.snapshot, "read", unread)
            moment[0] += 2 * 3600
            for _ in range(5):
                app._tick()
            await pilot.pause()
            assert " 2h " in text(app), text(app)

    asyncio.run(main())
