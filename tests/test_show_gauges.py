"""`tokseg show`: gauges for windows, limits and budgets, and the forecast the README promises."""

from __future__ import annotations

import re

from tests.conftest import run_tokseg, steady_demo_start, write_config
from tokseg import refresh
from tokseg.cli.show import gauge

HOUR = 3600.0


def test_gauge_fills_by_percent_and_caps():
    assert gauge(42.0).endswith(" 42%") and gauge(42.0).count("█") == 4
    assert gauge(0.0).count("█") == 0 and gauge(250.0).count("█") == 10 and gauge(250.0).endswith(" 250%")


def test_show_prints_gauges_forecast_and_budget(config_file, home):
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.sub]\nprovider = "demo"\n'
                              'kind = "subscription"\n[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n'
                              '[budgets.api]\ndaily = 50\n')
    start = steady_demo_start(2 * HOUR)
    for i in range(5):
        refresh.run(force=True, clock=lambda i=i: start + i * 1800)
    out = run_tokseg("show", env={"PYTHONIOENCODING": "utf-8"}).stdout
    window = next(line for line in out.splitlines() if "window 5h" in line)
    assert "▕" in window and "▏ 5h " in window, window
    budget = next(line for line in out.splitlines() if "budget daily" in line)
    assert "▕" in budget and " of 50.00 USD" in budget, budget
    forecast = next(line for line in out.splitlines() if line.strip().startswith("forecast"))
    assert "runs out in" in forecast and "burn $" in forecast, forecast


def test_show_falls_back_to_ascii_gauges(config_file, home):
    write_config(config_file, '[accounts.sub]\nprovider = "demo"\nkind = "subscription"\n')
    run_tokseg("refresh", "--quiet")
    out = run_tokseg("show", env={"PYTHONIOENCODING": "ascii:backslashreplace", "LC_ALL": "C"}).stdout
    window = next(line for line in out.splitlines() if "window 5h" in line)
    assert re.search(r"\[[#-]{10}\] ", window) and "\\u2595" not in window, window
