"""Groq through the fake server: no tokens spent by default; rate limits from headers only on opt-in."""

from __future__ import annotations

import pytest

from tests.fakeserver import GROQ_LIMITS, Reply, fixture
from tests.providers.conftest import NOW, SPECS, fetch, figures
from tokseg.errors import BadResponse
from tokseg.providers import groq

MODELS, COMPLETIONS = "/groq/openai/v1/models", "/groq/openai/v1/chat/completions"


def test_default_spends_nothing_and_says_why(fake, session):
    reading = figures(fetch(fake, session, "groq"))
    assert reading["rate_limits"] == [] and reading["headline"] == {"kind": "none", "key": ""}
    assert reading["notes"] == [groq.NO_FREE_LIMITS]
    assert [c.path for c in fake.calls()] == [MODELS]
    assert not fake.calls(COMPLETIONS)
    assert fake.calls(MODELS)[0].headers["authorization"] == f"Bearer {SPECS['groq'].key}"


def test_free_call_headers_are_used_when_present(fake, session):
    fake.route("GET", MODELS, Reply(200, fixture("groq/models.json"), GROQ_LIMITS))
    reading = figures(fetch(fake, session, "groq"))
    assert not fake.calls(COMPLETIONS)
    assert reading["rate_limits"][0] == {"name": "requests/day", "limit": 14400.0, "remaining": 14370.0,
                                         "resets_at": NOW + 179.56}
    assert reading["headline"] == {"kind": "rate_limit", "key": "requests/day"}


def test_probe_opt_in_spends_one_token_and_reads_both_buckets(fake, session):
    reading = figures(fetch(fake, session, "groq", probe=True))
    (call,) = fake.calls(COMPLETIONS)
    assert call.json() == {"model": "llama-3.1-8b-instant", "messages": [{"role": "user", "content": "."}],
                           "max_tokens": 1}
    assert reading["rate_limits"] == [
        {"name": "requests/day", "limit": 14400.0, "remaining": 14370.0, "resets_at": NOW + 179.56},
        {"name": "tokens/minute", "limit": 18000.0, "remaining": 17997.0, "resets_at": NOW + 7.66},
    ]
    assert reading["notes"] == []


def test_malformed_header_is_named(fake, session):
    fake.route("POST", COMPLETIONS, Reply(200, {}, {**GROQ_LIMITS, "x-ratelimit-reset-tokens": "soon"}))
    with pytest.raises(BadResponse, match="header x-ratelimit-reset-tokens is not a duration"):
        fetch(fake, session, "groq", probe=True)


@pytest.mark.parametrize("text, seconds", [("12ms", 0.012), ("1s", 1.0), ("6m0s", 360.0), ("1h2m3s", 3723.0),
                                           ("2m59.56s", 179.56)])
def test_go_durations(text, seconds):
    assert groq.parse_duration(text, "h") == pytest.approx(seconds)


def test_key_problem():
    assert groq.key_problem(SPECS["groq"].key) is None
    assert "Groq key" in groq.key_problem("sk-abc")
