"""Z.ai / Zhipu coding plan through the fake server: each window figure, the balance, each error class, the headers."""

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
from tests.fakeserver import Reply, default_routes, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.context import make_ctx as make_context
from tokseg.errors import AuthError, BadResponse, ConfigError, NetworkError, RateLimited, TokError
from tokseg.providers import zai
from tokseg.render import template

PATH = "/zai/api/monitor/usage/quota/limit"
BALANCE = "/zai/api/biz/account/query-customer-account-report"
KEY = SPECS["zai"].key
FIVE_END = NOW + 2 * 3600 + 1800  # as in tests/fixtures/zai/quota_limit.json
WEEK_END = 1773014400.0  # Monday 2026-03-09T00:00:00Z
MCP_END = 1773532800.0  # 2026-03-15T00:00:00Z
WINDOWS = [{"name": "5h", "used_pct": 14.0, "resets_at": FIVE_END, "length_s": 18000.0},
           {"name": "7d", "used_pct": 60.0, "resets_at": WEEK_END, "length_s": 604800.0},
           {"name": "mcp", "used_pct": 7.2, "resets_at": MCP_END, "length_s": None}]


def limit(index: int, **fields: Any) -> dict:
    """One limits[] entry of the fixture, with some fields replaced (None drops a field)."""
    base = dict(fixture("zai/quota_limit.json")["data"]["limits"][index])
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def answer(*limits: dict, **data: Any) -> dict:
    return {"code": 200, "msg": "Operation successful", "success": True, "data": {"limits": list(limits), **data}}


def windows(fake, session, body: Any, **options: Any) -> list[dict]:
    fake.route("GET", PATH, body, errors="zai")
    return figures(fetch(fake, session, "zai", **options))["windows"]


# --- figures -----------------------------------------------------------------------------------


def test_five_hour_weekly_and_mcp_windows_and_the_china_balance(fake, session):
    reading = figures(fetch(fake, session, "zai"))
    assert reading["windows"] == WINDOWS
    assert reading["headline"] == {"kind": "window", "key": "7d"}
    assert reading["balance"] == [{"amount": 42.5, "currency": "CNY"}]
    assert reading["notes"] == ["plan: pro"] and reading["spent"] == {}


def test_headers_sent_and_no_team_query(fake, session):
    fetch(fake, session, "zai")
    quota, report = fake.calls()
    assert (quota.path, report.path) == (PATH, BALANCE)
    for call in (quota, report):
        assert call.method == "GET" and call.query == {}
        assert call.headers["authorization"] == f"Bearer {KEY}"
        assert call.headers["accept"] == "application/json"
        assert "bigmodel-organization" not in call.headers and "bigmodel-project" not in call.headers


def test_a_team_plan_sends_both_ids_and_type_2(fake, session):
    fetch(fake, session, "zai", organization="org-7f3a", project="proj-19c2")
    call = fake.calls(PATH)[0]
    assert call.query == {"type": ["2"]}
    assert (call.headers["bigmodel-organization"], call.headers["bigmodel-project"]) == ("org-7f3a", "proj-19c2")


@pytest.mark.parametrize("team", [{"organization": "org-7f3a"}, {"project": "proj-19c2"}])
def test_one_team_id_alone_is_a_config_error(fake, session, team):
    with pytest.raises(ConfigError, match="needs both organization and project"):
        fetch(fake, session, "zai", **team)
    assert not fake.calls()


def test_the_global_region_and_balance_false_read_no_balance(fake, session):
    for options in ({"region": "global"}, {"balance": False}):
        fake.reset(default_routes())
        reading = figures(fetch(fake, session, "zai", **options))
        assert reading["balance"] == [] and reading["windows"] == WINDOWS
        assert [c.path for c in fake.calls()] == [PATH]


def test_the_counts_win_over_the_whole_percentage(fake, session):
    body = answer(limit(0, usage=1000, currentValue=233, percentage=23), limit(2, currentValue=None))
    assert [(w["name"], w["used_pct"]) for w in windows(fake, session, body)] == [("5h", 23.3), ("mcp", 7.0)]


def test_counts_that_do_not_add_up_fall_back_to_the_percentage(fake, session):
    body = answer(limit(2, currentValue=1200), limit(0, usage=0, currentValue=0),
                  limit(1, percentage=140, usage=None))
    assert [(w["name"], w["used_pct"]) for w in windows(fake, session, body)] == [("mcp", 7.0), ("5h", 14.0)]


def test_credit_windows_and_windows_without_a_known_length(fake, session):
    body = answer(limit(0, type="CREDIT_LIMIT"), limit(1, type="CREDIT_LIMIT"),
                  limit(0, unit=None), limit(0, unit=1, number=1), limit(0, unit=3, number=0),
                  limit(0, unit=6, number=100), limit(0), limit(0, type="FUTURE_LIMIT"), limit(2), limit(2))
    found = windows(fake, session, body)
    assert [(w["name"], w["length_s"]) for w in found] == [
        ("5h", 18000.0), ("7d", 604800.0), ("tokens", None), ("tokens-2", None), ("tokens-3", None),
        ("tokens-4", None), ("5h-2", 18000.0), ("mcp", None), ("mcp-2", None)]
    for window in found:
        assert re.fullmatch(template.NAME, f"glm.{window['name']}.pct")


def test_the_fullest_token_window_is_the_headline_not_mcp(fake, session):
    fake.route("GET", PATH, answer(limit(0, percentage=90), limit(1), limit(2, currentValue=999)), errors="zai")
    assert figures(fetch(fake, session, "zai"))["headline"] == {"kind": "window", "key": "5h"}
    fake.route("GET", PATH, answer(limit(2)), errors="zai")
    assert figures(fetch(fake, session, "zai"))["headline"] == {"kind": "window", "key": "mcp"}


def test_resets_in_the_past_or_beyond_belief_are_not_reported(fake, session):
    body = answer(limit(0, nextResetTime=(NOW - 60) * 1000), limit(1, nextResetTime=(NOW + 400 * 86400) * 1000),
                  limit(2, nextResetTime=int(MCP_END)))
    assert [w["resets_at"] for w in windows(fake, session, body)] == [None, None, MCP_END]


def test_no_windows_shows_the_balance_or_a_note(fake, session):
    fake.route("GET", PATH, answer(), errors="zai")
    reading = figures(fetch(fake, session, "zai"))
    assert reading["headline"] == {"kind": "balance", "key": ""} and reading["windows"] == []
    assert reading["notes"] == ["this key's account reports no coding-plan window"]
    reading = figures(fetch(fake, session, "zai", balance=False))
    assert reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == ["this key's account reports no coding-plan window"]


def test_plan_level_note_is_safe_text(fake, session):
    body = answer(limit(0), level="max\x1b[2J\n" + "x" * 80)
    fake.route("GET", PATH, body, errors="zai")
    (note,) = figures(fetch(fake, session, "zai", balance=False))["notes"]
    assert note.startswith("plan: max\\x1b[2J x") and len(note) <= 46 and "\x1b" not in note


# --- the balance never breaks the windows ------------------------------------------------------


@pytest.mark.parametrize("fault, kind", [("500", "server"), ("401", "auth"), ("html", "bad_response"),
                                         ("404", "bad_response")])
def test_a_failing_balance_is_a_note(fake, session, fault, kind):
    fake.fault(BALANCE, fault)
    reading = figures(fetch(fake, session, "zai"))
    assert reading["windows"] == WINDOWS and reading["balance"] == []
    assert reading["notes"] == ["plan: pro", f"prepaid balance not read ({kind})"]


@pytest.mark.parametrize("body", [
    {"code": 1001, "msg": "Header中未收到Authorization参数", "success": False},
    {"code": 200, "success": True, "data": {}},
    {"code": 200, "success": True, "data": {"availableBalance": "lots"}},
    {"code": 200, "success": True, "data": {"availableBalance": 1e13}},
    {"code": 200, "success": True},
    [42.5],
])
def test_an_odd_balance_answer_is_a_note(fake, session, body):
    fake.route("GET", BALANCE, body, errors="zai")
    reading = figures(fetch(fake, session, "zai"))
    assert reading["balance"] == [] and reading["windows"] == WINDOWS
    assert reading["notes"][-1].startswith("prepaid balance not read (")


def test_a_balance_owed_is_negative(fake, session):
    fake.route("GET", BALANCE, {"code": 200, "success": True, "data": {"availableBalance": -0.35}}, errors="zai")
    assert figures(fetch(fake, session, "zai"))["balance"] == [{"amount": -0.35, "currency": "CNY"}]


# --- the hosts ---------------------------------------------------------------------------------


class Unreachable(requests.Session):
    """A session that connects nowhere and remembers where it was asked to go."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(url)
        raise requests.ConnectionError("no network in tests")


@pytest.mark.parametrize("region, host", [("global", "api.z.ai"), ("cn", "open.bigmodel.cn")])
def test_region_picks_the_host_while_base_url_is_the_default(region, host):
    session = Unreachable()
    ctx = make_context("zai", "glm", zai.Options(region=region), secret=KEY, session=session, clock=lambda: NOW, env={})
    with pytest.raises(NetworkError, match=f"could not connect to {host}"):
        zai.fetch(ctx)
    assert session.urls == [f"https://{host}/api/monitor/usage/quota/limit"]


def test_the_china_balance_is_asked_at_the_console_host(monkeypatch):
    asked: list[str] = []

    def get_json(self, path, *, params=None, headers=None, base=None):
        asked.append(f"{base}{path}")
        return fixture("zai/quota_limit.json" if path == zai.PATH else "zai/account_report.json")

    monkeypatch.setattr("tokseg.net.Http.get_json", get_json)
    ctx = make_context("zai", "glm", zai.Options(region="cn"), secret=KEY, session=Unreachable(), clock=lambda: NOW,
                       env={})
    assert zai.fetch(ctx).balance[0].amount == 42.5
    assert asked == ["https://open.bigmodel.cn/api/monitor/usage/quota/limit",
                     "https://www.bigmodel.cn/api/biz/account/query-customer-account-report"]


def test_a_changed_base_url_wins_over_the_region():
    assert zai.api_root(zai.Options(base_url="https://glm-proxy.example", region="cn")) == "https://glm-proxy.example"
    with pytest.raises(ConfigError, match="region 'eu' is not one of: global, cn"):
        zai.api_root(zai.Options(region="eu"))


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_says_which_key_is_needed(fake, session, status):
    fake.fault(PATH, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "zai")
    assert caught.value.status == int(status)
    assert str(caught.value).startswith("Z.ai refused the key: it needs an API key of an account with a GLM Coding")
    assert 'region = "cn"' in str(caught.value)


@pytest.mark.parametrize("code", [401, 1000, 1001, 1002, 1003, 1004, "1002"])
def test_auth_codes_in_an_http_200_answer_are_auth(fake, session, code):
    body = {**fixture("zai/auth_failed.json"), "code": code}
    fake.route("GET", PATH, body, errors="zai")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "zai")
    assert str(caught.value).startswith("Z.ai refused the key")
    assert f"Z.ai answered code {code} (Header中未收到Authorization参数" in str(caught.value)


@pytest.mark.parametrize("code", [429, 1302, 1303, 1305])
def test_rate_codes_are_rate_limited(fake, session, code):
    fake.route("GET", PATH, {"code": code, "msg": "rate limit", "success": False}, errors="zai")
    with pytest.raises(RateLimited, match=rf"code {code} \(rate limit\)"):
        fetch(fake, session, "zai")


def test_other_codes_are_bad_response_with_a_safe_message(fake, session):
    hostile = f"套餐已到期\x1b[31m\nkey {KEY}\x07 " + "x" * 400
    fake.route("GET", PATH, {"code": 1309, "msg": hostile, "success": False}, errors="zai")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "zai")
    text = str(caught.value)
    assert text.startswith("zai quota/limit: Z.ai answered code 1309 (套餐已到期")
    assert "\x1b" not in text and "\n" not in text and "\x07" not in text and "\\x1b[31m" in text
    assert KEY not in text and KEY[-12:] not in text
    assert len(text) < 260


@pytest.mark.parametrize("body, message", [
    ([1, 2, 3], "the answer is not an object"),
    ({"data": {"limits": []}}, "the answer has neither success nor code"),
    ({"code": 200, "success": False, "msg": ["odd"]}, r"code 200 \(no message\)"),
    ({"code": 500, "success": True}, r"code 500 \(no message\)"),
    ({"code": 200, "success": True}, "field data is missing"),
    ({"code": 200, "success": True, "data": [1]}, "field data is not an object"),
    ({"success": True, "data": {}}, "field data.limits is missing"),
    ({"success": True, "data": {"limits": {"type": "TOKENS_LIMIT"}}}, "field data.limits is not a list"),
])
def test_malformed_bodies_are_bad_response(fake, session, body, message):
    fake.route("GET", PATH, body, errors="zai")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "zai")


def test_hostile_numbers_are_not_reported(fake, session):
    """NaN, infinity (1e400), negative and out-of-range values, a limit of 0: no window, never a crash."""
    odd = [
        '{"type": "TOKENS_LIMIT", "unit": 3, "number": 5, "percentage": NaN}',
        '{"type": "TOKENS_LIMIT", "unit": 3, "number": 5, "percentage": 1e400}',
        '{"type": "TOKENS_LIMIT", "unit": 3, "number": 5, "percentage": -3}',
        '{"type": "TIME_LIMIT", "usage": 0, "currentValue": 0}',
        '{"type": "TIME_LIMIT", "usage": 10, "currentValue": -1}',
        '{"type": "TIME_LIMIT", "usage": "ten", "currentValue": true, "percentage": "x"}',
        '{"type": ["TOKENS_LIMIT"], "percentage": 5}', '"not an entry"', "null", "[]",
    ]
    good = ('{"type": "TOKENS_LIMIT", "unit": 1e300, "number": 1e300, "usage": 1e300, "currentValue": 2.5e299,'
            ' "nextResetTime": 1e300}')
    raw = '{"code": 200, "success": true, "data": {"limits": [' + ", ".join([*odd, good]) + "]}}"
    fake.route("GET", PATH, Reply(200, raw.encode(), content_type="application/json"), errors="zai")
    reading = figures(fetch(fake, session, "zai", balance=False))
    assert reading["windows"] == [{"name": "tokens", "used_pct": 25.0, "resets_at": None, "length_s": None}]
    json.dumps(reading, allow_nan=False)


junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
        | st.sampled_from(["12", "1e400", "NaN", "", "3", "TOKENS_LIMIT", "TIME_LIMIT", "CREDIT_LIMIT"])
        | st.lists(st.integers(), max_size=2))
FIELDS = ["type", "unit", "number", "usage", "currentValue", "remaining", "percentage", "nextResetTime"]


@settings(max_examples=200, deadline=None)
@given(limits=st.lists(st.dictionaries(st.sampled_from(FIELDS), junk), max_size=5),
       envelope=st.dictionaries(st.sampled_from(["code", "success", "msg"]), junk))
def test_parser_on_random_entries(limits, envelope):
    try:
        found, _ = zai.parse({**envelope, "data": {"limits": limits}}, NOW)
    except TokError:
        return
    names = [w.name for w in found]
    assert len(names) == len(set(names))
    for window in found:
        assert 0.0 <= window.used_pct <= 100.0
        assert re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or NOW < window.resets_at <= NOW + zai.MAX_AHEAD
        assert window.length_s is None or 0 < window.length_s <= zai.MAX_AHEAD
    json.dumps(zai.reading(found, [], ()).to_dict(), allow_nan=False)


# --- discovery ---------------------------------------------------------------------------------


def test_detect_offers_a_key_in_another_tools_variable():
    none = lambda argv, timeout: None  # noqa: E731
    (found,) = zai.detect({"ZHIPUAI_API_KEY": KEY, "BIGMODEL_API_KEY": "other"}, none)
    assert (found.provider, found.account, found.key_env, found.where, found.options) == \
        ("zai", "zai", "ZHIPUAI_API_KEY", "$ZHIPUAI_API_KEY", {"region": "cn"})
    assert KEY not in repr(found)
    (found,) = zai.detect({"Z_AI_API_KEY": KEY, "ZHIPU_API_KEY": KEY}, none)
    assert (found.key_env, found.options) == ("Z_AI_API_KEY", {})
    assert zai.detect({"ZAI_API_KEY": KEY, "ZHIPUAI_API_KEY": KEY}, none) == []
    assert zai.detect({"ZHIPUAI_API_KEY": "  "}, none) == []


# --- through the CLI ---------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    now = time.time()
    fake.route("GET", PATH, answer(limit(0, nextResetTime=int((now + 72 * 60 + 30) * 1000)),
                                   limit(1, nextResetTime=int((now + 3 * 86400 + 30) * 1000)), limit(2),
                                   level="pro"), errors="zai")
    added = run_tokseg("add", "zai", "--name", "glm", "--base-url", fake.url + "/zai", "-o", "region=cn",
                       input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added glm (zai): 7d 60% ↻3d")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "glm 7d 60% ↻3d"
    shown = run_tokseg("--template", "{glm.5h.pct:.0f}% {glm.5h.reset} | week {glm.7d.pct:.0f}% | {glm.balance}")
    assert shown.stdout.strip() == "14% 1h12m | week 60% | ¥42.50"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "7d", "mcp"]
    assert [c.headers["authorization"] for c in fake.calls(PATH)] == [f"Bearer {KEY}"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
