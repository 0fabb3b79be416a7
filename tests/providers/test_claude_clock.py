"""Claude's per-token poll gate: a capped server delay, and a clock set back cannot block polling for good."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path

import pytest

from tests.fakeserver import FakeServer
from tests.providers.test_claude import NOW, USAGE, credentials, make_ctx, user  # noqa: F401 (fixture)
from tokseg import defaults
from tokseg.errors import RateLimited
from tokseg.providers import claude


def test_a_retry_after_decades_ahead_blocks_the_token_for_at_most_a_day(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    fake.fault(USAGE, "429", retry_after=formatdate(4070908800.0, usegmt=True))  # 2099
    with pytest.raises(RateLimited) as caught:
        claude.fetch(make_ctx(fake, user, [NOW]))
    assert caught.value.retry_after == defaults.MAX_RETRY_AFTER_S


def test_a_poll_time_in_the_future_does_not_serve_the_cache_for_ever(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    claude.fetch(make_ctx(fake, user, [NOW]))
    claude.fetch(make_ctx(fake, user, [NOW - 30 * 86400]))  # the clock went back a month
    assert len(fake.calls(USAGE)) == 2


def test_a_block_further_ahead_than_any_legal_one_is_forgotten(fake: FakeServer, user: Path) -> None:
    credentials(user / ".claude")
    fake.fault(USAGE, "429", retry_after="1200", times=1)
    with pytest.raises(RateLimited):
        claude.fetch(make_ctx(fake, user, [NOW]))
    clock = [NOW - 10 * 86400]  # blocked until NOW + 1200, which is now eleven days ahead
    assert claude.fetch(make_ctx(fake, user, clock)).windows[0].name == "5h"
    assert len(fake.calls(USAGE)) == 2
