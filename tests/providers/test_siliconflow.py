"""SiliconFlow through the fake server: decimal strings, code 20000, currency from the host."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse
from tokseg.providers import siliconflow
from tokseg.providers._region import currency_for

PATH = "/siliconflow/v1/user/info"


def test_total_balance_with_paid_part_noted(fake, session):
    reading = figures(fetch(fake, session, "siliconflow"))
    assert reading["balance"] == [{"amount": 88.88, "currency": "CNY"}]
    assert reading["notes"] == ["of which paid: 88.00 CNY; the rest is granted credit"]
    assert fake.calls(PATH)[0].headers["authorization"] == f"Bearer {SPECS['siliconflow'].key}"


def test_zero_balance(fake, session):
    fake.route("GET", PATH, fixture("siliconflow/user_info_zero.json"), errors="plain")
    reading = figures(fetch(fake, session, "siliconflow", currency="USD"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "USD"}] and reading["notes"] == []


def test_error_code_in_a_200_body(fake, session):
    fake.route("GET", PATH, {"code": 30001, "message": "Account suspended", "status": False, "data": None})
    with pytest.raises(BadResponse, match="answered with code 30001 instead of 20000"):
        fetch(fake, session, "siliconflow")


@pytest.mark.parametrize("url, currency", [("https://api.siliconflow.cn/v1", "CNY"),
                                           ("https://api.siliconflow.com/v1", "USD")])
def test_currency_from_host(url, currency):
    assert currency_for(url, "auto", "siliconflow", siliconflow.HOSTS) == currency
