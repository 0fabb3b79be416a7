"""Provider tests talk real HTTP to the fake server through each provider's base_url options."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
import requests

from tests.fakeserver import FakeServer, start_fake_server
from tokseg import net, providers
from tokseg.providers._base import Ctx
from tokseg.reading import Reading

NOW = 1772452800.0  # 2026-03-02T12:00:00Z: a Monday, day 2 of the month
TODAY = 1772409600  # 2026-03-02T00:00:00Z
MONTH = 1772323200  # 2026-03-01T00:00:00Z
FAST_TIMEOUT = (1.0, 0.4)


@dataclass(frozen=True)
class Spec:
    """How a provider's tests reach it: URL options (paths on the fake server), a primary path, a key."""

    urls: dict[str, str]
    primary: str
    key: str
    options: dict[str, Any] = field(default_factory=dict)


SPECS: dict[str, Spec] = {
    "deepseek": Spec({"base_url": "/deepseek"}, "/deepseek/user/balance", "sk-5b2e8f0c1d4a4e7f9a3b6c8d0e2f4a61"),
    "openrouter": Spec({"base_url": "/openrouter/api/v1"}, "/openrouter/api/v1/key",
                       "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"),
}


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = start_fake_server()
    yield server
    server.stop()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = net.new_session()
    yield s
    s.close()


def make_ctx(fake: FakeServer, session: requests.Session, name: str, *, secret: str | None = None,
             timeout: tuple[float, float] = FAST_TIMEOUT, now: float = NOW, **options: Any) -> Ctx:
    """A Ctx as refresh builds it, pointed at the fake server; `options` override the spec's."""
    spec = SPECS[name]
    module = providers.load(name)
    values = {key: fake.url + path for key, path in spec.urls.items()}
    values.update(spec.options)
    values.update(options)
    opts = module.Options(**values)
    http = net.Http(session, getattr(opts, "base_url", ""), timeout=timeout, now=now)
    return Ctx(account=f"test-{name}", options=opts, secret=spec.key if secret is None else secret, http=http,
               now=lambda: now)


def fetch(fake: FakeServer, session: requests.Session, name: str, **kwargs: Any) -> Reading:
    return providers.load(name).fetch(make_ctx(fake, session, name, **kwargs))


def figures(reading: Reading) -> dict:
    """The reading as plain data, so a test compares every figure at once."""
    return reading.to_dict()


def option_defaults(module: Any) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(module.Options)}
