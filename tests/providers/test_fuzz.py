"""Random and mutated JSON served to every provider: it may only fail with a tokseg error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakeserver import Paged, default_routes, start_fake_server
from tests.providers.conftest import SPECS, fetch
from tokseg.errors import TokError
from tokseg.providers import groq
from tokseg.reading import Reading

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(
    ["0", "-1000", "1e400", "NaN", "12.5", "", "usd", "CNY", "2026-03-02T00:00:00Z", "page-2"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


DROP = object()


def mutated(value: Any) -> st.SearchStrategy:
    """The fixture with some leaves replaced by random JSON and some keys dropped (mostly kept)."""
    if isinstance(value, dict):
        fields = {key: st.one_of(*[mutated(item)] * 6, json_values, st.just(DROP)) for key, item in value.items()}
        return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not DROP})
    if isinstance(value, list):
        return st.tuples(*[mutated(item) for item in value]).map(list)
    return st.one_of(*[st.just(value)] * 3, json_values)


def provider_routes(name: str) -> list[tuple[str, str, Any, str]]:
    return [r for r in default_routes() if r[1].startswith(f"/{name}/")]


def mutated_responder(responder: Any) -> st.SearchStrategy:
    if isinstance(responder, Paged):
        cursors = list(responder.pages)
        pages = st.tuples(*[mutated(responder.pages[c]) for c in cursors])
        return pages.map(lambda drawn: Paged(responder.param, dict(zip(cursors, drawn))))
    return mutated(responder)


def check(fake, session, name) -> None:
    try:
        reading = fetch(fake, session, name)
    except TokError:
        return
    assert isinstance(reading, Reading)
    reading.to_dict()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_random_json_bodies(session, name):
    with start_fake_server() as fake:
        @FUZZ
        @given(body=json_values, status=st.sampled_from([200, 200, 200, 400, 402, 404, 409]))
        def run(body, status):
            fake.clear_faults()
            fake.fault("*", "body", body=body, status=status)
            check(fake, session, name)

        run()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_mutated_fixtures(session, name):
    with start_fake_server() as fake:
        routes = provider_routes(name)
        assert routes

        @FUZZ
        @given(bodies=st.tuples(*[mutated_responder(route[2]) for route in routes]))
        def run(bodies):
            for (method, pattern, _, errors), body in zip(routes, bodies):
                fake.route(method, pattern, body, errors=errors)
            check(fake, session, name)

        run()


header_values = st.text(max_size=12) | st.sampled_from(["1", "-1", "nan", "inf", "1e999", "6m0s", "1h2m3s", "12ms",
                                                          "2m59.56s", "s", "1.5.5s", "0"])


@FUZZ
@given(headers=st.dictionaries(st.sampled_from([f"x-ratelimit-{kind}-{bucket}"
                                                for kind in ("limit", "remaining", "reset")
                                                for bucket in ("requests", "tokens")]), header_values))
def test_groq_rate_limit_headers(headers):
    try:
        limits = groq.parse_headers(headers, 1772452800.0)
    except TokError:
        return
    for limit in limits:
        assert limit.limit >= 0 and limit.remaining >= 0
