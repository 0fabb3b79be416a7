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


def test_wrong_key_type_reaches_the_snapshot_as_one_line_and_keeps_no_key(fake, config_file, home):
    project_key = "sk-proj-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"
    fake.fault("/openai/v1/organization/costs", "403",
               message=f"You have insufficient permissions for this operation (key {project_key}).")
    write_config(config_file, f"""
[accounts.org]
provider = "openai"
base_url = "{fake.url}/openai/v1"
key_env = "TEST_OPENAI_KEY"
""")
    done = run_tokseg("refresh", env={"TEST_OPENAI_KEY": project_key})
    assert done.returncode == 1

    doc = json.loads(run_tokseg("--json").stdout)
    (account,) = doc["accounts"]
    assert account["error"]["kind"] == "auth"
    message = account["error"]["message"]
    assert message.startswith("this is an OpenAI project key; usage needs an Admin key sk-admin-…, create one at "
                              "https://platform.openai.com/settings/organization/admin-keys")
    assert "\n" not in message and project_key not in message
    assert run_tokseg().stdout.strip() == "org !auth"
    for path in home.rglob("*"):
        if path.is_file():
            assert project_key not in path.read_bytes().decode(errors="replace"), path
