"""OpenRouter through the fake server: per-key spend, key cap, account balance, management-key note."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse
from tokseg.providers import openrouter

KEY = SPECS["openrouter"].key
BASE = "/openrouter/api/v1"


def test_normal_account_reports_spend_limit_and_balance(fake, session):
    reading = figures(fetch(fake, session, "openrouter"))
    assert reading["spent"] == {"today": {"amount": 1.25, "currency": "USD"},
                                "week": {"amount": 8.0, "currency": "USD"},
                                "month": {"amount": 25.5, "currency": "USD"}}
    assert reading["limit"] == {"amount": 100.0, "currency": "USD"}
    assert reading["limit_remaining"] == {"amount": 74.5, "currency": "USD"}
    assert reading["balance"] == [{"amount": 74.75, "currency": "USD"}]
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["notes"] == []
    for call in fake.calls():
        assert call.headers["authorization"] == f"Bearer {KEY}"
        assert call.headers["user-agent"].startswith("tokseg/")
    assert [c.path for c in fake.calls()] == [f"{BASE}/key", f"{BASE}/credits"]


def test_unlimited_key_with_nothing_spent(fake, session):
    fake.route("GET", f"{BASE}/key", fixture("openrouter/key_unlimited_zero.json"), errors="openrouter")
    fake.route("GET", f"{BASE}/credits", fixture("openrouter/credits_zero.json"), errors="openrouter")
    reading = figures(fetch(fake, session, "openrouter"))
    assert reading["spent"]["today"] == {"amount": 0.0, "currency": "USD"}
    assert reading["spent"]["month"] == {"amount": 0.0, "currency": "USD"}
    assert reading["limit"] is None and reading["limit_remaining"] is None
    assert reading["balance"] == [{"amount": 0.0, "currency": "USD"}]


@pytest.mark.parametrize("status", ["401", "403"])
def test_normal_key_refused_on_credits_is_a_note_not_an_error(fake, session, status):
    fake.fault(f"{BASE}/credits", status)
    reading = figures(fetch(fake, session, "openrouter"))
    assert reading["balance"] == []
    assert reading["headline"] == {"kind": "limit_remaining", "key": ""}
    assert reading["notes"] == [openrouter.MANAGEMENT_NOTE]
    assert "management key" in reading["notes"][0]


def test_unlimited_normal_key_without_credits_headlines_month_spend(fake, session):
    fake.route("GET", f"{BASE}/key", fixture("openrouter/key_unlimited_zero.json"), errors="openrouter")
    fake.fault(f"{BASE}/credits", "403")
    reading = figures(fetch(fake, session, "openrouter"))
    assert reading["headline"] == {"kind": "spent", "key": "month"}


def test_management_key_refused_on_credits_is_an_auth_error(fake, session):
    body = fixture("openrouter/key.json")
    body["data"]["is_management_key"] = True
    fake.route("GET", f"{BASE}/key", body, errors="openrouter")
    fake.fault(f"{BASE}/credits", "401")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "openrouter")
    assert caught.value.status == 401
    assert "/credits" in str(caught.value)


def test_credits_option_off_asks_only_key(fake, session):
    reading = figures(fetch(fake, session, "openrouter", credits=False))
    assert [c.path for c in fake.calls()] == [f"{BASE}/key"]
    assert reading["balance"] == [] and reading["notes"] == []


def test_missing_field_is_named(fake, session):
    body = fixture("openrouter/key.json")
    del body["data"]["usage_monthly"]
    fake.route("GET", f"{BASE}/key", body)
    with pytest.raises(BadResponse, match="openrouter /key: field data.usage_monthly is missing"):
        fetch(fake, session, "openrouter")


def test_key_problem():
    assert openrouter.key_problem(KEY) is None
    problem = openrouter.key_problem("sk-proj-abcdef")
    assert "OpenRouter key" in problem and "https://openrouter.ai/settings/keys" in problem
