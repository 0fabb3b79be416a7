"""Provider tests talk real HTTP to the fake server through each provider's base_url options."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.fakeserver import FakeServer, default_routes, start_fake_server
from tokseg import net, providers
from tokseg.context import make_ctx as make_context
from tokseg.providers._base import Ctx
from tokseg.reading import Reading

NOW = 1772452800.0  # 2026-03-02T12:00:00Z: a Monday, day 2 of the month
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
    "amp": Spec({"base_url": "/amp"}, "/amp/api/internal", "sgamp_user_01JMB7Q2W4E6R8T0Y2U4I6O8P0_a1b2c3d4e5f6a7b8c9d0"),
    "anthropic": Spec({"base_url": "/anthropic/v1"}, "/anthropic/v1/organizations/cost_report",
                      "sk-ant-admin01-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u-AbCdEfAA"),
    "anthropic_limits": Spec({"base_url": "/anthropic_limits/v1"}, "/anthropic_limits/v1/messages/count_tokens",
                             "sk-ant-api03-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u-QrStUvAA"),
    "cline": Spec({"base_url": "/cline"}, "/cline/api/v1/users/me", "cline_4f9a2c7e1b8d4e6fa0c3b5d7e9f1a2b3c4d5e6f7"),
    "deepinfra": Spec({"base_url": "/deepinfra"}, "/deepinfra/payment/checklist", "Di7f0e1d2c3b4a59687f0e1d2c3b4a5968"),
    "deepseek": Spec({"base_url": "/deepseek"}, "/deepseek/user/balance", "sk-5b2e8f0c1d4a4e7f9a3b6c8d0e2f4a61"),
    "factory": Spec({"base_url": "/factory/api", "app_url": "/factory/app"}, "/factory/api/api/billing/limits",
                    "fk-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3"),
    "fireworks": Spec({"base_url": "/fireworks"}, "/fireworks/v1/accounts/my-team/billing/summary",
                      "fw_3ZkQm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi", {"account_id": "my-team"}),
    "gemini": Spec({"base_url": "/gemini/v1beta", "login_base_url": "/gemini"}, "/gemini/v1beta/models", "AIzaSyD3mOcKfAkEkEy0123456789abcdefGhIj"),
    "groq": Spec({"base_url": "/groq/openai/v1"}, "/groq/openai/v1/models",
                 "gsk_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"),
    "minimax": Spec({"base_url": "/minimax"}, "/minimax/v1/api/openplatform/coding_plan/remains",
                    "sk-cp-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJD"),
    "mistral": Spec({"base_url": "/mistral", "console_url": "/mistral-console"}, "/mistral/api/billing/credits",
                    '{"ory_session":"ory_session_coolcurranf83m3srkfl=MTc3MjQ1MjgwMHxEdi1CQkFFQ180SUFBUkFCRUFBQV9f'
                    'X2JfZ0lGQUFFR2MzUnlhVzVu","csrftoken":"Qm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"}'),
    "moonshot": Spec({"base_url": "/moonshot"}, "/moonshot/v1/users/me/balance",
                     "sk-kimiQm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr", {"currency": "CNY"}),
    "nebius": Spec({"base_url": "/nebius"}, "/nebius/api-mfe/billing/gateway/root/customers/getBalance",
                   '{"app_session":"s%3AQm9vYmFyYmF6cXV4MTIzNDU2.Nzg5MGFiY2RlZmdoaWpr","csrf_cookie":'
                   '"9f8e7d6c5b4a39281706f5e4d3c2b1a0%7Cc0ffee1234","csrf_token":"7d6c5b4a39281706f5e4d3c2b1a09f8e",'
                   '"contract_id":"contract-e00k9x4t2vq8"}'),
    "novita": Spec({"base_url": "/novita"}, "/novita/openapi/v1/billing/balance/detail",
                   "sk_nv4e1d2c3b4a5f60718293a4b5c6d7e8f9"),
    "openai": Spec({"base_url": "/openai/v1"}, "/openai/v1/organization/costs",
                   "sk-admin-Qm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A"),
    "opencode": Spec({"base_url": "/opencode"}, "/opencode/zen/go/v1/usage",
                     "sk-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJD"),
    "openrouter": Spec({"base_url": "/openrouter/api/v1"}, "/openrouter/api/v1/key",
                       "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"),
    "perplexity": Spec({"base_url": "/perplexity"}, "/perplexity/rest/billing/credits",
                       '{"session_cookie":"__Secure-next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0'
                       '..Zm9vYmFyYmF6cXV4.MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0.dXZ3eHl6QUJDREVG"}'),
    "siliconflow": Spec({"base_url": "/siliconflow/v1"}, "/siliconflow/v1/user/info",
                        "sk-sfa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071", {"currency": "CNY"}),
    "xai": Spec({"base_url": "/xai-management", "api_base_url": "/xai"},
                "/xai-management/v1/billing/teams/5ea6f6bd-0000-0000-0000-000000000000/prepaid/balance",
                "xai-mgmt-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr",
                {"team_id": "5ea6f6bd-0000-0000-0000-000000000000"}),
    "zai": Spec({"base_url": "/zai"}, "/zai/api/monitor/usage/quota/limit",
                "3f9a1c5e7b2d4f6a8c0e1b3d5f7a9c2e.Zm9vYmFyYmF6cXV4MTIz", {"region": "cn"}),
    "kimi": Spec({"base_url": "/kimi"}, "/kimi/coding/v1/usages", "sk-kimi-Q29kZVBsYW5LZXkxMjM0NTY3ODkwYWJjZGVmZ2hpams"),
    "prometheus": Spec({"base_url": "/prometheus"}, "/prometheus/api/v1/query",
                       "glsa_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi_1a2b3c4d"),
}


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[FakeServer]:
    server = start_fake_server(defaults=False)
    yield server
    server.stop()


@pytest.fixture
def fake(_shared_server: FakeServer) -> FakeServer:
    """The fake server with every provider's default routes, no faults and an empty request log."""
    _shared_server.reset(default_routes())
    return _shared_server


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
    return make_context(name, f"test-{name}", module.Options(**values), secret=spec.key if secret is None else secret,
                        session=session, timeout=timeout, clock=lambda: now, env={})


def fetch(fake: FakeServer, session: requests.Session, name: str, **kwargs: Any) -> Reading:
    return providers.load(name).fetch(make_ctx(fake, session, name, **kwargs))


def figures(reading: Reading) -> dict:
    """The reading as plain data, so a test compares every figure at once."""
    return reading.to_dict()
