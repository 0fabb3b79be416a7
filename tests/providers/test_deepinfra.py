"""DeepInfra through the fake server: Stripe ledger sign, cents for the month, owed vs prepaid."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse

CHECKLIST, USAGE = "/deepinfra/payment/checklist", "/deepinfra/payment/usage"


def test_prepaid_funds_and_month_spend(fake, session):
    reading = figures(fetch(fake, session, "deepinfra"))
    assert reading["balance"] == [{"amount": 22.3, "currency": "USD"}]
    assert reading["spent"] == {"month": {"amount": 4.12, "currency": "USD"}}
    assert reading["limit"] == {"amount": 50.0, "currency": "USD"}
    assert reading["headline"] == {"kind": "balance", "key": ""} and reading["notes"] == []
    assert fake.calls(CHECKLIST)[0].param("compute_owed") == "true"
    assert fake.calls(USAGE)[0].param("from") == "current"
    assert fake.calls(USAGE)[0].headers["authorization"] == f"Bearer {SPECS['deepinfra'].key}"


def test_money_owed_headlines_month_spend_and_notes_suspension(fake, session):
    fake.route("GET", CHECKLIST, fixture("deepinfra/checklist_owed.json"))
    fake.route("GET", USAGE, fixture("deepinfra/usage_empty.json"))
    reading = figures(fetch(fake, session, "deepinfra"))
    assert reading["balance"] == [{"amount": -2.5, "currency": "USD"}]
    assert reading["spent"] == {"month": {"amount": 0.0, "currency": "USD"}}
    assert reading["limit"] is None
    assert reading["headline"] == {"kind": "spent", "key": "month"}
    assert reading["notes"] == ["account suspended: payment failed"]


def test_empty_account(fake, session):
    fake.route("GET", CHECKLIST, {"stripe_balance": 0, "recent": 0, "limit": None, "suspended": False})
    fake.route("GET", USAGE, fixture("deepinfra/usage_empty.json"))
    reading = figures(fetch(fake, session, "deepinfra"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "USD"}]
    assert reading["headline"]["kind"] == "balance"


def test_cost_that_is_not_a_number_is_named(fake, session):
    fake.route("GET", USAGE, {"months": [{"period": "2026.03", "total_cost": {"cents": 4}}]})
    with pytest.raises(BadResponse, match=r"months\[0\]: field total_cost is not a number"):
        fetch(fake, session, "deepinfra")
