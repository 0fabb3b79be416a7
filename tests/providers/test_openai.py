"""OpenAI Admin usage through the fake server: dollars, paging, cached tokens split out, key types."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import MONTH, NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse
from tokseg.providers import openai

COSTS, USAGE = "/openai/v1/organization/costs", "/openai/v1/organization/usage/completions"


def test_spend_and_tokens_across_two_pages(fake, session):
    reading = figures(fetch(fake, session, "openai"))
    assert reading["spent"] == {"today": {"amount": 0.75, "currency": "USD"},
                                "month": {"amount": 2.5842, "currency": "USD"}}
    assert reading["tokens"]["today"] == {"input": 4000, "output": 700, "cache_read": 1000, "cache_write": 0,
                                          "total": 5700}
    assert reading["tokens"]["month"] == {"input": 44000, "output": 9700, "cache_read": 81000, "cache_write": 0,
                                          "total": 134700}
    assert reading["headline"] == {"kind": "spent", "key": "month"}
    assert reading["balance"] == []


def test_tokens_per_model_across_two_pages(fake, session):
    reading = figures(fetch(fake, session, "openai"))

    def tokens(uncached: int, cached: int, output: int) -> dict:
        return {"input": uncached, "output": output, "cache_read": cached, "cache_write": 0,
                "total": uncached + cached + output}

    # gpt-4.1 is on both pages (both days); only today's page counts for "today". No spend per model.
    assert reading["models"] == [
        {"model": "gpt-4.1-2025-04-14", "period": "today", "spent": None, "tokens": tokens(2000, 1000, 500)},
        {"model": "o4-mini-2025-04-16", "period": "today", "spent": None, "tokens": tokens(2000, 0, 200)},
        {"model": "gpt-4.1-2025-04-14", "period": "month", "spent": None, "tokens": tokens(22000, 81000, 8500)},
        {"model": "gpt-4.1-mini-2025-04-14", "period": "month", "spent": None, "tokens": tokens(20000, 0, 1000)},
        {"model": "o4-mini-2025-04-16", "period": "month", "spent": None, "tokens": tokens(2000, 0, 200)},
    ]
    for period in ("today", "month"):
        assert sum(m["tokens"]["total"] for m in reading["models"] if m["period"] == period) \
            == reading["tokens"][period]["total"]


def test_usage_is_asked_per_model_and_costs_are_not(fake, session):
    fetch(fake, session, "openai")
    assert all(call.query.get("group_by") == ["model"] for call in fake.calls(USAGE))
    assert all("group_by" not in call.query for call in fake.calls(COSTS))


def test_results_without_a_model_count_in_the_totals_only(fake, session):
    fake.route("GET", USAGE, fixture("openai/usage_page2.json"))  # an answer that ignored group_by
    reading = figures(fetch(fake, session, "openai"))
    assert reading["tokens"]["month"]["total"] == 5700 and reading["models"] == []
    blank = fixture("openai/usage_by_model_page2.json")
    blank["data"][0]["results"][1]["model"] = " "
    fake.route("GET", USAGE, blank)
    reading = figures(fetch(fake, session, "openai"))
    assert reading["tokens"]["month"]["total"] == 5700
    assert [m["model"] for m in reading["models"]] == ["gpt-4.1-2025-04-14"] * 2


def test_query_asks_month_to_date_daily_with_limit_31_and_follows_cursors(fake, session):
    fetch(fake, session, "openai")
    for path, cursor in ((COSTS, "page_costs_2"), (USAGE, "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=")):
        first, second = fake.calls(path)
        for call in (first, second):
            assert call.param("start_time") == str(MONTH)
            assert call.param("end_time") == str(int(NOW) + 1)
            assert call.param("bucket_width") == "1d"
            assert call.param("limit") == "31"
            assert call.headers["authorization"] == f"Bearer {SPECS['openai'].key}"
        assert first.param("page") is None and second.param("page") == cursor


def test_empty_organisation(fake, session):
    fake.route("GET", COSTS, fixture("openai/empty.json"))
    fake.route("GET", USAGE, fixture("openai/empty.json"))
    reading = figures(fetch(fake, session, "openai"))
    assert reading["spent"] == {"today": {"amount": 0.0, "currency": "USD"},
                                "month": {"amount": 0.0, "currency": "USD"}}
    assert reading["tokens"]["month"]["total"] == 0 and reading["models"] == []


def test_tokens_option_off_skips_usage(fake, session):
    reading = figures(fetch(fake, session, "openai", tokens=False))
    assert reading["tokens"] == {} and reading["models"] == [] and not fake.calls(USAGE)


def test_cursor_that_never_ends_is_bad_response(fake, session):
    looping = fixture("openai/costs_page1.json")
    fake.route("GET", COSTS, looping)
    with pytest.raises(BadResponse, match="paging does not end"):
        fetch(fake, session, "openai")


def test_project_key_refused_names_the_admin_key(fake, session):
    fake.fault(COSTS, "403", message="You have insufficient permissions for this operation.")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "openai", secret="sk-proj-abcdefghijklmnop")
    message = str(caught.value)
    assert message.startswith("this is an OpenAI project key; usage needs an Admin key sk-admin-…, create one at "
                              "https://platform.openai.com/settings/organization/admin-keys")
    assert caught.value.status == 403 and "abcdefghijklmnop" not in message


def test_admin_key_refused_says_it_needs_usage_access(fake, session):
    fake.fault(COSTS, "401")
    with pytest.raises(AuthError, match="the Admin key was refused; it needs read access to usage"):
        fetch(fake, session, "openai")


def test_mixed_currencies_are_not_added(fake, session):
    body = fixture("openai/costs_page2.json")
    body["data"][0]["results"][1]["amount"]["currency"] = "eur"
    fake.route("GET", COSTS, body)
    with pytest.raises(BadResponse, match="mixed currencies"):
        fetch(fake, session, "openai")


@pytest.mark.parametrize("key, kind", [("sk-proj-x", "project key"), ("sk-svcacct-x", "service-account key"),
                                       ("sk-abc", "user key"), ("xai-abc", "not an OpenAI Admin key")])
def test_key_problem(key, kind):
    assert kind in openai.key_problem(key)
    assert openai.key_problem("sk-admin-abc") is None
