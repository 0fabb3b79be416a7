"""Config → key from the environment → `tokseg refresh` → snapshot → `tokseg --json`, all real processes."""

from __future__ import annotations

import json

from tests.conftest import run_tokseg, write_config
from tests.providers.conftest import SPECS


def test_refresh_then_json_shows_exact_figures_and_per_currency_totals(fake, config_file, home):
    write_config(config_file, f"""
[accounts.router]
provider = "openrouter"
base_url = "{fake.url}/openrouter/api/v1"
key_env = "TEST_OR_KEY"

[accounts.seek]
provider = "deepseek"
label = "DS"
base_url = "{fake.url}/deepseek"
key_env = "TEST_DS_KEY"
""")
    env = {"TEST_OR_KEY": SPECS["openrouter"].key, "TEST_DS_KEY": SPECS["deepseek"].key}
    done = run_tokseg("refresh", env=env)
    assert done.returncode == 0, done.stderr + done.stdout

    shown = run_tokseg("--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    accounts = {a["name"]: a for a in doc["accounts"]}
    assert accounts["router"]["status"] == "ok" and accounts["seek"]["status"] == "ok"
    assert accounts["router"]["balance"] == [{"amount": 74.75, "currency": "USD"}]
    assert accounts["router"]["spent"]["month"] == {"amount": 25.5, "currency": "USD"}
    assert accounts["router"]["limit_remaining"] == {"amount": 74.5, "currency": "USD"}
    assert accounts["seek"]["balance"] == [{"amount": 110.0, "currency": "CNY"}]
    assert doc["totals"]["balance"] == {"USD": 74.75, "CNY": 110.0}
    assert doc["totals"]["spent_month"] == {"USD": 25.5}

    plain = run_tokseg()
    assert plain.stdout.strip() == "router $74.75 │ DS ¥110.00"

    keys_seen = {c.headers.get("authorization") for c in fake.calls()}
    assert keys_seen == {f"Bearer {SPECS['openrouter'].key}", f"Bearer {SPECS['deepseek'].key}"}
    for path in home.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert SPECS["openrouter"].key not in text and SPECS["deepseek"].key not in text, path
