"""Fireworks through the fake server: Google Money (units + nanos), month and today windows, account discovery."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import BadResponse, ConfigError

SUMMARY = "/fireworks/v1/accounts/my-team/billing/summary"


def test_units_and_nanos_are_summed(fake, session):
    reading = figures(fetch(fake, session, "fireworks"))
    assert reading["spent"] == {"month": {"amount": 13.625, "currency": "USD"},
                                "today": {"amount": 0.0765, "currency": "USD"}}
    assert reading["headline"] == {"kind": "spent", "key": "month"} and reading["balance"] == []


def test_windows_end_tomorrow_because_end_time_is_exclusive(fake, session):
    fetch(fake, session, "fireworks")
    month, today = fake.calls(SUMMARY)
    assert (month.param("startTime"), month.param("endTime")) == ("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z")
    assert (today.param("startTime"), today.param("endTime")) == ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert month.headers["authorization"] == f"Bearer {SPECS['fireworks'].key}"


def test_nothing_spent(fake, session):
    fake.route("GET", "/fireworks/v1/accounts/{account}/billing/summary", fixture("fireworks/summary_empty.json"))
    reading = figures(fetch(fake, session, "fireworks"))
    assert reading["spent"] == {"month": {"amount": 0.0, "currency": "USD"},
                                "today": {"amount": 0.0, "currency": "USD"}}


def test_account_is_discovered_when_not_set(fake, session):
    reading = figures(fetch(fake, session, "fireworks", account_id=""))
    assert [c.path for c in fake.calls()] == ["/fireworks/v1/accounts", SUMMARY, SUMMARY]
    assert reading["spent"]["month"]["amount"] == 13.625 and reading["notes"] == []


def test_several_accounts_are_noted(fake, session):
    fake.route("GET", "/fireworks/v1/accounts", {"accounts": [{"name": "accounts/my-team"},
                                                             {"name": "accounts/other"}]})
    reading = figures(fetch(fake, session, "fireworks", account_id=""))
    assert reading["notes"] == ["this key sees 2 accounts; showing 'my-team' (set account_id to choose)"]


def test_no_account_visible_is_a_config_error(fake, session):
    fake.route("GET", "/fireworks/v1/accounts", {"accounts": []})
    with pytest.raises(ConfigError, match="set account_id"):
        fetch(fake, session, "fireworks", account_id="")


def test_unknown_account_is_a_config_error(fake, session):
    fake.fault(SUMMARY, "404")
    with pytest.raises(ConfigError, match="account_id 'my-team' was not found"):
        fetch(fake, session, "fireworks")


def test_nanos_out_of_range_is_named(fake, session):
    body = fixture("fireworks/summary_empty.json")
    body["lineItems"] = [{"totalCost": {"currencyCode": "USD", "units": "1", "nanos": 1_000_000_000}}]
    fake.route("GET", "/fireworks/v1/accounts/{account}/billing/summary", body)
    with pytest.raises(BadResponse, match=r"lineItems\[0\]: field totalCost.nanos is out of range"):
        fetch(fake, session, "fireworks")
