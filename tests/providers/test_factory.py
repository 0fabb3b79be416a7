"""Factory (Droid) through the fake server: both endpoints, each figure, each error class, the headers, the CLI."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError, RateLimited, TokError
from tokseg.providers import factory
from tokseg.render import template

LIMITS = "/factory/api/api/billing/limits"
USAGE = "/factory/app/api/organization/subscription/usage"
KEY = SPECS["factory"].key
FIVE_END = NOW + 9000  # as in tests/fixtures/factory/billing_limits.json
WEEK_END = 1773014400.0  # Monday 2026-03-09T00:00:00Z
MONTH_END = 1775001600.0  # 2026-04-01T00:00:00Z
PERIOD = MONTH_END - 1772323200.0  # March 2026, as in subscription_usage.json
NO_FIGURE = "Factory's answer has no figure tokseg can read (its format may have changed)"


def limits(**pools: Any) -> dict:
    """The billing-limits fixture with some pools replaced."""
    body = copy.deepcopy(fixture("factory/billing_limits.json"))
    body["limits"].update(pools)
    return body


def usage(**pools: Any) -> dict:
    body = copy.deepcopy(fixture("factory/subscription_usage.json"))
    body["usage"].update(pools)
    return body


def old_billing(fake) -> None:
    """An account not billed by token rate limits: the subscription usage is asked."""
    fake.route("GET", LIMITS, {"usesTokenRateLimitsBilling": False, "limits": None}, errors="plain")


def read(fake, session, path: str, body: Any) -> dict:
    fake.route("GET", path, body, errors="plain")
    return figures(fetch(fake, session, "factory"))


# --- token rate limits (api host) ----------------------------------------------------------------


def test_standard_windows_of_the_token_rate_limits(fake, session):
    reading = figures(fetch(fake, session, "factory"))
    assert reading["windows"] == [
        {"name": "5h", "used_pct": 18.5, "resets_at": FIVE_END, "length_s": 18000.0},
        {"name": "7d", "used_pct": 42.0, "resets_at": WEEK_END, "length_s": 604800.0},
        {"name": "month", "used_pct": 7.25, "resets_at": MONTH_END, "length_s": None},
    ]
    assert reading["headline"] == {"kind": "window", "key": "7d"}
    assert reading["notes"] == [] and reading["balance"] == [] and reading["spent"] == {}


def test_headers_sent_and_only_the_limits_asked(fake, session):
    fetch(fake, session, "factory")
    (call,) = fake.calls()
    assert call.path == LIMITS and call.method == "GET" and call.query == {}
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["accept"] == "application/json"
    assert call.headers["origin"] == "https://app.factory.ai"
    assert call.headers["referer"] == "https://app.factory.ai/"
    assert call.headers["x-factory-client"] == "web-app"


def test_a_core_pool_in_use_adds_its_windows(fake, session):
    core = {"fiveHour": {"usedPercent": 3, "secondsRemaining": 600}, "weekly": {"usedPercent": 0},
            "monthly": {"usedPercent": 90, "windowEnd": str(int(MONTH_END))}}
    reading = read(fake, session, LIMITS, limits(core=core))
    assert [(w["name"], w["used_pct"], w["resets_at"]) for w in reading["windows"][3:]] == [
        ("core.5h", 3.0, NOW + 600), ("core.7d", 0.0, None), ("core.month", 90.0, MONTH_END)]
    assert reading["headline"] == {"kind": "window", "key": "core.month"}
    for window in reading["windows"]:
        assert re.fullmatch(template.NAME, f"droid.{window['name']}.pct")


def test_reset_from_the_time_left_and_ended_windows_left_out(fake, session):
    standard = {"fiveHour": {"usedPercent": 60, "windowEnd": None, "secondsRemaining": 1200},
                "weekly": {"usedPercent": 80, "windowEnd": (NOW - 60) * 1000, "secondsRemaining": 3600},
                "monthly": {"usedPercent": 95, "windowEnd": "2026-03-01T00:00:00Z"}}
    reading = read(fake, session, LIMITS, limits(standard=standard))
    assert [(w["name"], w["resets_at"]) for w in reading["windows"]] == [("5h", NOW + 1200), ("7d", NOW + 3600)]
    assert reading["notes"] == ["month: the window Factory last reported has ended; no current figure"]


@pytest.mark.parametrize("entry", [{}, {"usedPercent": None}, {"usedPercent": "lots"}, {"usedPercent": -3},
                                   {"usedPercent": 5000}, {"usedPercent": True}, "18%", None])
def test_odd_windows_are_not_reported(fake, session, entry):
    standard = {"fiveHour": entry, "weekly": {"usedPercent": "12.5"}}
    reading = read(fake, session, LIMITS, limits(standard=standard))
    assert [(w["name"], w["used_pct"]) for w in reading["windows"]] == [("7d", 12.5)]


def test_token_rate_limits_without_a_readable_window_are_a_note(fake, session):
    reading = read(fake, session, LIMITS, limits(standard={"fiveHour": {"percent": 3}}))
    assert reading["windows"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == [NO_FIGURE]
    assert not fake.calls(USAGE)


# --- subscription usage (app host) ---------------------------------------------------------------


def test_standard_and_premium_tokens_of_the_billing_period(fake, session):
    old_billing(fake)
    reading = figures(fetch(fake, session, "factory"))
    assert reading["windows"] == [
        {"name": "standard", "used_pct": 25.0, "resets_at": MONTH_END, "length_s": PERIOD},
        {"name": "premium", "used_pct": 15.0, "resets_at": MONTH_END, "length_s": PERIOD},
    ]
    assert reading["headline"] == {"kind": "window", "key": "standard"}
    assert reading["notes"] == ["standard tokens: 5,000,000 used of 20,000,000",
                                "premium tokens: 150,000 used of 1,000,000"]
    call = fake.calls(USAGE)[0]
    assert call.query == {"useCache": ["true"]}
    assert call.headers["authorization"] == f"Bearer {KEY}" and call.headers["x-factory-client"] == "web-app"
    assert call.headers["origin"] == "https://app.factory.ai"


@pytest.mark.parametrize("fault", ["404", "html"])
def test_billing_limits_missing_or_not_json_ask_the_usage(fake, session, fault):
    fake.fault(LIMITS, fault)
    assert [w["name"] for w in figures(fetch(fake, session, "factory"))["windows"]] == ["standard", "premium"]
    assert [c.path for c in fake.calls()] == [LIMITS, USAGE]


@pytest.mark.parametrize("body", [{}, [], {"usesTokenRateLimitsBilling": True}, {"limits": {}},
                                  {"usesTokenRateLimitsBilling": "true", "limits": {"standard": {}}}])
def test_limits_without_the_new_billing_ask_the_usage(fake, session, body):
    fake.route("GET", LIMITS, body, errors="plain")
    assert [w["name"] for w in figures(fetch(fake, session, "factory"))["windows"]] == ["standard", "premium"]


@pytest.mark.parametrize("pool, used", [
    ({"usedRatio": 0.5, "userTokens": 1, "totalAllowance": 10}, 50.0),       # the ratio wins
    ({"usedRatio": 0, "userTokens": 3, "totalAllowance": 10}, 30.0),         # a zero ratio against use
    ({"usedRatio": 42, "userTokens": 2, "totalAllowance": 10}, 20.0),        # not a fraction: counts
    ({"usedRatio": None, "userTokens": "4", "totalAllowance": "10"}, 40.0),
    ({"usedRatio": 0.2, "userTokens": 5, "totalAllowance": 2e12}, 20.0),     # unlimited: only the ratio
])
def test_token_use_from_the_ratio_or_the_counts(fake, session, pool, used):
    old_billing(fake)
    windows = read(fake, session, USAGE, usage(standard=pool, premium=None))["windows"]
    assert [(w["name"], w["used_pct"]) for w in windows] == [("standard", used)]


@pytest.mark.parametrize("pool", [{"usedRatio": 42}, {"userTokens": 5, "totalAllowance": 0},
                                  {"userTokens": 5, "totalAllowance": 2e12}, {"userTokens": -1, "totalAllowance": 9},
                                  {"userTokens": 1e15, "totalAllowance": 10}, {}])
def test_unbelievable_token_pools_are_not_reported(fake, session, pool):
    old_billing(fake)
    reading = read(fake, session, USAGE, usage(standard=pool))
    assert [w["name"] for w in reading["windows"]] == ["premium"]


def test_unlimited_allowance_is_a_note_not_a_percent(fake, session):
    old_billing(fake)
    reading = read(fake, session, USAGE, usage(standard={"userTokens": 5, "totalAllowance": 2e12}, premium=None))
    assert reading["windows"] == [] and reading["notes"] == ["standard tokens: 5 used (unlimited)"]


def test_an_ended_billing_period_is_a_note(fake, session):
    old_billing(fake)
    body = usage(endDate=(NOW - 3600) * 1000)
    reading = read(fake, session, USAGE, body)
    assert reading["windows"] == []
    assert reading["notes"] == ["the billing period Factory last reported has ended; no current figure"]


@pytest.mark.parametrize("body", [{}, {"usage": None}, {"usage": {"tokens": 5}}, {"data": {"standard": {}}}])
def test_an_unknown_usage_shape_is_a_note(fake, session, body):
    old_billing(fake)
    reading = read(fake, session, USAGE, body)
    assert reading["windows"] == [] and reading["notes"] == [NO_FIGURE]


def test_a_usage_answer_that_is_not_an_object_is_bad_response(fake, session):
    old_billing(fake)
    fake.route("GET", USAGE, [1, 2], errors="plain")
    with pytest.raises(BadResponse, match="the answer is not an object"):
        fetch(fake, session, "factory")


# --- errors and hosts ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIMITS, USAGE])
@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_on_either_endpoint_is_auth_with_the_fix(fake, session, path, status):
    old_billing(fake)
    fake.fault(path, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "factory")
    assert caught.value.status == int(status)
    text = str(caught.value)
    assert text.startswith("Factory refused the key: it needs a Factory API key fk-…")
    assert KEY not in text


def test_429_on_the_usage_is_rate_limited(fake, session):
    old_billing(fake)
    fake.fault(USAGE, "429", retry_after="12")
    with pytest.raises(RateLimited) as caught:
        fetch(fake, session, "factory")
    assert caught.value.retry_after == 12.0


def test_app_url_over_plain_http_is_refused(fake, session):
    with pytest.raises(ConfigError, match="app_url"):
        fetch(fake, session, "factory", app_url="http://app.example.com")
    assert not fake.calls()


junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
        | st.sampled_from(["12", "1e400", "NaN", "", "2026-03-02T13:00:00Z", "1772460000000"]))
window = st.dictionaries(st.sampled_from(["usedPercent", "windowEnd", "secondsRemaining"]), junk)
pool = st.dictionaries(st.sampled_from(["fiveHour", "weekly", "monthly"]), window | junk)
tokens = st.dictionaries(st.sampled_from(["usedRatio", "userTokens", "totalAllowance"]), junk)


def check(reading) -> None:
    names = [w.name for w in reading.windows]
    assert len(names) == len(set(names))
    for w in reading.windows:
        assert 0.0 <= w.used_pct <= factory.MAX_PCT and re.fullmatch(template.NAME, f"droid.{w.name}.pct")
        assert w.resets_at is None or NOW < w.resets_at <= NOW + factory.MAX_AHEAD
    json.dumps(reading.to_dict(), allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(pools=st.dictionaries(st.sampled_from(["standard", "core"]), pool | junk))
def test_limits_parser_on_random_pools(pools):
    check(factory.parse_limits(pools, NOW))


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["startDate", "endDate", "standard", "premium"]), tokens | junk))
def test_usage_parser_on_random_pools(body):
    try:
        check(factory.parse_usage({"usage": body}, NOW))
    except TokError:
        pass


# --- through the CLI -----------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    now = time.time()
    body = limits(standard={"fiveHour": {"usedPercent": 12, "secondsRemaining": 72 * 60 + 30},
                            "weekly": {"usedPercent": 40, "windowEnd": int((now + 3 * 86400 + 30) * 1000)},
                            "monthly": {"usedPercent": 21, "windowEnd": int(now + 20 * 86400)}})
    fake.route("GET", LIMITS, body, errors="plain")
    fake.require_key("/factory/", "Authorization", f"Bearer {KEY}")
    urls = ["--base-url", fake.url + "/factory/api", "-o", f"app_url={fake.url}/factory/app"]
    refused = run_tokseg("add", "factory", "--name", "droid", *urls, input="fk-wrong\n")
    assert refused.returncode == 1 and "Factory refused the key" in refused.stderr
    assert not config_file.exists()

    added = run_tokseg("add", "factory", "--name", "droid", *urls, input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added droid (factory): 7d 40% ↻3d")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "droid 7d 40% ↻3d"
    shown = run_tokseg("--template", "{droid.5h.pct:.0f}% {droid.5h.reset} | month {droid.month.pct:.0f}%")
    assert shown.stdout.strip() == "12% 1h12m | month 21%"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "7d", "month"]
    assert [c.headers["x-factory-client"] for c in fake.calls(LIMITS)][-2:] == ["web-app"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
