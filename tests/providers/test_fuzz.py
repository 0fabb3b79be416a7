"""Random and mutated JSON served to every provider: it may only fail with a tokseg error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakeserver import default_routes, start_fake_server
from tests.providers.conftest import SPECS, fetch
from tokseg.errors import TokError
from tokseg.reading import Reading

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(
    ["0", "-1000", "1e400", "NaN", "12.5", "", "usd", "CNY", "2026-03-02T00:00:00Z", "page-2"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def mutate(draw: Any, value: Any) -> Any:
    """The fixture with some leaves replaced by random JSON and some keys dropped."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue
            out[key] = draw(json_values) if choice == 1 else mutate(draw, item)
        return out
    if isinstance(value, list):
        return [mutate(draw, item) for item in value]
    return draw(json_values) if draw(st.integers(0, 3)) == 0 else value


def provider_routes(name: str) -> list[tuple[str, str, Any, str]]:
    return [r for r in default_routes() if r[1].startswith(f"/{name}/") and not callable(r[2])]


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
        @given(data=st.data())
        def run(data):
            for method, pattern, body, errors in routes:
                fake.route(method, pattern, mutate(data.draw, body), errors=errors)
            check(fake, session, name)

        run()
