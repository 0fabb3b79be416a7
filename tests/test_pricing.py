"""The float fast path prices exactly as genai-prices does; the library decides the hard cases."""

from __future__ import annotations

import pytest
from genai_prices import Usage, calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from tokseg.pricing import Pricer

CLAUDE = Pricer("anthropic")
OPENAI = Pricer("openai")
counts = st.one_of(st.just(0), st.integers(0, 400_000))


def library(provider: str, model: str, uncached: int, read: int, w5: int, w1: int, out: int) -> float:
    usage = Usage(input_tokens=uncached + read + w5 + w1, cache_read_tokens=read, cache_write_tokens=w5 + w1,
                  cache_write_5m_tokens=w5, cache_write_1h_tokens=w1, output_tokens=out)
    return float(calc_price(usage, model, provider_id=provider).total_price)


@settings(max_examples=150, deadline=None)
@given(model=st.sampled_from(["claude-sonnet-4-5-20250929", "claude-opus-4-7", "claude-haiku-4-5"]),
       uncached=counts, read=counts, w5=counts, w1=counts, out=counts)
def test_claude_requests_price_as_the_library_does(model, uncached, read, w5, w1, out):
    assert CLAUDE.cost(model, uncached, read, w5, w1, out) == pytest.approx(
        library("anthropic", model, uncached, read, w5, w1, out), rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(["gpt-5.3-codex", "gpt-5", "o3"]), uncached=counts, read=counts, out=counts)
def test_openai_requests_price_as_the_library_does(model, uncached, read, out):
    assert OPENAI.cost(model, uncached, read, 0, 0, out) == pytest.approx(
        library("openai", model, uncached, read, 0, 0, out), rel=1e-12, abs=1e-12)


def test_long_context_switches_every_token_to_the_tier_rate():
    # Reference C2's worked example (Sonnet 4.5, 240 000 cache reads): $0.18681, not ccusage's $0.10728.
    assert CLAUDE.cost("claude-sonnet-4-5", 10, 240_000, 1000, 2000, 500) == pytest.approx(0.18681, abs=1e-9)


def test_unknown_model_has_no_price_and_a_suffix_is_ignored():
    assert CLAUDE.cost("foo-1", 10, 0, 0, 0, 10) is None
    assert CLAUDE.cost("claude-opus-4-7[1m]", 1_000_000, 0, 0, 0, 0) == pytest.approx(5.0)
