"""MiniMax coding plan through the fake server: each window figure, each error class, the hosts and the headers."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import Reply, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, BadResponse, NetworkError, RateLimited, TokError
from tokseg.providers import minimax
from tokseg.render import template

PATH = "/minimax/v1/api/openplatform/coding_plan/remains"
FALLBACK = "/minimax/v1/token_plan/remains"
KEY = SPECS["minimax"].key
INTERVAL_END = NOW + 2 * 3600 + 1800  # as in tests/fixtures/minimax/*.json
WEEK_END = 1773014400.0  # Monday 2026-03-09T00:00:00Z


def entry(**fields: Any) -> dict:
    """One model_remains entry of the fixture, with some fields replaced (None drops a field)."""
    base = dict(fixture("minimax/remains.json")["model_remains"][0])
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def answer(*entries: dict, status: int = 0) -> dict:
    return {"model_remains": list(entries), "base_resp": {"status_code": status, "status_msg": "success"}}


def windows(fake, session, body: Any, **options: Any) -> list[dict]:
    fake.route("GET", PATH, body, errors="minimax")
    return figures(fetch(fake, session, "minimax", **options))["windows"]


# --- figures -----------------------------------------------------------------------------------


def test_interval_and_weekly_window_of_the_plan(fake, session):
    reading = figures(fetch(fake, session, "minimax"))
    assert reading["windows"] == [{"name": "m2", "used_pct": 12.0, "resets_at": INTERVAL_END, "length_s": None},
                                  {"name": "m2.week", "used_pct": 40.0, "resets_at": WEEK_END, "length_s": 604800.0}]
    assert reading["headline"] == {"kind": "window", "key": "m2.week"}
    assert reading["notes"] == [] and reading["balance"] == [] and reading["spent"] == {}


def test_headers_sent_and_only_the_coding_plan_path_asked(fake, session):
    fetch(fake, session, "minimax")
    (call,) = fake.calls()
    assert call.path == PATH and call.method == "GET"
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["accept"] == "application/json"
    assert call.query == {}


def test_group_id_goes_in_the_query(fake, session):
    fetch(fake, session, "minimax", group_id="1893000000000000001")
    assert fake.calls(PATH)[0].query == {"GroupId": ["1893000000000000001"]}


def test_without_percentages_the_usage_count_is_read_as_what_is_left(fake, session):
    body = answer(entry(current_interval_remaining_percent=None, current_weekly_remaining_percent=None))
    assert [(w["name"], w["used_pct"]) for w in windows(fake, session, body)] == [("m2", 12.0), ("m2.week", 40.0)]


def test_the_remaining_percent_wins_over_counts_that_disagree(fake, session):
    body = answer(entry(current_interval_remaining_percent=30, current_interval_usage_count=1500))
    assert windows(fake, session, body)[0]["used_pct"] == 70.0


def test_the_fullest_window_is_the_headline(fake, session):
    body = answer(entry(current_interval_remaining_percent=5))
    fake.route("GET", PATH, body, errors="minimax")
    assert figures(fetch(fake, session, "minimax"))["headline"] == {"kind": "window", "key": "m2"}


def test_windows_per_model_named_for_templates(fake, session):
    models = ["MiniMax-M2.5", "MiniMax-M*", "MiniMax-M2.5", 42, "视频", "speech-02-HD", "x" * 60]
    names = [w["name"] for w in windows(fake, session, answer(*[entry(model_name=m) for m in models]))
             if not w["name"].endswith(".week")]
    assert names == ["m2-5", "m", "m2-5-2", "model4", "model5", "speech-02-hd", "x" * 24]
    for name in names:
        assert re.fullmatch(template.NAME, f"mm.{name}.week.pct")


def test_unlimited_and_unreported_windows_are_left_out(fake, session):
    body = answer(entry(model_name="MiniMax-M2", current_weekly_status=3),
                  entry(model_name="image", current_interval_remaining_percent=None, current_interval_total_count=0,
                        current_weekly_remaining_percent=None, current_weekly_total_count=0))
    assert [w["name"] for w in windows(fake, session, body)] == ["m2"]


def test_a_plan_without_limited_windows_or_without_models_is_a_note(fake, session):
    fake.route("GET", PATH, answer(entry(current_interval_status=3, current_weekly_status=3)), errors="minimax")
    reading = figures(fetch(fake, session, "minimax"))
    assert reading["windows"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == ["the plan reports no limited window"]
    fake.route("GET", PATH, answer(), errors="minimax")
    assert figures(fetch(fake, session, "minimax"))["notes"] == ["this key has no coding plan (no models in the answer)"]


def test_reset_from_the_time_left_when_the_end_is_missing_or_past(fake, session):
    body = answer(entry(end_time=None, remains_time=600000, weekly_end_time=(NOW - 60) * 1000,
                        weekly_remains_time=3600000))
    assert [w["resets_at"] for w in windows(fake, session, body)] == [NOW + 600, NOW + 3600]


def test_reset_in_seconds_or_beyond_belief(fake, session):
    body = answer(entry(end_time=int(INTERVAL_END), weekly_end_time=(NOW + 400 * 86400) * 1000,
                        weekly_remains_time=None))
    assert [w["resets_at"] for w in windows(fake, session, body)] == [INTERVAL_END, None]


def test_answer_nested_under_data(fake, session):
    body = {"data": fixture("minimax/remains.json")}
    assert [w["name"] for w in windows(fake, session, body)] == ["m2", "m2.week"]
    body = {"data": {"model_remains": [entry()]}, "base_resp": {"status_code": 1004, "status_msg": "x"}}
    fake.route("GET", PATH, body, errors="minimax")
    with pytest.raises(AuthError):
        fetch(fake, session, "minimax")


# --- the token plan path and the hosts ---------------------------------------------------------


def test_a_404_is_asked_again_at_the_token_plan_path(fake, session):
    fake.fault(PATH, "404")
    reading = figures(fetch(fake, session, "minimax"))
    assert reading["windows"] == [{"name": "general", "used_pct": 25.0, "resets_at": INTERVAL_END, "length_s": None},
                                  {"name": "general.week", "used_pct": 10.0, "resets_at": WEEK_END,
                                   "length_s": 604800.0}]
    assert reading["headline"] == {"kind": "window", "key": "general"}
    assert [c.path for c in fake.calls()] == [PATH, FALLBACK]
    assert fake.calls(FALLBACK)[0].headers["authorization"] == f"Bearer {KEY}"


def test_404_on_both_paths_is_bad_response(fake, session):
    for path in (PATH, FALLBACK):
        fake.fault(path, "404")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "minimax")
    assert caught.value.status == 404 and len(fake.calls()) == 2


def test_other_http_errors_are_not_asked_again(fake, session):
    fake.fault(PATH, "500")
    with pytest.raises(TokError):
        fetch(fake, session, "minimax")
    assert [c.path for c in fake.calls()] == [PATH]


class Unreachable(requests.Session):
    """A session that connects nowhere and remembers where it was asked to go."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(url)
        raise requests.ConnectionError("no network in tests")


@pytest.mark.parametrize("region, host", [("global", "api.minimax.io"), ("cn", "api.minimaxi.com")])
def test_region_picks_the_host_while_base_url_is_the_default(region, host):
    session = Unreachable()
    ctx = make_context("minimax", "mm", minimax.Options(region=region), secret=KEY, session=session,
                       clock=lambda: NOW, env={})
    with pytest.raises(NetworkError, match=f"could not connect to {host}"):
        minimax.fetch(ctx)
    assert session.urls == [f"https://{host}/v1/api/openplatform/coding_plan/remains"]


def test_a_changed_base_url_wins_over_the_region(fake, session):
    assert [w["name"] for w in figures(fetch(fake, session, "minimax", region="cn"))["windows"]] == ["m2", "m2.week"]
    assert minimax.api_root(minimax.Options(base_url="https://platform.minimax.io", region="cn")) == \
        "https://platform.minimax.io"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_says_which_key_is_needed(fake, session, status):
    fake.fault(PATH, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "minimax")
    assert caught.value.status == int(status)
    assert str(caught.value).startswith("MiniMax refused the key: it needs a coding-plan key sk-cp-…")
    assert 'region = "cn"' in str(caught.value)


def test_status_1004_is_auth_with_the_servers_message(fake, session):
    fake.route("GET", PATH, fixture("minimax/login_fail.json"), errors="minimax")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "minimax")
    text = str(caught.value)
    assert text.startswith("MiniMax refused the key")
    assert "status_code 1004 (login fail: Please carry the API secret key" in text


def test_status_1002_is_rate_limited(fake, session):
    fake.route("GET", PATH, {"base_resp": {"status_code": 1002, "status_msg": "rate limit"}}, errors="minimax")
    with pytest.raises(RateLimited, match=r"status_code 1002 \(rate limit\)"):
        fetch(fake, session, "minimax")


def test_other_status_codes_are_bad_response_with_a_safe_message(fake, session):
    hostile = f"invalid params\x1b[31m\nkey {KEY}\x07 " + "x" * 400
    fake.route("GET", PATH, {"base_resp": {"status_code": 2013, "status_msg": hostile}}, errors="minimax")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "minimax")
    text = str(caught.value)
    assert text.startswith("minimax coding_plan/remains: MiniMax answered status_code 2013 (invalid params")
    assert "\x1b" not in text and "\n" not in text and "\x07" not in text and "\\x1b[31m" in text
    assert KEY not in text and KEY[-12:] not in text
    assert len(text) < 260


@pytest.mark.parametrize("base_resp, message", [
    ({"status_code": "abc"}, "base_resp.status_code is not a number"),
    ({"status_code": 1000}, r"status_code 1000 \(no message\)"),
    ({"status_code": 1e300, "status_msg": ["not", "text"]}, r"status_code 1e\+300 \(no message\)"),
])
def test_odd_status_codes(fake, session, base_resp, message):
    fake.route("GET", PATH, {"base_resp": base_resp, "model_remains": []}, errors="minimax")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "minimax")


@pytest.mark.parametrize("body, message", [
    ([1, 2, 3], "the answer is not an object"),
    ({"base_resp": {"status_code": 0}}, "field model_remains is missing"),
    ({"model_remains": {"model_name": "MiniMax-M2"}}, "field model_remains is not a list"),
    ({"model_remains": "MiniMax-M2"}, "field model_remains is not a list"),
])
def test_malformed_bodies_are_bad_response(fake, session, body, message):
    fake.route("GET", PATH, body, errors="minimax")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "minimax")


def test_hostile_numbers_are_not_reported(fake, session):
    """NaN, infinity (1e400), negative and out-of-range counts, a total of 0: no window, never a crash."""
    odd = [
        '{"model_name": "a", "current_interval_total_count": NaN, "current_interval_usage_count": 1}',
        '{"model_name": "b", "current_interval_total_count": 1e400, "current_interval_usage_count": 1}',
        '{"model_name": "c", "current_interval_total_count": 0, "current_interval_usage_count": 0}',
        '{"model_name": "d", "current_interval_total_count": 10, "current_interval_usage_count": -1}',
        '{"model_name": "e", "current_interval_total_count": 10, "current_interval_usage_count": 11}',
        '{"model_name": "f", "current_interval_remaining_percent": 250, "current_weekly_remaining_percent": -Infinity}',
        '{"model_name": "g", "current_interval_total_count": "ten", "current_interval_usage_count": true}',
        '"not an entry"', "null", "[]",
    ]
    good = ('{"model_name": "big", "current_interval_total_count": 1e300, "current_interval_usage_count": 2.5e299,'
            ' "end_time": 1e300, "remains_time": -5}')
    raw = '{"base_resp": {"status_code": 0}, "model_remains": [' + ", ".join([*odd, good]) + "]}"
    fake.route("GET", PATH, Reply(200, raw.encode(), content_type="application/json"), errors="minimax")
    reading = figures(fetch(fake, session, "minimax"))
    assert reading["windows"] == [{"name": "big", "used_pct": 75.0, "resets_at": None, "length_s": None}]
    json.dumps(reading, allow_nan=False)


numbers_and_junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
                    | st.sampled_from(["12", "1e400", "NaN", "", "3"]) | st.lists(st.integers(), max_size=2))
FIELDS = [f"{prefix}_{field}" for prefix in ("current_interval", "current_weekly")
          for field in ("total_count", "usage_count", "remaining_percent", "status")]
FIELDS += ["model_name", "end_time", "remains_time", "weekly_end_time", "weekly_remains_time"]


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.dictionaries(st.sampled_from(FIELDS), numbers_and_junk), max_size=4),
       base_resp=st.dictionaries(st.sampled_from(["status_code", "status_msg"]), numbers_and_junk))
def test_parser_on_random_entries(entries, base_resp):
    try:
        reading = minimax.parse({"base_resp": base_resp, "model_remains": entries}, NOW)
    except TokError:
        return
    names = [w.name for w in reading.windows]
    assert len(names) == len(set(names))
    for window in reading.windows:
        assert 0.0 <= window.used_pct <= 100.0
        assert re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or NOW < window.resets_at <= NOW + minimax.MAX_AHEAD
    json.dumps(reading.to_dict(), allow_nan=False)


# --- key kind and discovery --------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk-api-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"])
def test_a_pay_as_you_go_key_is_explained(key):
    assert minimax.key_problem(key) == ("this does not look like a MiniMax coding-plan key (they start sk-cp-…); "
                                        "create one at https://platform.minimax.io/user-center/payment/coding-plan")
    assert minimax.key_problem(KEY) is None


def test_detect_offers_a_coding_plan_key_in_the_other_tools_variable():
    (found,) = minimax.detect({"MINIMAX_API_KEY": KEY}, lambda argv, timeout: None)
    assert (found.provider, found.account, found.key_env, found.where) == \
        ("minimax", "minimax", "MINIMAX_API_KEY", "$MINIMAX_API_KEY")
    assert KEY not in repr(found)
    assert minimax.detect({"MINIMAX_API_KEY": "sk-api-Zm9vYmFy"}, lambda argv, timeout: None) == []
    assert minimax.detect({"MINIMAX_API_KEY": KEY, "MINIMAX_CODING_API_KEY": KEY}, lambda argv, timeout: None) == []


# --- through the CLI ---------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    now = time.time()
    fake.route("GET", PATH, answer(entry(end_time=int((now + 72 * 60 + 30) * 1000),
                                         weekly_end_time=int((now + 3 * 86400 + 30) * 1000))), errors="minimax")
    refused = run_tokseg("add", "minimax", "--base-url", fake.url + "/minimax", input="sk-api-Zm9vYmFyYmF6\n")
    assert refused.returncode == 1
    assert "this does not look like a MiniMax coding-plan key (they start sk-cp-…)" in refused.stderr
    assert not fake.calls() and not config_file.exists()

    added = run_tokseg("add", "minimax", "--name", "mm", "--base-url", fake.url + "/minimax", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added mm (minimax): m2.week 40% ↻3d")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "mm m2.week 40% ↻3d"
    shown = run_tokseg("--template", "{mm.m2.pct:.0f}% {mm.m2.reset} | week {mm.m2.week.pct:.0f}%")
    assert shown.stdout.strip() == "12% 1h12m | week 40%"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["m2", "m2.week"]
    assert [c.headers["authorization"] for c in fake.calls(PATH)] == [f"Bearer {KEY}"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
