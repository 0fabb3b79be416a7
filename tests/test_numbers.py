"""The short texts a bar shows for figures (`tokseg/render/numbers.py`)."""

from __future__ import annotations

import time

import pytest

from tokseg.render import numbers

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (12.345, "USD", "$12.35"), (5.2, "CNY", "¥5.20"), (3.1, "CHF", "3.10 CHF"), (1234.5, "EUR", "€1,234"),
    (-2.5, "USD", "-$2.50"), (-0.001, "USD", "$0.00"), (0, "GBP", "£0.00"),
])
def test_money(amount, currency, text):
    assert numbers.money(amount, currency) == text


def test_totals_text_lists_each_currency_once_in_currency_order():
    assert numbers.totals_text({"USD": 15.54, "CNY": 48.0}) == "¥48.00 $15.54"
    assert numbers.totals_text({}) == ""


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (-5, "0s"), (30.9, "30s"), (45 * 60, "45m"), (3600, "1h"), (3600 + 12 * 60, "1h12m"),
    (3600 + 5 * 60, "1h05m"), (86400, "1d"), (3 * 86400 + 4 * 3600 + 59, "3d4h"),
])
def test_duration_shows_two_units_at_most(seconds, text):
    assert numbers.duration(seconds) == text


@pytest.mark.parametrize(("value", "text"), [(42.4, "42%"), (0, "0%"), (7.46, "7.5%"), (100, "100%")])
def test_percent(value, text):
    assert numbers.percent(value) == text


def test_gauge_rises_with_use():
    assert [numbers.gauge(p) for p in (-10, 0, 50, 100, 150)] == ["▁", "▁", "▅", "█", "█"]


def test_clock_says_more_the_further_ahead(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert numbers.clock(NOW + 3600, NOW) == time.strftime("%H:%M", time.gmtime(NOW + 3600))
        assert numbers.clock(NOW + 2 * 86400, NOW) == time.strftime("%a %H:%M", time.gmtime(NOW + 2 * 86400))
        assert numbers.clock(NOW + 20 * 86400, NOW) == time.strftime("%b %d", time.gmtime(NOW + 20 * 86400))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_window_text_names_the_reset_only_when_known():
    assert numbers.window_text({"name": "5h", "used_pct": 42.0, "resets_at": NOW + 4320}, NOW) == "5h 42% ↻1h12m"
    assert numbers.window_text({"name": "7d", "used_pct": 7.5, "resets_at": None}, NOW) == "7d 7.5%"


@pytest.mark.parametrize(("pace", "text"), [
    (12.0, "+12%"), (-8.0, "-8%"), (0.0, "0%"), (0.4, "0%"), (-0.4, "0%"), (0.6, "+1%"), (-30.0, "-30%"),
    (100.0, "+100%"),
])
def test_pace_text_is_signed_whole_points(pace, text):
    assert numbers.pace_text(pace) == text


def test_burn_text_per_unit():
    forecast = {"metric": "tokens.today", "unit": "tokens", "kind": "spend", "burn_per_hour": 5000.0, "span_h": 1.0,
                "runs_out_at": None, "resets_at": None}
    assert numbers.burn_text(forecast) == "5,000 tokens/h"
    assert numbers.burn_text({**forecast, "unit": "CNY", "burn_per_hour": 0.9}) == "¥0.90/h"
    assert numbers.forecast_text(None, NOW) == "" and numbers.forecast_text(forecast, NOW) == ""
