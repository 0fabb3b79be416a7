"""Novita through the fake server: strings in 1/10000 USD."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse

PATH = "/novita/openapi/v1/billing/balance/detail"


def test_ten_thousandths_become_dollars(fake, session):
    reading = figures(fetch(fake, session, "novita"))
    assert reading["balance"] == [{"amount": 100.0, "currency": "USD"}]
    assert reading["notes"] == ["credit limit $20.00"]
    call = fake.calls(PATH)[0]
    assert call.headers["authorization"] == f"Bearer {SPECS['novita'].key}"
    assert call.headers["content-type"] == "application/json"


def test_zero_balance_with_an_invoice_owed(fake, session):
    fake.route("GET", PATH, fixture("novita/balance_zero.json"), errors="plain")
    reading = figures(fetch(fake, session, "novita"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "USD"}]
    assert reading["notes"] == ["outstanding invoices $1.23"]


def test_missing_balance_is_named(fake, session):
    fake.route("GET", PATH, {"cashBalance": "1"})
    with pytest.raises(BadResponse, match="field availableBalance is missing"):
        fetch(fake, session, "novita")
