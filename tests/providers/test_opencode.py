"""OpenCode Go through the fake server: each window figure, each error class, the headers, the CLI."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import Reply, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, RateLimited, ServerError, TokError
from tokseg.providers import opencode
from tokseg.render import template

PATH = "/opencode/zen/go/v1/usage"
KEY = SPECS["opencode"].key
ROLLING_END = NOW + 2 * 3600 + 1800  # as in tests/fixtures/opencode/usage.json
WEEK_END = 1773014400.0  # Monday 2026-03-09T00:00:00Z
MONTH_END = 1773675736.0  # 2026-03-16T15:42:16Z


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def usage(**windows: Any) -> dict:
    """The fixture's answer with some windows replaced (None drops one)."""
    base = dict(fixture("opencode/usage.json")["usage"])
    base.update(windows)
    return {"usage": {k: v for k, v in base.items() if v is not None}}


def read(fake, session, body: Any) -> dict:
    fake.route("GET", PATH, body, errors="opencode")
    return figures(fetch(fake, session, "opencode"))


# --- figures -----------------------------------------------------------------------------------


def test_rolling_weekly_and_monthly_windows(fake, session):
    reading = figures(fetch(fake, session, "opencode"))
    assert reading["windows"] == [
        {"name": "5h", "used_pct": 12.0, "resets_at": ROLLING_END, "length_s": 18000.0},
        {"name": "7d", "used_pct": 34.5, "resets_at": WEEK_END, "length_s": 604800.0},
        {"name": "month", "used_pct": 21.0, "resets_at": MONTH_END, "length_s": None},
    ]
    assert reading["headline"] == {"kind": "window", "key": "7d"}
    assert reading["notes"] == [] and reading["balance"] == [] and reading["spent"] == {}


def test_headers_sent_and_one_request(fake, session):
    fetch(fake, session, "opencode")
    (call,) = fake.calls()
    assert call.path == PATH and call.method == "GET" and call.query == {}
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["accept"] == "application/json"


def test_percent_is_already_a_percentage(fake, session):
    """1 means 1 %, 0.5 means 0.5 %: never rescaled as a fraction."""
    body = usage(rolling={"status": "ok", "percent": 1, "resetsAt": iso(ROLLING_END)},
                 weekly={"status": "ok", "percent": 0.5, "resetsAt": iso(WEEK_END)})
    assert [w["used_pct"] for w in read(fake, session, body)["windows"]] == [1.0, 0.5, 21.0]


def test_the_fullest_window_is_the_headline_the_first_of_equals(fake, session):
    body = usage(monthly={"status": "ok", "percent": 80, "resetsAt": iso(MONTH_END)})
    assert read(fake, session, body)["headline"] == {"kind": "window", "key": "month"}
    body = usage(rolling={"percent": 34.5}, monthly={"percent": 34.5})
    assert read(fake, session, body)["headline"] == {"kind": "window", "key": "5h"}


def test_a_window_not_ok_gets_a_note_and_keeps_its_percent(fake, session):
    body = usage(rolling={"status": "rate-limited", "percent": 99.6, "resetsAt": iso(ROLLING_END)})
    reading = read(fake, session, body)
    assert reading["windows"][0] == {"name": "5h", "used_pct": 99.6, "resets_at": ROLLING_END, "length_s": 18000.0}
    assert reading["notes"] == ["5h window: rate-limited"]


def test_left_out_windows_are_not_shown(fake, session):
    reading = read(fake, session, usage(weekly=None, monthly=None))
    assert [w["name"] for w in reading["windows"]] == ["5h"]
    assert reading["headline"] == {"kind": "window", "key": "5h"}


@pytest.mark.parametrize("body", [{"usage": None}, {"usage": {}}, {"usage": {"rolling": {"status": "ok"}}}])
def test_no_readable_window_is_a_note(fake, session, body):
    reading = read(fake, session, body)
    assert reading["windows"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == ["OpenCode reported no Go window for this key (no Go subscription?)"]


def test_the_older_form_with_reset_in_seconds(fake, session):
    body = {"rollingUsage": {"usagePercent": 40, "resetInSec": 5400},
            "weeklyUsage": {"usagePercent": 10.5, "resetInSec": 86400},
            "monthlyUsage": 123400000000}  # a Zen billing figure, not a window
    assert read(fake, session, body)["windows"] == [
        {"name": "5h", "used_pct": 40.0, "resets_at": NOW + 5400, "length_s": 18000.0},
        {"name": "7d", "used_pct": 10.5, "resets_at": NOW + 86400, "length_s": 604800.0},
    ]


def test_reset_in_epoch_numbers_past_or_beyond_belief(fake, session):
    body = usage(rolling={"percent": 5, "resetsAt": int(ROLLING_END * 1000)},
                 weekly={"percent": 5, "resetsAt": iso(NOW - 60), "resetInSec": 3600},
                 monthly={"percent": 5, "resetsAt": iso(NOW + 400 * 86400)})
    assert [w["resets_at"] for w in read(fake, session, body)["windows"]] == [ROLLING_END, NOW + 3600, None]


def test_odd_percentages_are_not_reported(fake, session):
    body = usage(rolling={"percent": -1}, weekly={"percent": "12.5"}, monthly={"percent": 5000})
    assert [(w["name"], w["used_pct"]) for w in read(fake, session, body)["windows"]] == [("7d", 12.5)]


def test_hostile_numbers_are_not_reported(fake, session):
    raw = ('{"usage": {"rolling": {"percent": NaN}, "weekly": {"percent": 1e400, "resetsAt": 1e400},'
           ' "monthly": {"percent": 7, "resetsAt": "tomorrow", "resetInSec": -Infinity}}}')
    fake.route("GET", PATH, Reply(200, raw.encode(), content_type="application/json"), errors="opencode")
    reading = figures(fetch(fake, session, "opencode"))
    assert reading["windows"] == [{"name": "month", "used_pct": 7.0, "resets_at": None, "length_s": None}]
    json.dumps(reading, allow_nan=False)


def test_status_text_from_the_server_is_made_safe(fake, session):
    hostile = "limited\x1b[31m\n" + "x" * 200
    notes = read(fake, session, usage(rolling={"status": hostile, "percent": 1}))["notes"]
    assert notes[0].startswith("5h window: limited\\x1b[31m") and "\n" not in notes[0] and len(notes[0]) < 60


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_says_which_key_is_needed(fake, session, status):
    fake.fault(PATH, status, message="Invalid API key.")
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "opencode")
    assert caught.value.status == int(status)
    text = str(caught.value)
    assert text.startswith("OpenCode refused the key: it needs an API key of the workspace with OpenCode Go")
    assert "https://opencode.ai/auth" in text and KEY not in text


def test_429_is_rate_limited_and_5xx_server(fake, session):
    fake.fault(PATH, "429", retry_after="30")
    with pytest.raises(RateLimited):
        fetch(fake, session, "opencode")
    fake.fault(PATH, "503")
    with pytest.raises(ServerError):
        fetch(fake, session, "opencode")


@pytest.mark.parametrize("body, message", [
    ([1, 2], "the answer is not an object"),
    ({"rolling": {"percent": 3}}, "field usage is missing"),
    ({}, "field usage is missing"),
])
def test_malformed_bodies_are_bad_response(fake, session, body, message):
    fake.route("GET", PATH, body, errors="opencode")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "opencode")


junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
        | st.sampled_from(["12", "1e400", "NaN", "", "ok", "rate-limited", "2026-03-02T13:00:00Z"]))
window = st.dictionaries(st.sampled_from(["status", "percent", "resetsAt", "usagePercent", "resetInSec"]), junk)


@settings(max_examples=200, deadline=None)
@given(inner=st.dictionaries(st.sampled_from(["rolling", "weekly", "monthly", "other"]), window | junk),
       outer=st.dictionaries(st.sampled_from(["rollingUsage", "weeklyUsage", "monthlyUsage"]), window | junk))
def test_parser_on_random_windows(inner, outer):
    try:
        reading = opencode.parse({"usage": inner, **outer}, NOW)
    except TokError:
        return
    names = [w.name for w in reading.windows]
    assert len(names) == len(set(names)) and set(names) <= {"5h", "7d", "month"}
    for w in reading.windows:
        assert 0.0 <= w.used_pct <= opencode.MAX_PCT and re.fullmatch(template.NAME, f"oc.{w.name}.pct")
        assert w.resets_at is None or NOW < w.resets_at <= NOW + opencode.MAX_AHEAD
    json.dumps(reading.to_dict(), allow_nan=False)


# --- discovery ---------------------------------------------------------------------------------


def test_detect_offers_the_other_tools_variable_only_when_ours_is_unset():
    (found,) = opencode.detect({"OPENCODE_GO_API_KEY": KEY}, lambda argv, timeout: None)
    assert (found.provider, found.account, found.key_env, found.where) == \
        ("opencode", "opencode", "OPENCODE_GO_API_KEY", "$OPENCODE_GO_API_KEY")
    assert KEY not in repr(found)
    assert opencode.detect({"OPENCODE_GO_API_KEY": KEY, "OPENCODE_API_KEY": KEY}, lambda argv, timeout: None) == []
    assert opencode.detect({"OPENCODE_GO_API_KEY": " "}, lambda argv, timeout: None) == []


# --- through the CLI ---------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    now = time.time()
    fake.route("GET", PATH, usage(rolling={"status": "ok", "percent": 12, "resetsAt": iso(now + 72 * 60 + 30)},
                                  weekly={"status": "ok", "percent": 40, "resetsAt": iso(now + 3 * 86400 + 30)},
                                  monthly={"status": "ok", "percent": 21, "resetsAt": iso(now + 20 * 86400)}),
               errors="opencode")
    fake.require_key("/opencode/", "Authorization", f"Bearer {KEY}")
    refused = run_tokseg("add", "opencode", "--name", "oc", "--base-url", fake.url + "/opencode",
                         input="sk-wrong-key\n")
    assert refused.returncode == 1 and "OpenCode refused the key" in refused.stderr
    assert not config_file.exists()

    added = run_tokseg("add", "opencode", "--name", "oc", "--base-url", fake.url + "/opencode", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added oc (opencode): 7d 40% ↻3d")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "oc 7d 40% ↻3d"
    shown = run_tokseg("--template", "{oc.5h.pct:.0f}% {oc.5h.reset} | month {oc.month.pct:.0f}%")
    assert shown.stdout.strip() == "12% 1h12m | month 21%"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "7d", "month"]
    assert [c.headers["authorization"] for c in fake.calls(PATH)][-2:] == [f"Bearer {KEY}"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
