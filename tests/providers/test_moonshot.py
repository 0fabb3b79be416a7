"""Moonshot through the fake server: numbers without a currency; the currency comes from the host."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse, ConfigError
from tokseg.providers import moonshot
from tokseg.providers._region import currency_for

PATH = "/moonshot/v1/users/me/balance"


def test_balance_in_the_configured_currency(fake, session):
    reading = figures(fetch(fake, session, "moonshot"))
    assert reading["balance"] == [{"amount": 49.58894, "currency": "CNY"}]
    assert reading["headline"] == {"kind": "balance", "key": ""} and reading["notes"] == []
    assert fake.calls(PATH)[0].headers["authorization"] == f"Bearer {SPECS['moonshot'].key}"


def test_negative_cash_is_noted(fake, session):
    fake.route("GET", PATH, fixture("moonshot/balance_negative_cash.json"))
    reading = figures(fetch(fake, session, "moonshot", currency="USD"))
    assert reading["balance"] == [{"amount": 5.0, "currency": "USD"}]
    assert reading["notes"] == ["cash balance is negative (-1.25 USD); vouchers cover calls until spent"]


def test_zero_balance(fake, session):
    fake.route("GET", PATH, fixture("moonshot/balance_zero.json"))
    reading = figures(fetch(fake, session, "moonshot"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "CNY"}]
    assert reading["notes"] == ["available balance is zero or less: API calls are blocked until you top up"]


def test_auto_currency_on_an_unknown_host_is_a_config_error_before_any_request(fake, session):
    with pytest.raises(ConfigError, match='balance currency from host .127.0.0.1.*set currency = "CNY"'):
        fetch(fake, session, "moonshot", currency="auto")
    assert not fake.calls()


@pytest.mark.parametrize("url, currency", [("https://api.moonshot.cn", "CNY"), ("https://api.moonshot.ai", "USD")])
def test_currency_from_host(url, currency):
    assert currency_for(url, "auto", "moonshot", moonshot.HOSTS) == currency
    assert currency_for(url, "USD", "moonshot", moonshot.HOSTS) == "USD"


def test_nonzero_code_is_bad_response(fake, session):
    fake.route("GET", PATH, {"code": 5, "data": None, "status": False})
    with pytest.raises(BadResponse, match="answered with code 5 instead of 0"):
        fetch(fake, session, "moonshot")
