"""Anthropic Admin API through the fake server: cents strings, paging, disjoint cache tokens, key types."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse
from tokseg.providers import anthropic

COSTS = "/anthropic/v1/organizations/cost_report"
USAGE = "/anthropic/v1/organizations/usage_report/messages"


def test_cents_become_dollars_across_pages(fake, session):
    reading = figures(fetch(fake, session, "anthropic"))
    # "412.50" + "123.45" + "0.55" cents this month; the last two today.
    assert reading["spent"] == {"today": {"amount": 1.24, "currency": "USD"},
                                "month": {"amount": 5.365, "currency": "USD"}}
    assert reading["tokens"]["today"] == {"input": 1200, "output": 800, "cache_read": 30000, "cache_write": 500,
                                          "total": 32500}
    assert reading["tokens"]["month"] == {"input": 16200, "output": 9800, "cache_read": 230000,
                                          "cache_write": 3500, "total": 259500}
    assert reading["headline"] == {"kind": "spent", "key": "month"}


def test_spend_and_tokens_per_model_across_pages(fake, session):
    reading = figures(fetch(fake, session, "anthropic"))

    def usd(cents: str) -> dict:
        return {"amount": float(cents) / 100, "currency": "USD"}

    def tokens(uncached: int, output: int, read: int, write: int) -> dict:
        return {"input": uncached, "output": output, "cache_read": read, "cache_write": write,
                "total": uncached + output + read + write}

    got = [(m["period"], m["model"], m["spent"], m["tokens"]) for m in reading["models"]]
    assert got == [
        ("today", "claude-sonnet-4-5", usd("100.00"), tokens(1000, 700, 30000, 500)),
        ("today", "claude-opus-4-1", usd("23.45"), tokens(200, 100, 0, 0)),
        ("month", "claude-sonnet-4-5", usd("500.00"), tokens(13000, 8700, 210000, 3500)),
        ("month", "claude-opus-4-1", usd("23.45"), tokens(200, 100, 0, 0)),
        ("month", "claude-haiku-4-5", usd("12.50"), tokens(3000, 1000, 20000, 0)),
    ]
    # The web-search line ("0.55" cents) names no model: in the totals, not in the breakdown.
    month_models = sum(m["spent"]["amount"] for m in reading["models"] if m["period"] == "month")
    assert round(reading["spent"]["month"]["amount"] - month_models, 6) == 0.0055
    assert sum(m["tokens"]["total"] for m in reading["models"] if m["period"] == "month") \
        == reading["tokens"]["month"]["total"]


def test_cost_is_asked_by_description_and_usage_by_model(fake, session):
    fetch(fake, session, "anthropic")
    assert all(call.query.get("group_by[]") == ["description"] for call in fake.calls(COSTS))
    assert all(call.query.get("group_by[]") == ["model"] for call in fake.calls(USAGE))


def test_tokens_off_keeps_the_spend_per_model(fake, session):
    reading = figures(fetch(fake, session, "anthropic", tokens=False))
    assert reading["tokens"] == {} and not fake.calls(USAGE)
    assert [(m["period"], m["model"], m["tokens"]) for m in reading["models"]][:2] == [
        ("today", "claude-sonnet-4-5", None), ("today", "claude-opus-4-1", None)]


def test_a_model_that_is_not_a_name_is_bad_response(fake, session):
    body = fixture("anthropic/usage_by_model_page2.json")
    body["data"][0]["results"][1]["model"] = 42
    fake.route("GET", USAGE, body, errors="anthropic")
    with pytest.raises(BadResponse, match=r"results\[1\]: field model is not a model name \(42\)"):
        fetch(fake, session, "anthropic")


def test_headers_query_and_cursors(fake, session):
    fetch(fake, session, "anthropic")
    for path, cursor in ((COSTS, "page_cost_2"), (USAGE, "page_usage_2")):
        first, second = fake.calls(path)
        for call in (first, second):
            assert call.headers["x-api-key"] == SPECS["anthropic"].key
            assert call.headers["anthropic-version"] == "2023-06-01"
            assert "authorization" not in call.headers
            assert call.param("starting_at") == "2026-03-01T00:00:00Z"
            assert call.param("bucket_width") == "1d" and call.param("limit") == "31"
        assert first.param("page") is None and second.param("page") == cursor


def test_empty_organisation(fake, session):
    fake.route("GET", COSTS, fixture("anthropic/empty.json"), errors="anthropic")
    fake.route("GET", USAGE, fixture("anthropic/empty.json"), errors="anthropic")
    reading = figures(fetch(fake, session, "anthropic"))
    assert reading["spent"]["month"] == {"amount": 0.0, "currency": "USD"}
    assert reading["tokens"]["month"]["total"] == 0 and reading["models"] == []


def test_individual_account_key_gets_the_organisation_message(fake, session):
    fake.fault("*", "401", message="invalid x-api-key")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "anthropic", secret="sk-ant-api03-abcdefghijklmnopqrstuv")
    message = str(caught.value)
    assert message.startswith("this is an Anthropic API key; usage and cost need an Admin key sk-ant-admin…, "
                              "which only organisations have (the Admin API is unavailable for individual accounts)")
    assert "https://console.anthropic.com/settings/admin-keys" in message
    assert "abcdefghijklmnopqrstuv" not in message


def test_amount_that_is_not_a_number_is_named(fake, session):
    body = fixture("anthropic/cost_page2.json")
    body["data"][0]["results"][0]["amount"] = "12,50"
    fake.route("GET", COSTS, body, errors="anthropic")
    with pytest.raises(BadResponse, match=r"results\[0\]: field amount is not a number \('12,50'\)"):
        fetch(fake, session, "anthropic")


def test_key_problem():
    assert anthropic.key_problem(SPECS["anthropic"].key) is None
    assert "an Anthropic API key" in anthropic.key_problem("sk-ant-api03-x")
    assert "not an Anthropic Admin key" in anthropic.key_problem("sk-proj-x")
