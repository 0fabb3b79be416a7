"""The fake server itself: route patterns, one-shot faults, cursors, what it records."""

from __future__ import annotations

import requests

from tests.fakeserver import Paged, Reply


def test_patterns_record_query_lists_and_bodies(fake):
    fake.route("POST", "/svc/{id}/items", lambda req: Reply(201, {"id": req.path.split("/")[2], "got": req.json()}))
    answer = requests.post(f"{fake.url}/svc/abc/items?group_by=a&group_by=b", json={"n": 1}, timeout=2)
    assert answer.status_code == 201 and answer.json() == {"id": "abc", "got": {"n": 1}}
    (call,) = fake.calls("/svc/{id}/items")
    assert call.query == {"group_by": ["a", "b"]} and call.method == "POST"


def test_fault_for_a_number_of_times_then_normal(fake):
    fake.route("GET", "/x", {"ok": True})
    fake.fault("/x", "503", times=2)
    codes = [requests.get(f"{fake.url}/x", timeout=2).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_unknown_route_and_unknown_cursor(fake):
    assert requests.get(f"{fake.url}/nowhere", timeout=2).status_code == 404
    fake.route("GET", "/p", Paged("page", {None: {"n": 1}, "two": {"n": 2}}))
    assert requests.get(f"{fake.url}/p", params={"page": "two"}, timeout=2).json() == {"n": 2}
    assert requests.get(f"{fake.url}/p", params={"page": "zzz"}, timeout=2).status_code == 400


def test_envelopes_follow_the_route(fake):
    fake.route("GET", "/a", {}, errors="anthropic")
    fake.fault("/a", "401")
    body = requests.get(f"{fake.url}/a", timeout=2).json()
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"


def test_require_key_refuses_other_keys_like_the_provider(fake):
    fake.require_key("/openrouter/", "Authorization", "Bearer right")
    url = f"{fake.url}/openrouter/api/v1/key"
    assert requests.get(url, headers={"Authorization": "Bearer right"}, timeout=2).status_code == 200
    wrong = requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=2)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == 401
    assert requests.get(f"{fake.url}/deepseek/user/balance", timeout=2).status_code == 200
