"""DeepSeek through the fake server: balance per currency from decimal strings."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse
from tokseg.providers import deepseek

PATH = "/deepseek/user/balance"


def test_cny_balance(fake, session):
    reading = figures(fetch(fake, session, "deepseek"))
    assert reading["balance"] == [{"amount": 110.0, "currency": "CNY"}]
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["spent"] == {} and reading["notes"] == []
    assert fake.calls(PATH)[0].headers["authorization"] == f"Bearer {SPECS['deepseek'].key}"


def test_two_currencies_usd_first_never_summed(fake, session):
    fake.route("GET", PATH, fixture("deepseek/balance_two_currencies.json"))
    reading = figures(fetch(fake, session, "deepseek"))
    assert reading["balance"] == [{"amount": 4.05, "currency": "USD"}, {"amount": 58.2, "currency": "CNY"}]


def test_zero_balance_is_a_reading_with_a_note(fake, session):
    fake.route("GET", PATH, fixture("deepseek/balance_zero.json"))
    reading = figures(fetch(fake, session, "deepseek"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "CNY"}]
    assert reading["notes"] == ["no balance available for API calls: top up at https://platform.deepseek.com/top_up"]


def test_no_entries(fake, session):
    fake.route("GET", PATH, {"is_available": True, "balance_infos": []})
    reading = figures(fetch(fake, session, "deepseek"))
    assert reading["balance"] == [] and reading["headline"]["kind"] == "none"
    assert reading["notes"] == ["DeepSeek reported no balance entries"]


def test_bad_amount_is_named(fake, session):
    fake.route("GET", PATH, {"balance_infos": [{"currency": "CNY", "total_balance": "lots"}]})
    with pytest.raises(BadResponse, match=r"balance_infos\[0\]: field total_balance is not a number \('lots'\)"):
        fetch(fake, session, "deepseek")


def test_key_problem():
    assert deepseek.key_problem(SPECS["deepseek"].key) is None
    assert "DeepSeek key" in deepseek.key_problem("gsk_abc")
