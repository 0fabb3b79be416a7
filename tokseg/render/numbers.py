"""Figures → the short text a bar shows: money, durations, percentages, pace, clock times, burn and forecast.

Hot path, stdlib only. Pure functions of their arguments (and the local
time zone, for clock times), shared by the view, the renderers and the
CLI tables so a figure reads the same everywhere.
"""

from __future__ import annotations

import time

from tokseg.render.palette import GAUGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import ForecastDict, WindowDict

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "INR": "₹"}


def money(amount: float, currency: str) -> str:
    """$12.34, ¥5.20, 3.10 CHF; large sums lose their cents."""
    digits = 0 if abs(amount) >= 1000 else 2
    sign = CURRENCY_SIGNS.get(currency)
    number = f"{abs(amount):,.{digits}f}"
    minus = "-" if amount < 0 and number.strip("0.,") else ""
    return f"{minus}{sign}{number}" if sign else f"{minus}{number} {currency}"


def totals_text(sums: dict[str, float]) -> str:
    """Sums per currency, one after the other in currency order: ¥48.00 $15.54."""
    return " ".join(money(amount, currency) for currency, amount in sorted(sums.items()))


def duration(seconds: float) -> str:
    """1h12m, 3d4h, 45m, 30s: two units at most."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def percent(value: float) -> str:
    """42%, 0%, 7.5%: a decimal only below 10."""
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


def pace_text(pace: float) -> str:
    """+12% (reserve: less used than an even pace to the reset), -8% (deficit), 0% (on pace): whole points."""
    text = f"{pace:+.0f}"
    return "0%" if text in ("+0", "-0") else f"{text}%"


def gauge(pct: float) -> str:
    """One block character whose height shows how full a window is."""
    steps = len(GAUGE) - 1
    return GAUGE[min(steps, max(0, round(pct / 100 * steps)))]


def clock(ts: float, now: float) -> str:
    """Local 16:40 within a day, Tue 16:40 within a week, else Dec 02."""
    ahead = ts - now
    fmt = "%H:%M" if ahead < 86400 else ("%a %H:%M" if ahead < 6 * 86400 else "%b %d")
    return time.strftime(fmt, time.localtime(ts))


def window_text(window: WindowDict, now: float) -> str:
    """5h 42% ↻1h12m: name, used, and the time to its reset when known."""
    text = f"{window['name']} {percent(window['used_pct'])}"
    resets_at = window.get("resets_at")
    if resets_at:
        text += f" ↻{duration(resets_at - now)}"
    return text


def burn_text(forecast: ForecastDict) -> str:
    """$0.90/h, 12%/h, 5,000 tokens/h."""
    rate, unit = forecast["burn_per_hour"], forecast["unit"]
    if unit == "%":
        return f"{percent(rate)}/h"
    if unit == "tokens":
        return f"{rate:,.0f} tokens/h"
    return f"{money(rate, unit)}/h"


def forecast_text(forecast: ForecastDict | None, now: float) -> str:
    """"runs out in 3d4h", "5h full at 16:40", "budget at 18:20", or "" when nothing runs out."""
    at = forecast.get("runs_out_at") if forecast else None
    if forecast is None or at is None:
        return ""
    kind = forecast.get("kind")
    if kind == "window":
        return f"{forecast['metric'].split('.', 1)[-1]} full at {clock(at, now)}"
    if kind == "spend":
        return f"budget at {clock(at, now)}"
    return f"runs out in {duration(at - now)}"
