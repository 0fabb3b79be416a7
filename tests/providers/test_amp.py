"""Amp through the fake server: each figure of the display text, unknown shapes, each error class, the request sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_tokseg
from tests.fakeserver import Reply
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import AuthError, BadResponse, TokError
from tokseg.providers import amp

KEY = SPECS["amp"].key
PATH = "/amp/api/internal"
NOTHING = "Amp reported no figure tokseg can read"


def usd(amount: float) -> dict:
    return {"amount": amount, "currency": "USD"}


def answer(text: str) -> dict:
    return {"ok": True, "result": {"displayText": text}}


def read(fake, session, body: Any = None, **options: Any) -> dict:
    if body is not None:
        fake.route("POST", PATH, body, errors="amp")
    return figures(fetch(fake, session, "amp", **options))


# --- figures -----------------------------------------------------------------------------------


def test_free_quota_credits_and_workspaces(fake, session):
    reading = read(fake, session)
    assert reading["balance"] == [usd(12.5)]
    assert reading["limit"] == usd(10.0) and reading["limit_remaining"] == usd(7.5)
    # $2.50 used, refilled at $0.50/hour: full again in 5 hours.
    assert reading["windows"] == [{"name": "free", "used_pct": 25.0, "resets_at": NOW + 5 * 3600, "length_s": None}]
    assert reading["headline"] == {"kind": "balance", "key": ""}
    assert reading["notes"] == ["Amp Free replenishes $0.50/hour", "workspace Acme: $1,207.25 of credits left",
                                "workspace Lab: $2.75 of credits left"]


def test_the_request_sent(fake, session):
    fetch(fake, session, "amp")
    (call,) = fake.calls()
    assert call.method == "POST" and call.path == PATH and call.query == {"userDisplayBalanceInfo": [""]}
    assert call.json() == {"method": "userDisplayBalanceInfo", "params": {}}
    assert call.headers["authorization"] == f"Bearer {KEY}"
    assert call.headers["accept"] == "application/json"
    assert call.headers["content-type"] == "application/json"


@pytest.mark.parametrize("name", ["Acme", "acme", " ACME "])
def test_a_workspace_as_the_balance(fake, session, name):
    reading = read(fake, session, workspace=name)
    assert reading["balance"] == [usd(1207.25)]
    assert "workspace Lab: $2.75 of credits left" in reading["notes"]
    assert not any("Acme" in note for note in reading["notes"])


def test_a_workspace_amp_does_not_list_is_a_note(fake, session):
    reading = read(fake, session, workspace="Ops")
    assert reading["balance"] == [] and reading["headline"] == {"kind": "window", "key": "free"}
    assert reading["notes"][-1] == "balance not reported: Amp lists no workspace 'Ops' (it lists: Acme, Lab)"


def test_free_tier_only(fake, session):
    reading = read(fake, session, answer("Signed in as dev@example.com\nAmp Free: $10/$10 remaining "
                                         "(replenishes +$0.42/hour)"))
    assert reading["windows"] == [{"name": "free", "used_pct": 0.0, "resets_at": None, "length_s": None}]
    assert reading["headline"] == {"kind": "window", "key": "free"} and reading["balance"] == []
    assert reading["notes"] == ["Amp Free replenishes $0.42/hour"]


def test_free_quota_without_replenishment_has_no_reset(fake, session):
    reading = read(fake, session, answer("Amp Free: $2.00 / $20.00 remaining"))
    assert reading["windows"] == [{"name": "free", "used_pct": 90.0, "resets_at": None, "length_s": None}]
    assert reading["notes"] == []


def test_a_refill_beyond_belief_has_no_reset(fake, session):
    reading = read(fake, session, answer("Amp Free: $0 / $1,000,000 remaining (replenishes +$0.01 / hour)"))
    assert reading["windows"][0]["used_pct"] == 100.0 and reading["windows"][0]["resets_at"] is None


def test_the_percent_form_of_amp_free(fake, session):
    reading = read(fake, session, answer("Signed in as dev@example.com\nAmp Free: 80% remaining today (resets daily)"))
    assert reading["windows"] == [{"name": "free", "used_pct": 20.0, "resets_at": None, "length_s": None}]
    assert reading["limit"] is None and reading["limit_remaining"] is None


def test_credits_only_and_markup_in_the_text(fake, session):
    reading = read(fake, session, answer("\x1b[1mSigned in as dev\x1b[0m\n**Individual credits:** $1,042.10 remaining"))
    assert reading["balance"] == [usd(1042.10)] and reading["windows"] == [] and reading["notes"] == []


def test_a_negative_credit_balance_is_owed(fake, session):
    assert read(fake, session, answer("Individual credits: -$0.03 remaining"))["balance"] == [usd(-0.03)]


@pytest.mark.parametrize("line", ["Amp Free: $11 / $10 remaining", "Amp Free: $1 / $0 remaining"])
def test_a_quota_that_does_not_add_up_is_not_reported(fake, session, line):
    reading = read(fake, session, answer(line + "\nIndividual credits: $5 remaining"))
    assert reading["windows"] == [] and reading["limit"] is None and reading["balance"] == [usd(5.0)]
    assert reading["notes"] == ["Amp Free not reported: its quota and amount left do not add up"]


def test_an_out_of_range_percent_is_not_reported(fake, session):
    reading = read(fake, session, answer("Amp Free: 180% remaining today"))
    assert reading["windows"] == []
    assert reading["notes"] == ["Amp Free not reported: its percent left is out of range", NOTHING]


# --- unknown shapes: a note, never a figure ------------------------------------------------------


@pytest.mark.parametrize("text", ["", "Signed in as dev@example.com", "Balance: plenty", "Amp Free: lots remaining",
                                  "Amp Pro Tier: agent usage $5 of $20 remaining - resets upon renewal in 3 days"])
def test_text_without_a_known_line_is_a_note(fake, session, text):
    reading = read(fake, session, answer(text))
    assert reading["notes"] == [NOTHING]
    assert reading["balance"] == [] and reading["windows"] == [] and reading["headline"]["kind"] == "none"


@pytest.mark.parametrize("body", [
    {"ok": True, "result": {"balance": {"amount": 12, "currency": "USD"}}},
    {"ok": True, "result": {"displayText": ["Individual credits: $5 remaining"]}},
    {"ok": True}, {"result": "Individual credits: $5 remaining"}, [1, 2], "text", None, 42,
])
def test_an_unknown_answer_shape_is_a_note(fake, session, body):
    raw = json.dumps(body).encode()
    reading = read(fake, session, Reply(200, raw, content_type="application/json"))
    assert reading["notes"] == [amp.UNREAD] and reading["balance"] == [] and reading["windows"] == []


def test_an_answer_without_ok_is_read(fake, session):
    reading = read(fake, session, {"result": {"displayText": "Individual credits: $5 remaining"}})
    assert reading["balance"] == [usd(5.0)]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["401", "403"])
def test_a_refused_token_says_where_to_get_one(fake, session, status):
    fake.fault(PATH, status)
    with pytest.raises(AuthError) as caught:
        fetch(fake, session, "amp")
    assert caught.value.status == int(status)
    assert str(caught.value).startswith("Amp refused the access token: create a new one at https://ampcode.com/settings")


def test_error_code_auth_required_is_auth(fake, session):
    fake.route("POST", PATH, {"ok": False, "error": {"code": "auth-required", "message": "Sign in"}}, errors="amp")
    with pytest.raises(AuthError, match=r"Amp refused the access token.*\(Amp answered auth-required\)"):
        fetch(fake, session, "amp")


def test_another_error_code_is_bad_response_with_a_safe_message(fake, session):
    hostile = f"quota\x1b[31m\n{KEY}" + "x" * 300
    fake.route("POST", PATH, {"ok": False, "error": {"code": hostile}}, errors="amp")
    with pytest.raises(BadResponse) as caught:
        fetch(fake, session, "amp")
    text = str(caught.value)
    assert text.startswith("amp userDisplayBalanceInfo: Amp answered ok: false (quota\\x1b[31m")
    assert "\x1b" not in text and "\n" not in text and KEY not in text and len(text) < 160


def test_ok_false_without_a_code(fake, session):
    fake.route("POST", PATH, {"ok": False, "error": "nope"}, errors="amp")
    with pytest.raises(BadResponse, match=r"ok: false \(no code\)"):
        fetch(fake, session, "amp")


lines = st.sampled_from(["Amp Free: ", "Individual credits: ", "Workspace ", "$", "/", " remaining", "%", "(",
                         "replenishes +", "hour)", "\n", ":", "-", "1,0", "0.5", "99999999999999999999", "1e400",
                         "NaN", " ", "x"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(lines | st.text(max_size=6), max_size=30), workspace=st.sampled_from(["", "x", "1,0"]))
def test_parser_on_random_text(parts, workspace):
    try:
        reading = amp.parse("".join(parts), NOW, workspace)
    except TokError:
        return
    for window in reading.windows:
        assert window.name == "free" and 0.0 <= window.used_pct <= 100.0
        assert window.resets_at is None or NOW <= window.resets_at <= NOW + amp.MAX_AHEAD
    if reading.limit is not None and reading.limit_remaining is not None:
        assert 0 <= reading.limit_remaining.amount <= reading.limit.amount
    json.dumps(reading.to_dict(), allow_nan=False)


# --- through the CLI ---------------------------------------------------------------------------


def test_add_refresh_and_show_through_the_cli(fake, config_file, home):
    """The user's path in real processes: token piped to `tokseg add`, `tokseg refresh`, the segment and --json."""
    added = run_tokseg("add", "amp", "--name", "amp", "--base-url", fake.url + "/amp", input=KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added amp (amp): $12.50")
    assert run_tokseg("refresh").returncode == 0
    assert run_tokseg().stdout.strip() == "amp $12.50"
    shown = run_tokseg("--template", "free {amp.free.pct:.0f}% {amp.limit_remaining} of {amp.limit} left")
    assert shown.stdout.strip() == "free 25% $7.50 of $10.00 left"
    (account,) = json.loads(run_tokseg("--json").stdout)["accounts"]
    assert account["status"] == "ok" and [w["name"] for w in account["windows"]] == ["free"]
    assert [c.headers["authorization"] for c in fake.calls(PATH)] == [f"Bearer {KEY}"] * 2
    for path in home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_bytes().decode(errors="replace"), path
