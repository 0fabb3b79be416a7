"""Config → logins on disk → `tokseg refresh` → `tokseg`: the three subscription providers as a status bar sees them."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer
from tests.providers.test_claude import credentials
from tests.providers.test_codex import auth
from tests.providers.test_copilot import apps_json
from tokseg.providers import copilot


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def test_three_subscriptions_in_one_segment(fake: FakeServer, config_file: Path, tmp_path: Path, home: Path) -> None:
    now = time.time()
    user = tmp_path / "user"
    credentials(user / ".claude", expires_at_ms=(now + 3600) * 1000)
    auth(user / ".codex")
    apps_json(user, config_home=tmp_path / "xconfig")  # conftest sets XDG_CONFIG_HOME there
    # Resets a little past whole minutes from now, so the countdown text is exact.
    fake.route("GET", "/claude/api/oauth/usage", {
        "five_hour": {"utilization": 42.0, "resets_at": iso(now + 72 * 60 + 30)},
        "seven_day": {"utilization": 10.0, "resets_at": iso(now + 3 * 86400 + 30)}}, errors="anthropic")
    fake.route("GET", "/codex/backend-api/wham/usage", {"rate_limit": {
        "primary_window": {"used_percent": 12, "limit_window_seconds": 18000, "reset_at": int(now + 2 * 3600 + 30)},
        "secondary_window": None}})
    fake.route("GET", "/copilot/copilot_internal/user", {"quota_reset_date_utc": iso(now + 8 * 86400 + 30),
        "quota_snapshots": {"premium_interactions": {"entitlement": 300, "remaining": 213, "percent_remaining": 71.0}}})
    write_config(config_file, f"""
[accounts.max]
provider = "claude"
base_url = "{fake.url}/claude"

[accounts.codex]
provider = "codex"
base_url = "{fake.url}/codex/backend-api"

[accounts.copilot]
provider = "copilot"
base_url = "{fake.url}/copilot"
""")
    done = run_tokseg("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_tokseg().stdout.strip() == "max 5h 42% ↻1h12m │ codex 5h 12% ↻2h │ copilot premium 29% ↻8d"
    # Pace by hand: Claude 5h, 72.5 of 300 minutes left, 42 % used: 100·(1 - 72.5/300) - 42 = +33.8; Claude 7d, 4 of
    # 7 days gone, 10 % used: +47.1; Codex 5h, 120.5 minutes left, 12 % used: +47.8; Copilot, 8 days left of the
    # month before its reset (how long that month is, is tested apart), 29 % used.
    paced = run_tokseg("--template", "{max.5h.pace} {max.7d.pace} {codex.5h.pace} {copilot.premium.pace.value}")
    text, copilot_pace = paced.stdout.strip().rsplit(" ", 1)
    assert text == "+34% +47% +48%"
    month = copilot.month_length_s(now + 8 * 86400 + 30)
    assert month is not None
    assert float(copilot_pace) == pytest.approx(100 * (1 - (8 * 86400 + 30) / month) - 29, abs=0.1)
    shown = json.loads(run_tokseg("--json").stdout)
    assert {a["name"]: a["status"] for a in shown["accounts"]} == {"max": "ok", "codex": "ok", "copilot": "ok"}
    for path in home.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert "sk-ant-oat01" not in text and "ghu_EDITORTOKEN" not in text and "eyJ-ACCESS" not in text, path
