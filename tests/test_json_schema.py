"""`tokseg --json` is a stable, documented contract for scripts: pin its keys and types."""

from __future__ import annotations

import json

from tests.conftest import run_tokseg, write_config

TOP = {"schema", "generated_at", "state", "stale", "refreshing", "config_error", "template_error", "text", "accounts",
       "totals", "budget"}
ACCOUNT = {"name", "provider", "label", "status", "state", "stale", "fetched_at", "age_s", "headline", "error", "balance",
           "limit", "limit_remaining", "spent", "tokens", "windows", "rate_limits", "models", "projects", "sessions",
           "efficiency", "notes", "forecast",
           "budget_state", "budget", "context_pct"}
CONFIG = """
[accounts.credits]
provider = "demo"
[accounts.cny]
provider = "demo"
currency = "CNY"
[accounts.claude]
provider = "demo"
kind = "subscription"
[accounts.api]
provider = "demo"
kind = "postpaid"
[accounts.dead]
provider = "demo"
kind = "revoked"
"""


def test_json_document_keys_and_types(config_file):
    write_config(config_file, CONFIG)
    run_tokseg("refresh", "--quiet")
    doc = json.loads(run_tokseg("--json").stdout)

    assert set(doc) == TOP
    assert doc["schema"] == 1 and doc["state"] == "error" and doc["config_error"] is None
    assert isinstance(doc["generated_at"], float) and doc["refreshing"] is False
    by_name = {a["name"]: a for a in doc["accounts"]}
    assert list(by_name) == ["credits", "cny", "claude", "api", "dead"]
    for account in doc["accounts"]:
        assert set(account) == ACCOUNT
        assert set(account["headline"]) == {"text", "value"}

    credits = by_name["credits"]
    assert credits["status"] == "ok" and credits["error"] is None and credits["stale"] is False
    assert set(credits["balance"][0]) == {"amount", "currency"} and credits["balance"][0]["currency"] == "USD"
    assert credits["headline"]["text"] == f"${credits['balance'][0]['amount']:,.2f}"
    assert by_name["claude"]["windows"][0]["name"] == "5h"
    five_hours = by_name["claude"]["windows"][0]
    assert set(five_hours) == {"name", "used_pct", "resets_at", "length_s", "pace"}
    # The demo fills its windows evenly, so its pace is about zero (a little ahead as time passes since the fetch).
    assert five_hours["length_s"] == 5 * 3600 and 0.0 <= five_hours["pace"] < 1.0
    assert set(by_name["api"]["tokens"]["today"]) == {"input", "output", "cache_read", "cache_write", "total"}
    dead = by_name["dead"]
    assert dead["status"] == "error" and dead["error"]["kind"] == "auth" and dead["headline"]["text"] == ""

    # Totals are per currency: CNY is never added to USD.
    assert set(doc["totals"]) == {"balance", "spent_today", "spent_month"}
    assert doc["totals"]["balance"] == {
        "USD": round(credits["balance"][0]["amount"], 6),
        "CNY": round(by_name["cny"]["balance"][0]["amount"], 6),
    }
    assert doc["totals"]["spent_month"] == {"USD": by_name["api"]["spent"]["month"]["amount"]}


def test_json_when_nothing_is_cached_yet(config_file):
    doc = json.loads(run_tokseg("--json").stdout)
    assert set(doc) == TOP
    assert doc["state"] == "missing" and doc["accounts"] == [] and doc["text"] == "tok …"


def test_template_and_account_filter(config_file):
    write_config(config_file, CONFIG)
    run_tokseg("refresh", "--quiet")
    shown = run_tokseg("--account", "claude", "--account", "credits").stdout.strip()
    assert shown.startswith("claude 5h ") and " │ credits $" in shown
    templated = run_tokseg("--template", "{claude.5h.pct:.0f}% {{raw}} {total.balance}").stdout.strip()
    pct = json.loads(run_tokseg("--json").stdout)["accounts"][2]["windows"][0]["used_pct"]
    assert templated.startswith(f"{pct:.0f}% {{raw}} ¥") and " $" in templated  # per currency, CNY then USD
    assert run_tokseg("--max-width", "12").stdout.strip().endswith("…")
    assert len(run_tokseg("--max-width", "12").stdout.strip()) == 12
    missing = run_tokseg("--account", "nope")
    assert (missing.returncode, missing.stdout.strip()) == (0, "nope !config")
