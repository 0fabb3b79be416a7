"""xAI through the fake server: inverted-sign cents, usage analytics, two hosts, key-type explanations."""

from __future__ import annotations

import pytest

from tests.fakeserver import fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError, RateLimited
from tokseg.providers import xai

TEAM = SPECS["xai"].options["team_id"]
BALANCE = f"/xai-management/v1/billing/teams/{TEAM}/prepaid/balance"
USAGE = f"/xai-management/v1/billing/teams/{TEAM}/usage"


def test_inverted_cents_become_a_positive_balance_and_spend_is_summed(fake, session):
    reading = figures(fetch(fake, session, "xai"))
    assert reading["balance"] == [{"amount": 7.42, "currency": "USD"}]
    assert reading["spent"] == {"today": {"amount": 0.41, "currency": "USD"},
                                "month": {"amount": 1.64, "currency": "USD"}}
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["notes"] == [xai.POSTED_NOTE]
    assert [c.path for c in fake.calls()] == [BALANCE, USAGE]
    for call in fake.calls():
        assert call.headers["authorization"] == f"Bearer {SPECS['xai'].key}"


def test_usage_request_asks_daily_usd_for_the_month(fake, session):
    fetch(fake, session, "xai")
    body = fake.calls(USAGE)[0].json()
    assert body == xai.usage_query(NOW)
    assert body["analyticsRequest"]["timeRange"] == {"startTime": "2026-03-01 00:00:00",
                                                     "endTime": "2026-03-02 12:00:00", "timezone": "Etc/GMT"}


def test_zero_balance_and_no_usage(fake, session):
    fake.route("GET", "/xai-management/v1/billing/teams/{team}/prepaid/balance",
               fixture("xai/prepaid_balance_zero.json"))
    fake.route("POST", "/xai-management/v1/billing/teams/{team}/usage", fixture("xai/usage_empty.json"))
    reading = figures(fetch(fake, session, "xai"))
    assert reading["balance"] == [{"amount": 0.0, "currency": "USD"}]
    assert reading["spent"]["month"] == {"amount": 0.0, "currency": "USD"}


def test_partial_history_is_noted(fake, session):
    body = fixture("xai/usage.json")
    body["limitReached"] = True
    fake.route("POST", "/xai-management/v1/billing/teams/{team}/usage", body)
    assert "usage history is partial" in " ".join(figures(fetch(fake, session, "xai"))["notes"])


def test_missing_total_is_an_error_not_zero(fake, session):
    fake.route("GET", "/xai-management/v1/billing/teams/{team}/prepaid/balance", {"changes": []})
    with pytest.raises(BadResponse, match="field total is missing"):
        fetch(fake, session, "xai")


def test_inference_key_refused_by_billing_is_explained_with_its_team(fake, session):
    fake.fault(BALANCE, "403")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "xai", secret="xai-inference0123456789abcdef")
    assert str(caught.value).startswith(f"this is an xAI inference key (team {TEAM}); billing needs a management key")
    assert caught.value.status == 403
    assert fake.calls("/xai/v1/api-key")[0].headers["authorization"] == "Bearer xai-inference0123456789abcdef"


def test_management_key_refused_says_so(fake, session):
    fake.fault("*", "401")
    with pytest.raises(AuthError, match="the management key was refused"):
        fetch(fake, session, "xai")


def test_wrong_team_is_a_config_error(fake, session):
    fake.fault(BALANCE, "404")
    with pytest.raises(ConfigError, match="team_id '5ea6f6bd-0000-0000-0000-000000000000' was not found"):
        fetch(fake, session, "xai")


def test_no_team_with_an_inference_key_names_the_team(fake, session):
    with pytest.raises(AuthError, match=f'set team_id = "{TEAM}"'):
        fetch(fake, session, "xai", team_id="")
    assert not fake.calls(BALANCE)


def test_no_team_with_a_management_key_asks_for_it(fake, session):
    fake.fault("/xai/v1/api-key", "401")
    with pytest.raises(ConfigError, match='set team_id = "…"'):
        fetch(fake, session, "xai", team_id="")


def test_team_id_cannot_escape_the_path(fake, session):
    fetch(fake, session, "xai", team_id="../../x")
    assert fake.calls()[0].path == "/xai-management/v1/billing/teams/..%2F..%2Fx/prepaid/balance"


@pytest.mark.parametrize("fault", ["404", "403", "html"])
def test_usage_failure_keeps_the_balance_with_a_note(fake, session, fault):
    fake.fault(USAGE, fault)
    reading = figures(fetch(fake, session, "xai"))
    assert reading["balance"] == [{"amount": 7.42, "currency": "USD"}] and reading["spent"] == {}
    assert reading["notes"][1].startswith("spend unavailable (") and "set spend = false" in reading["notes"][1]


def test_usage_rate_limit_still_fails_the_fetch(fake, session):
    fake.fault(USAGE, "429")
    with pytest.raises(RateLimited):
        fetch(fake, session, "xai")
