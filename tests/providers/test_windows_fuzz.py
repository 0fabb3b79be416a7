"""The subscription providers' parsers and log reader on random and mutated input, and their HTTP fault classes.

Parsing is separate from fetching in these providers (Claude's poll gate would
otherwise serve later examples from its cache), so the parsers are fuzzed
directly; the fault classes are checked through the fake server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakeserver import FakeServer, fixture
from tests.providers.test_claude import credentials
from tests.providers.test_claude import make_ctx as claude_ctx
from tests.providers.test_codex import auth
from tests.providers.test_codex import make_ctx as codex_ctx
from tests.providers.test_copilot import apps_json
from tests.providers.test_copilot import make_ctx as copilot_ctx
from tokseg.errors import BadResponse, NetworkError, ServerError, TokError
from tokseg.providers import claude, codex, copilot
from tokseg.providers._base import Ctx
from tokseg.reading import Reading

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(
    ["0", "-5", "1e400", "NaN", "42.5", "", "2026-11-22T18:00:00Z", "2026-12-01", "1795359600000"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def mutate(draw, value):
    """`value` with some leaves swapped for random JSON and some keys dropped."""
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if draw(st.integers(0, 9))}
        return {k: draw(json_values) if draw(st.integers(0, 9)) == 0 else mutate(draw, v) for k, v in kept.items()}
    if isinstance(value, list):
        return [mutate(draw, item) for item in value]
    return draw(json_values) if draw(st.integers(0, 3)) == 0 else value


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NOW = 1795366020.0
PARSERS = {
    "claude": (claude.parse, "claude/usage.json"),
    "codex": (lambda body: codex.from_usage(body, NOW), "codex/wham_usage.json"),
    "copilot": (copilot.parse, "copilot/user.json"),
}
ROLLOUT_LIMITS = {"limit_id": "codex", "primary": {"used_percent": 12.0, "window_minutes": 300, "resets_at": 1795359600},
                  "secondary": {"used_percent": 41.0, "window_minutes": 10080, "resets_at": 1795856400},
                  "plan_type": "plus"}


def only_tokseg_errors(parse, body) -> None:
    try:
        reading = parse(body)
    except TokError:
        return
    assert isinstance(reading, Reading)
    json.dumps(reading.to_dict(), allow_nan=False)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_random_bodies(name: str) -> None:
    parse = PARSERS[name][0]

    @FUZZ
    @given(body=json_values)
    def run(body):
        only_tokseg_errors(parse, body)

    run()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_mutated_fixtures(name: str) -> None:
    parse, path = PARSERS[name]
    body = fixture(path)

    @FUZZ
    @given(data=st.data())
    def run(data):
        only_tokseg_errors(parse, mutate(data.draw, body))

    run()


def test_mutated_rollout_limits_and_garbage_logs(tmp_path: Path) -> None:
    @FUZZ
    @given(data=st.data(), junk=st.binary(max_size=300))
    def run(data, junk):
        only_tokseg_errors(lambda body: codex.from_rollout(body, NOW, "2026-11-22T09:00:00Z"),
                           mutate(data.draw, ROLLOUT_LIMITS))
        day = tmp_path / "sessions" / "2026" / "11" / "22"
        day.mkdir(parents=True, exist_ok=True)
        (day / "rollout.jsonl").write_bytes(junk + b'\n{"type":"event_msg","payload":{"type":"token_count",'
                                            b'"rate_limits":' + json.dumps(data.draw(json_values)).encode() + b"}}\n")
        found = codex.latest_rate_limits(str(tmp_path / "sessions"))
        if found:
            only_tokseg_errors(lambda body: codex.from_rollout(body, NOW, found[1]), found[0])

    run()


def contexts(fake: FakeServer, tmp_path: Path) -> dict[str, tuple[str, object, Callable[[], Ctx]]]:
    """Per provider: its endpoint on the fake server, its module, and a Ctx with a login in place."""
    user = tmp_path / "user"
    credentials(user / ".claude")
    auth(tmp_path / "codex")
    apps_json(user)
    return {
        "claude": ("/claude/api/oauth/usage", claude, lambda: claude_ctx(fake, user, [NOW])),
        "codex": ("/codex/backend-api/wham/usage", codex, lambda: codex_ctx(fake, tmp_path / "codex")),
        "copilot": ("/copilot/copilot_internal/user", copilot,
                    lambda: copilot_ctx(fake, {"HOME": str(user), "PATH": ""})),
    }


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize("fault, error", [("500", ServerError), ("503", ServerError), ("html", BadResponse),
                                          ("wrong_type", BadResponse), ("truncated", BadResponse)])
def test_fault_classes(fake: FakeServer, tmp_path: Path, name: str, fault: str, error: type) -> None:
    path, module, make = contexts(fake, tmp_path)[name]
    fake.fault(path, fault)
    with pytest.raises(error):
        module.fetch(make())  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_slow_answer_is_a_network_error(fake: FakeServer, tmp_path: Path, name: str) -> None:
    path, module, make = contexts(fake, tmp_path)[name]
    fake.fault(path, "slow", delay=2.0)
    ctx = make()
    ctx.http.timeout = (1.0, 0.3)
    with pytest.raises(NetworkError):
        module.fetch(ctx)  # type: ignore[attr-defined]
