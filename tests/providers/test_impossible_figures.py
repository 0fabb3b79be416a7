"""Negative and impossible figures: refused where a provider's reading is accepted, never shown.

A negative spend, token count, limit or used %, a NaN or an absurd figure is a broken answer
(BadResponse naming the figure, so the last good reading stays); a negative balance is money owed.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.conftest import run_tokseg, write_config
from tests.providers.conftest import MONTH, SPECS, fetch, figures
from tokseg.errors import BadResponse
from tokseg.reading import MAX_FIGURE, Headline, ModelUsage, Money, RateLimit, Reading, Tokens, Window
from tokseg.render import view

COSTS = "/openai/v1/organization/costs"


def _costs(value: float) -> dict:
    """An OpenAI-shaped cost page: one bucket this month holding one result of `value` dollars."""
    result = {"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"}}
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": MONTH, "end_time": MONTH + 86400, "results": [result]}]}


def test_negative_openai_spend_is_a_bad_response_naming_the_figure(fake, session):
    fake.route("GET", COSTS, _costs(-42.0))
    with pytest.raises(BadResponse, match=r"spent\.month = -42 \(cannot be negative\)"):
        figures(fetch(fake, session, "openai"))


def test_a_refund_inside_a_positive_month_is_still_accepted(fake, session):
    page = _costs(5.0)
    page["data"][0]["results"].append({"object": "organization.costs.result",
                                       "amount": {"value": -1.5, "currency": "usd"}})
    fake.route("GET", COSTS, page)
    assert figures(fetch(fake, session, "openai"))["spent"]["month"] == {"amount": 3.5, "currency": "USD"}


def test_absurd_openai_spend_is_a_bad_response(fake, session):
    fake.route("GET", COSTS, _costs(5e13))
    with pytest.raises(BadResponse, match=r"spent\.month = 5e\+13 \(not finite or over 1e\+12\)"):
        figures(fetch(fake, session, "openai"))


def test_negative_openrouter_limit_is_a_bad_response(fake, session):
    body = {"data": {"label": "k", "limit": -10, "limit_remaining": 5, "usage": 1, "usage_daily": 0,
                     "usage_weekly": 0, "usage_monthly": 1}}
    fake.route("GET", "/openrouter/api/v1/key", body)
    with pytest.raises(BadResponse, match=r"limit = -10"):
        figures(fetch(fake, session, "openrouter"))


def test_deepinfra_money_owed_is_accepted_and_said_plainly(fake, session):
    fake.route("GET", "/deepinfra/payment/checklist", {"stripe_balance": 3, "recent": 0, "suspended": False})
    reading = figures(fetch(fake, session, "deepinfra"))
    assert reading["balance"] == [{"amount": -3.0, "currency": "USD"}]
    assert view.balances_text(reading["balance"]) == "-$3.00 owed"


@pytest.mark.parametrize(("parts", "named"), [
    (dict(spent={"today": Money(-0.01)}), r"spent\.today = -0\.01"),
    (dict(spent={"month": Money(math.nan)}), r"spent\.month = nan \(not finite"),
    (dict(balance=(Money(math.inf),)), r"balance\[0\] = inf"),
    (dict(balance=(Money(-2e12),)), r"balance\[0\] = -2e\+12"),
    (dict(limit_remaining=Money(-1.0)), r"limit_remaining = -1"),
    (dict(tokens={"month": Tokens(input=-5)}), r"tokens\.month\.input = -5"),
    (dict(tokens={"today": Tokens(output=10**13)}), r"tokens\.today\.output = 1e\+13"),
    (dict(windows=(Window("5h", -3.0),)), r"window 5h used_pct = -3"),
    (dict(windows=(Window("7d", math.nan),)), r"window 7d used_pct = nan"),
    (dict(windows=(Window("5h", 10.0, resets_at=math.inf),)), r"window 5h resets_at = inf"),
    (dict(rate_limits=(RateLimit("requests", 100, -1),)), r"rate limit requests remaining = -1"),
    (dict(models=(ModelUsage("gpt", "month", spent=Money(-4.0)),)), r"model gpt spent\.month = -4"),
    (dict(models=(ModelUsage("gpt", "month", tokens=Tokens(cache_read=-1)),)),
     r"model gpt tokens\.month\.cache_read = -1"),
])
def test_impossible_figures_are_named(parts, named):
    with pytest.raises(BadResponse, match=named):
        Reading(**parts)


def test_figures_at_the_edges_are_accepted():
    reading = Reading(headline=Headline("balance"), balance=(Money(-MAX_FIGURE),), limit=Money(0.0),
                      spent={"month": Money(MAX_FIGURE)}, windows=(Window("5h", 0.0), Window("7d", 250.0)),
                      tokens={"month": Tokens()}, rate_limits=(RateLimit("tokens", 0, 0),))
    assert reading.to_dict()["balance"] == [{"amount": -MAX_FIGURE, "currency": "USD"}]


def test_negative_balance_headline_says_owed():
    reading = Reading(headline=Headline("balance"), balance=(Money(-3.0), Money(12.0, "CNY"))).to_dict()
    assert view.headline(reading, 0.0) == ("-$3.00 owed ¥12.00", -3.0)
    assert view.balances_text([{"amount": -0.001, "currency": "USD"}]) == "$0.00"  # rounds to nothing owed


def test_cli_negative_cost_keeps_the_last_good_reading_and_marks_bad_response(fake, config_file, home):
    write_config(config_file, f"""
[accounts.oai]
provider = "openai"
base_url = "{fake.url}/openai/v1"
key_env = "TEST_OPENAI_KEY"
""")
    env = {"TEST_OPENAI_KEY": SPECS["openai"].key}
    fake.route("GET", COSTS, _costs(12.5))
    assert run_tokseg("refresh", env=env).returncode == 0
    fake.route("GET", COSTS, _costs(-42.0))
    again = run_tokseg("refresh", env=env)
    assert again.returncode != 0
    assert "spent.month = -42" in again.stdout + again.stderr

    doc = json.loads(run_tokseg("--json").stdout)
    account = doc["accounts"][0]
    assert account["spent"]["month"] == {"amount": 12.5, "currency": "USD"}
    assert account["error"]["kind"] == "bad_response" and "spent.month = -42" in account["error"]["message"]
    shown = run_tokseg().stdout.strip()
    assert shown == "oai $12.50/mo~ !bad_response", shown
    assert "-$42" not in shown
