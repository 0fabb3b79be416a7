"""The prometheus provider through the fake server: the query sent, sums, breakdowns, auth and errors.

tests/test_prometheus_team.py runs it against a real Prometheus; here the answers are the API's
documented shapes, so every branch of the parser is reached.
"""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError, NetworkError, ServerError
from tokseg.providers import prometheus

PATH = "/prometheus/api/v1/query"


def vector(*series: tuple[dict, str]) -> dict:
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [{"metric": m, "value": [NOW, v]} for m, v in series]}}


def test_spend_today_is_the_sum_with_the_token_sent(fake, session):
    reading = figures(fetch(fake, session, "prometheus"))
    assert reading["spent"] == {"today": {"amount": 4.6, "currency": "USD"}}
    assert reading["headline"] == {"kind": "spent", "key": "today"} and reading["notes"] == []
    call = fake.calls(PATH)[0]
    midnight = int(datetime.fromtimestamp(NOW).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
                   .timestamp())
    assert call.param("query") == ('sum (tokseg_spent_usd{period="today"} and on (host, user, account) '
                                   f'(tokseg_last_success_timestamp_seconds >= {midnight}))')
    assert call.headers["authorization"] == f"Bearer {SPECS['prometheus'].key}"


def test_no_secret_sends_no_authorization(fake, session):
    fetch(fake, session, "prometheus", secret="")
    assert "authorization" not in fake.calls(PATH)[0].headers


def test_basic_auth(fake, session):
    fetch(fake, session, "prometheus", secret="team:s3cret", auth="basic")
    assert fake.calls(PATH)[0].headers["authorization"] == "Basic " + base64.b64encode(b"team:s3cret").decode()


def test_by_host_breakdown_in_a_note(fake, session):
    reading = figures(fetch(fake, session, "prometheus", preset="spend_month_by_host"))
    first = int(datetime.fromtimestamp(NOW).astimezone().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                .timestamp())
    assert fake.calls(PATH)[0].param("query") == (
        'sum by (host) (tokseg_spent_usd{period="month"} and on (host, user, account) '
        f'(tokseg_last_success_timestamp_seconds >= {first}))')
    assert reading["spent"] == {"month": {"amount": 4.6, "currency": "USD"}}
    assert reading["notes"] == ["by host: build-01 3.35 USD, laptop 1.25 USD"]
    assert reading["models"] == []


def test_a_model_label_fills_the_per_model_figures(fake, session):
    fake.route("GET", PATH, vector(({"model": "claude-opus-4-5"}, "2.5"), ({"model": "claude-haiku-4-5"}, "0.25")))
    reading = figures(fetch(fake, session, "prometheus", preset="claude_code_cost"))
    assert reading["spent"]["today"] == {"amount": 2.75, "currency": "USD"}
    assert [(m["model"], m["spent"]["amount"]) for m in reading["models"]] == [
        ("claude-haiku-4-5", 0.25), ("claude-opus-4-5", 2.5)]
    since_midnight = NOW - datetime.fromtimestamp(NOW).astimezone().replace(
        hour=0, minute=0, second=0, microsecond=0).timestamp()
    assert fake.calls(PATH)[0].param("query") == (
        f"sum by (model) (increase(claude_code_cost_usage_USD_total[{max(60, int(since_midnight))}s]))")


def test_claude_code_tokens_by_type(fake, session):
    fake.route("GET", PATH, vector(({"type": "input"}, "1200"), ({"type": "output"}, "300"),
                                   ({"type": "cacheRead"}, "50000"), ({"type": "cacheCreation"}, "800"),
                                   ({"type": "other"}, "7")))
    reading = figures(fetch(fake, session, "prometheus", preset="claude_code_tokens"))
    assert reading["tokens"] == {"today": {"input": 1207, "output": 300, "cache_read": 50000, "cache_write": 800,
                                           "total": 52307}}
    assert reading["spent"] == {} and reading["headline"]["kind"] == "none"


def test_own_query_label_period_and_unit(fake, session):
    fake.route("GET", PATH, vector(({"user": "ann"}, "10"), ({"user": "bob"}, "NaN"), ({"user": "cy"}, "2.5")))
    reading = figures(fetch(fake, session, "prometheus", query='sum by (user) (tokseg_spent_eur{period="week"})',
                            label="user", period="week", unit="eur"))
    assert reading["spent"] == {"week": {"amount": 12.5, "currency": "EUR"}}  # NaN left out
    assert reading["notes"] == ["by user: ann 10.00 EUR, cy 2.50 EUR"]


def test_month_placeholder_and_a_scalar_answer(fake, session):
    fake.route("GET", PATH, {"status": "success", "data": {"resultType": "scalar", "result": [NOW, "7"]}})
    reading = figures(fetch(fake, session, "prometheus", query="scalar(sum(increase(x_total[$month])))"))
    assert reading["spent"] == {"today": {"amount": 7.0, "currency": "USD"}}
    assert "$month" not in fake.calls(PATH)[0].param("query")


def test_no_series_reports_nothing(fake, session):
    fake.route("GET", PATH, vector())
    reading = figures(fetch(fake, session, "prometheus"))
    assert reading["spent"] == {} and reading["headline"]["kind"] == "none"
    assert "matched no series" in reading["notes"][0]


def test_prometheus_error_text_is_kept_safe(fake, session):
    fake.route("GET", PATH, {"status": "error", "errorType": "bad_data", "error": "parse error\x1b[31m at char 4"})
    with pytest.raises(BadResponse, match=r"Prometheus refused the query: parse error\\x1b\[31m at char 4"):
        fetch(fake, session, "prometheus")


def test_http_400_carries_prometheus_error_text(fake, session):
    fake.fault(PATH, "body", body={"status": "error", "errorType": "bad_data",
                                   "error": 'invalid parameter "query": 1:5: parse error'}, status=400)
    with pytest.raises(BadResponse, match="parse error"):
        fetch(fake, session, "prometheus")


@pytest.mark.parametrize(("fault", "error"), [("401", AuthError), ("403", AuthError), ("503", ServerError),
                                              ("slow", NetworkError)])
def test_error_classes(fake, session, fault, error):
    fake.fault(PATH, fault, delay=2.0)
    with pytest.raises(error):
        fetch(fake, session, "prometheus")


def test_connection_refused_is_network(session):
    from tests.providers.conftest import make_ctx

    class Closed:
        url = "http://127.0.0.1:9"

    with pytest.raises(NetworkError, match="could not connect"):
        prometheus.fetch(make_ctx(Closed(), session, "prometheus"))  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [
    {"status": "success", "data": {"resultType": "matrix", "result": []}},
    {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [NOW, 3]}]}},
    {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [NOW, "lots"]}]}},
    {"status": "success", "data": {"resultType": "vector", "result": [{"value": [NOW, "1"]}]}},
    [],
])
def test_odd_answers_are_bad_responses(fake, session, body):
    fake.route("GET", PATH, body)
    with pytest.raises(BadResponse):
        fetch(fake, session, "prometheus")


def test_a_unit_that_is_no_currency_is_a_config_error(fake, session):
    with pytest.raises(ConfigError, match="unit 'dollars'"):
        fetch(fake, session, "prometheus", unit="dollars")
    assert not fake.calls()


def test_presets_sum_what_the_export_names():
    """The presets query the families tokseg.prometheus writes (a rename there must move them too)."""
    from tokseg import prometheus as export

    text = export.render({"accounts": {"a": {"status": "ok", "fetched_at": 1.0, "provider": "demo", "reading": {
        "spent": {"today": {"amount": 1.0, "currency": "USD"}, "month": {"amount": 2.0, "currency": "USD"}}}}}},
        export.Identity("h", "u"))
    assert 'tokseg_spent_usd{host="h",user="u",account="a",period="today"} 1.0' in text
    assert 'tokseg_spent_usd{host="h",user="u",account="a",period="month"} 2.0' in text
    assert all("tokseg_spent_usd" in p.query for name, p in prometheus.PRESETS.items() if name.startswith("spend"))
