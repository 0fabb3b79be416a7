"""Cline through the fake server: balance, spend, plan windows, the organisation mode, each error class, the headers."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import Reply
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, ConfigError, NetworkError, RateLimited, ServerError, TokError
from tokseg.providers import cline
from tokseg.render import template

KEY = SPECS["cline"].key
USER = "usr_01JM8Q4Z7XK2N5R9T3V6W8Y0AB"
ORG = "org_01JM9Z8Y7X6W5V4T3S2R1Q0P9N"
MEMBER = "mem_01JM9A1B2C3D4E5F6G7H8J9K0L"
ME = "/cline/api/v1/users/me"
BALANCE = f"/cline/api/v1/users/{USER}/balance"
USAGES = f"/cline/api/v1/users/{USER}/usages"
PLAN = "/cline/api/v1/users/me/plan/usage-limits"
ORG_BALANCE = f"/cline/api/v1/organizations/{ORG}/balance"
ORG_USAGES = f"/cline/api/v1/organizations/{ORG}/members/{MEMBER}/usages"
FIVE_H_END = 1772461800.0  # 2026-03-02T14:30:00Z
WEEK_END = 1773014400.0  # 2026-03-09T00:00:00Z
MONTH_END = 1775001600.0  # 2026-04-01T00:00:00Z
WINDOWS = [{"name": "5h", "used_pct": 42.0, "resets_at": FIVE_H_END, "length_s": 18000.0},
           {"name": "7d", "used_pct": 18.5, "resets_at": WEEK_END, "length_s": 604800.0},
           {"name": "month", "used_pct": 7.0, "resets_at": MONTH_END, "length_s": None}]


def usd(amount: float) -> dict:
    return {"amount": amount, "currency": "USD"}


def ok(data: Any) -> dict:
    return {"success": True, "data": data}


def limits(*entries: dict) -> dict:
    return ok({"limits": list(entries)})


def items(*entries: dict) -> dict:
    return ok({"items": list(entries)})


def read(fake, session, **options: Any) -> dict:
    return figures(fetch(fake, session, "cline", **options))


# --- figures -----------------------------------------------------------------------------------


def test_balance_spend_and_plan_windows(fake, session):
    reading = read(fake, session)
    assert reading["balance"] == [usd(12.345678)]
    assert reading["spent"] == {"today": usd(1.5), "month": usd(4.5)}
    assert reading["windows"] == WINDOWS
    assert reading["headline"] == {"kind": "window", "key": "5h"}
    assert reading["notes"] == [] and reading["tokens"] == {}


def test_requests_and_headers(fake, session):
    fetch(fake, session, "cline")
    assert [c.path for c in fake.calls()] == [ME, BALANCE, USAGES, PLAN]
    for call in fake.calls():
        assert call.method == "GET" and call.query == {}
        assert call.headers["authorization"] == f"Bearer {KEY}"
        assert call.headers["accept"] == "application/json"


def test_the_organization_balance_and_your_spend_in_it(fake, session):
    reading = read(fake, session, organization_id=ORG)
    assert reading["balance"] == [usd(250.0)]
    assert reading["spent"] == {"today": usd(0.75), "month": usd(2.75)}
    assert reading["windows"] == WINDOWS
    assert [c.path for c in fake.calls()] == [ME, ORG_BALANCE, ORG_USAGES, PLAN]


def test_an_organization_you_are_not_listed_in_gives_its_balance_without_spend(fake, session):
    other = "org_someone_else"
    fake.route("GET", "/cline/api/v1/organizations/{org}/balance", ok({"balance": 1_000_000}), errors="cline")
    reading = read(fake, session, organization_id=other)
    assert reading["balance"] == [usd(1.0)] and reading["spent"] == {}
    assert reading["notes"] == ["spend not reported: users/me does not list you as a member of this organization"]


@pytest.mark.parametrize("org", ["../admin", "org/1", "org id", "-x"])
def test_an_organization_id_that_is_no_id_is_config(fake, session, org):
    with pytest.raises(ConfigError, match="organization_id"):
        fetch(fake, session, "cline", organization_id=org)
    assert not fake.calls()


@pytest.mark.parametrize("status", ["401", "403", "404"])
def test_no_plan_means_no_windows_and_no_error(fake, session, status):
    fake.fault(PLAN, status)
    reading = read(fake, session)
    assert reading["windows"] == [] and reading["notes"] == []
    assert reading["balance"] == [usd(12.345678)]
    assert reading["headline"] == {"kind": "balance", "key": ""}


def test_without_a_balance_the_headline_is_spend_this_month(fake, session):
    fake.fault(PLAN, "404")
    fake.route("GET", "/cline/api/v1/users/{user}/balance", ok({"userId": USER}), errors="cline")
    reading = read(fake, session)
    assert reading["balance"] == [] and reading["headline"] == {"kind": "spent", "key": "month"}
    assert reading["notes"] == ["Cline reported no readable balance"]


def test_a_negative_balance_is_money_owed(fake, session):
    fake.route("GET", "/cline/api/v1/users/{user}/balance", ok({"balance": "-2500000"}), errors="cline")
    assert read(fake, session)["balance"] == [usd(-2.5)]


@pytest.mark.parametrize("balance", ["null", '"ten"', "true", "[1]", "1e400", "NaN"])
def test_an_odd_balance_is_not_reported(fake, session, balance):
    raw = '{"success": true, "data": {"balance": ' + balance + "}}"
    fake.route("GET", "/cline/api/v1/users/{user}/balance", Reply(200, raw.encode(), content_type="application/json"),
               errors="cline")
    reading = read(fake, session)
    assert reading["balance"] == [] and "Cline reported no readable balance" in reading["notes"]


def test_spend_without_any_usage_is_zero(fake, session):
    fake.route("GET", "/cline/api/v1/users/{user}/usages", items(), errors="cline")
    assert read(fake, session)["spent"] == {"today": usd(0.0), "month": usd(0.0)}


@pytest.mark.parametrize("item", [
    {"creditsUsed": 1000, "createdAt": "yesterday"}, {"creditsUsed": -5, "createdAt": "2026-03-02T01:00:00Z"},
    {"creditsUsed": "NaN", "createdAt": "2026-03-02T01:00:00Z"}, {"createdAt": "2026-03-02T01:00:00Z"},
    {"creditsUsed": 1000}, "not an item",
])
def test_one_unreadable_usage_item_leaves_spend_out(fake, session, item):
    good = {"creditsUsed": 1_000_000, "createdAt": "2026-03-02T01:00:00Z"}
    fake.route("GET", "/cline/api/v1/users/{user}/usages", items(good, item), errors="cline")
    reading = read(fake, session)
    assert reading["spent"] == {} and reading["balance"] == [usd(12.345678)]
    assert reading["notes"] == ["spend not reported: a usage item has no readable creditsUsed or createdAt"]


@pytest.mark.parametrize("data, why", [
    ({"items": [], "hasMore": True}, "the usage list has more pages than tokseg reads"),
    ({"items": [], "nextCursor": "abc"}, "the usage list has more pages than tokseg reads"),
    ({"items": {"creditsUsed": 1}}, "the usage answer has no items list"),
    ({}, "the usage answer has no items list"),
])
def test_a_paged_or_missing_usage_list_leaves_spend_out(fake, session, data, why):
    fake.route("GET", "/cline/api/v1/users/{user}/usages", ok(data), errors="cline")
    reading = read(fake, session)
    assert reading["spent"] == {} and reading["notes"] == [f"spend not reported: {why}"]


def test_usage_times_with_offsets_and_the_utc_day(fake, session):
    body = items({"creditsUsed": 100_000, "createdAt": "2026-03-02T01:30:00+02:00"},  # 2026-03-01T23:30Z
                 {"creditsUsed": 200_000, "createdAt": "2026-03-02T00:00:00Z"},
                 {"creditsUsed": 400_000, "createdAt": "2026-02-28T23:59:59.999Z"})
    fake.route("GET", "/cline/api/v1/users/{user}/usages", body, errors="cline")
    assert read(fake, session)["spent"] == {"today": usd(0.2), "month": usd(0.3)}


# --- windows -----------------------------------------------------------------------------------


def windows(fake, session, body: Any) -> tuple[list[dict], list[str]]:
    fake.route("GET", PLAN, body, errors="cline")
    reading = read(fake, session)
    return reading["windows"], reading["notes"]


def test_unknown_and_repeated_limit_types_are_ignored(fake, session):
    found, notes = windows(fake, session, limits(
        {"type": "daily", "percentUsed": 99}, {"type": "weekly", "percentUsed": 30},
        {"type": "weekly", "percentUsed": 80}, {"type": 5, "percentUsed": 1}, "junk", None))
    assert [(w["name"], w["used_pct"]) for w in found] == [("7d", 30.0)] and notes == []


def test_window_order_and_headline_are_the_fullest(fake, session):
    fake.route("GET", PLAN, limits({"type": "monthly", "percentUsed": 90}, {"type": "five_hour", "percentUsed": 10}),
               errors="cline")
    reading = read(fake, session)
    assert [w["name"] for w in reading["windows"]] == ["5h", "month"]
    assert reading["headline"] == {"kind": "window", "key": "month"}


@pytest.mark.parametrize("used, shown", [(0, 0.0), ("55.5", 55.5), (100, 100.0), (130, 100.0)])
def test_percent_used(fake, session, used, shown):
    found, _ = windows(fake, session, limits({"type": "five_hour", "percentUsed": used}))
    assert found == [{"name": "5h", "used_pct": shown, "resets_at": None, "length_s": 18000.0}]


@pytest.mark.parametrize("used", [None, -1, "lots", True, [50]])
def test_an_odd_percent_leaves_that_window_out_with_a_note(fake, session, used):
    found, notes = windows(fake, session, limits({"type": "five_hour", "percentUsed": used},
                                                 {"type": "weekly", "percentUsed": 5}))
    assert [w["name"] for w in found] == ["7d"]
    assert notes == ["window 5h not reported: percentUsed is missing or odd"]


@pytest.mark.parametrize("resets_at, expected", [
    ("2026-03-02T14:30:00Z", FIVE_H_END),
    ("2026-03-02T14:30:00.123456789Z", FIVE_H_END + 0.123456),
    (int(FIVE_H_END * 1000), FIVE_H_END),
    ("2026-03-02T11:00:00Z", None),  # already past
    ("2027-03-02T11:00:00Z", None),  # beyond belief
    ("soon", None), (None, None), ({}, None),
])
def test_reset_times(fake, session, resets_at, expected):
    found, _ = windows(fake, session, limits({"type": "five_hour", "percentUsed": 1, "resetsAt": resets_at}))
    assert found[0]["resets_at"] == (pytest.approx(expected) if expected else None)


@pytest.mark.parametrize("body", [
    {"success": False, "error": "plan service unavailable"}, [1, 2], ok({"limits": "five_hour"}), ok({}),
    Reply(200, "<html>maintenance</html>", content_type="text/html"), Reply(400, {"success": False, "error": "x"}),
])
def test_an_unreadable_plan_answer_is_a_note_and_the_rest_is_shown(fake, session, body):
    found, notes = windows(fake, session, body)
    assert found == []
    assert len(notes) == 1 and notes[0].startswith("plan windows not reported: ")
    assert read(fake, session)["balance"] == [usd(12.345678)]


@pytest.mark.parametrize("fault, error", [("429", RateLimited), ("500", ServerError), ("slow", NetworkError)])
def test_a_passing_plan_failure_is_an_error_so_the_last_reading_stays(fake, session, fault, error):
    fake.fault(PLAN, fault, delay=3.0)
    with pytest.raises(error):
        fetch(fake, session, "cline", timeout=(1.0, 0.3))


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ME, BALANCE, USAGES])
@pytest.mark.parametrize("status", ["401", "403"])
def test_a_refused_key_is_auth(fake, session, path, status):
    fake.fault(path, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "cline")
    assert caught.value.status == int(status)


def test_success_false_is_bad_response_with_a_safe_message(fake, session):
    hostile = f"Unauthorized\x1b[31m\nkey {KEY}\x07 " + "x" * 400
    fake.route("GET", ME, {"success": False, "error": hostile}, errors="cline")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "cline")
    text = str(caught.value)
    assert text.startswith("cline users/me: Cline answered success: false (Unauthorized")
    assert "\x1b" not in text and "\n" not in text and "\\x1b[31m" in text
    assert KEY not in text and KEY[-12:] not in text and len(text) < 260


@pytest.mark.parametrize("body, message", [
    ([1], "cline users/me: the answer is not an object"),
    ({"success": True, "data": "usr_1"}, "field data is not an object"),
    (ok({"email": "dev@example.com"}), "field data.id is missing or not an id"),
    (ok({"id": "../../admin"}), "field data.id is missing or not an id"),
    (ok({"id": 42}), "field data.id is missing or not an id"),
    ({"success": False}, r"success: false \(no message\)"),
])
def test_an_unreadable_account_answer_is_bad_response(fake, session, body, message):
    fake.route("GET", ME, body, errors="cline")
    with pytest.raises(BadResponse, match=message):
        fetch(fake, session, "cline")
    assert len(fake.calls()) == 1


def test_an_answer_without_the_envelope_is_read_as_the_data(fake, session):
    fake.route("GET", ME, {"id": USER}, errors="cline")
    fake.route("GET", "/cline/api/v1/users/{user}/balance", {"balance": 3_000_000}, errors="cline")
    assert read(fake, session)["balance"] == [usd(3.0)]


def test_the_key_stays_out_of_notes(fake, session):
    fake.route("GET", PLAN, {"success": False, "error": f"bad key {KEY}"}, errors="cline")
    reading = read(fake, session)
    assert KEY not in json.dumps(reading)


numbers_and_junk = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
                    | st.sampled_from(["12", "1e400", "NaN", "", "five_hour", "2026-03-02T13:00:00Z"]))


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.dictionaries(st.sampled_from(["type", "percentUsed", "resetsAt"]),
                                        numbers_and_junk | st.sampled_from(list(cline.LIMITS))), max_size=5),
       usage=st.lists(st.dictionaries(st.sampled_from(["creditsUsed", "createdAt"]), numbers_and_junk), max_size=4))
def test_parsers_on_random_entries(entries, usage):
    notes: list[str] = []
    found = cline.parse_windows({"limits": entries}, NOW, notes)
    spent = cline.parse_spend({"items": usage}, NOW, notes)
    try:
        reading = cline.reading(None, spent, found, notes)
    except TokError:
        return
    names = [w.name for w in reading.windows]
    assert len(names) == len(set(names))
    for window in reading.windows:
        assert 0.0 <= window.used_pct <= 100.0 and re.fullmatch(template.NAME, window.name)
        assert window.resets_at is None or NOW < window.resets_at <= NOW + cline.MAX_AHEAD
    assert set(reading.spent) <= {"today", "month"}
    json.dumps(reading.to_dict(), allow_nan=False)


# --- through the CLI ---------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: key piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    fake.route("GET", "/cline/api/v1/users/{user}/usages", items({"creditsUsed": 1_500_000, "createdAt": stamp}),
               errors="cline")
    fake.route("GET", PLAN, limits({"type": "five_hour", "percentUsed": 42, "resetsAt": now + 72 * 60 + 30},
                                   {"type": "weekly", "percentUsed": 18}), errors="cline")
    added = run_tokseg("add", "cline", "--name", "cl", "--base-url", fake.url + "/cline", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added cl (cline): 5h 42% ↻1h12m")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "cl 5h 42% ↻1h12m"
    shown = run_tokseg("--template", "{cl.balance} {cl.spent.today} | week {cl.7d.pct:.0f}%")
    assert shown.stdout.strip() == "$12.35 $1.50 | week 18%"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["5h", "7d"]
    assert {c.headers["authorization"] for c in fake.calls()} == {f"Bearer {KEY}"}
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
