"""[settings] prices = "auto": a newer genai-prices table, fetched at most daily over loopback, bundled as fallback."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, write_lines
from tests.conftest import run_tokseg, write_config
from tests.fakeserver import FakeServer, Reply
from tests.price_tables import NEW_MODEL, new_model_cost, table
from tests.snapshots import load
from tokseg import config, price_table, pricing, refresh
from tokseg.errors import ConfigError

ROUTE = "/genai-prices/data.json"
KNOWN = "claude-sonnet-4-5-20250929"
# One request each, of the counts claude_row writes by default: input 6, 5-minute write 244, read 87 250.
NEW_COST = new_model_cost(6, 244, 87250, 50)
# Sonnet 4.5 in the bundled table: $3 input, $3.75 cache write, $0.30 cache read, $15 output per million.
KNOWN_COST = (6 * 3 + 244 * 3.75 + 87250 * 0.30 + 40 * 15) / 1e6
UNPRICED = f"1 message from unknown models: {NEW_MODEL} (not priced)"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    fake.route("GET", ROUTE, Reply(200, table(), content_type="application/json"))
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def bundled_afterwards() -> Iterator[None]:
    """In-process refreshes choose a table for the whole test process: back to the bundled one after each."""
    yield
    price_table.prepare("bundled", "", 1.0, time.time())


def logs_and_config(tmp_path: Path, config_file: Path, prices: str, url: str) -> None:
    folder = tmp_path / "claude"
    now = time.time()
    write_lines(folder / "projects" / "-home-dev-app" / "s1.jsonl", [
        claude_row("msg_known", now - 500, output=40),
        claude_row("msg_new", now - 400, model=NEW_MODEL, output=50),
    ])
    write_config(config_file, f'[settings]\nprices = "{prices}"\nprices_url = "{url}"\n'
                              f'[accounts.cc]\nprovider = "claude_logs"\npaths = "{folder}"\n')


def spend(home: Path) -> tuple[float, list[str]]:
    reading = load(home)["accounts"]["cc"]["reading"]
    return reading["spent"]["today"]["amount"], reading["notes"]


def refreshed() -> None:
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 0, done.stderr


def doctor_prices(*extra: str) -> list[str]:
    out = run_tokseg("doctor", *extra).stdout
    return [line.strip() for line in out.splitlines() if "prices:" in line]


def log_lines(home: Path, words: str) -> list[str]:
    return [line for line in (home / "cache" / refresh.LOG_FILE).read_text().splitlines() if words in line]


@pytest.mark.parametrize("text, where, words", [
    ('[settings]\nprices = "weekly"\n', ":2: [settings] prices", 'use "bundled" (the table installed with tokseg'),
    ('[settings]\nprices = true\n', ":2: [settings] prices", "must be"),
    ('[settings]\nprices = "auto"\nprices_url = "http://prices.example.com/data.json"\n', ":3: [settings] prices_url",
     "must be an https:// URL of a genai-prices data.json (plain http only to localhost/127.0.0.1)"),
    ('[settings]\nprices_url = "ftp://example.com/data.json"\n', ":2: [settings] prices_url", "leave it out"),
    ('[settings]\nprice = "auto"\n', ":2: [settings] price", "known: interval, template"),
])
def test_the_prices_settings_are_checked(tmp_path, text, where, words):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}: "), message
    assert words in message
    assert "\n" not in message


def test_the_default_is_the_bundled_table_and_good_values_load(tmp_path):
    path = tmp_path / "config.toml"
    assert config.load(path).settings.prices == "bundled"
    path.write_text('[settings]\nprices = "auto"\nprices_url = "http://127.0.0.1:9/data.json"\n')
    assert config.load(path).settings.prices_url == "http://127.0.0.1:9/data.json"
    path.write_text('[settings]\nprices = "auto"\nprices_url = "https://mirror.example.com/prices/data.json"\n')
    assert config.load(path).settings.prices == "auto"


def test_bundled_never_fetches_and_auto_prices_a_model_the_bundled_table_lacks(tmp_path, config_file, home, server):
    logs_and_config(tmp_path, config_file, "bundled", server.url + ROUTE)
    refreshed()
    assert server.calls() == []  # the default never touches the network
    amount, notes = spend(home)
    assert amount == pytest.approx(KNOWN_COST, abs=1e-6)
    assert UNPRICED in notes
    assert doctor_prices()[0].startswith("prices: bundled table of genai-prices 0.")
    assert " (installed 20" in doctor_prices()[0]

    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    refreshed()
    assert len(server.calls(ROUTE)) == 1
    amount, notes = spend(home)  # the rows stored under the bundled table are priced again by the new one
    assert amount == pytest.approx(KNOWN_COST + NEW_COST, abs=1e-6)
    assert not [n for n in notes if "not priced" in n]
    stored = home / "cache" / "prices" / "genai-prices.json"
    assert stored.read_bytes() == table()  # the package's own format, byte for byte
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    lines = doctor_prices()
    assert lines[0].startswith("prices: table downloaded "), lines
    assert lines[0].endswith(f" ago, in place of genai-prices {pricing.VERSION}'s own: {stored}")
    assert len(lines) == 1  # no warning

    refreshed()  # a second refresh the same day asks nothing
    assert len(server.calls(ROUTE)) == 1


def test_at_most_one_download_a_day_by_the_refreshers_clock(tmp_path, config_file, home, server):
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    start = time.time()
    for hours, calls in ((0, 1), (1, 1), (23.9, 1), (24.1, 2), (30, 2), (-2, 3)):  # -2: a clock set back
        refresh.run(force=True, clock=lambda h=hours: start + h * 3600)
        assert len(server.calls(ROUTE)) == calls, hours
    state = json.loads((home / "cache" / "prices" / "update.json").read_text())
    assert state["fetched_at"] == pytest.approx(start - 2 * 3600)
    assert state["error"] is None
    assert server.url not in json.dumps(state)  # which URL is kept as a digest only
    server.route("GET", "/mirror/data.json", Reply(200, table(), content_type="application/json"))
    logs_and_config(tmp_path, config_file, "auto", server.url + "/mirror/data.json")
    refresh.run(force=True, clock=lambda: start - 3600)  # a changed prices_url is fetched at once
    assert len(server.calls("/mirror/data.json")) == 1


@pytest.mark.parametrize("down", ["500", "html", "stopped"])
def test_a_failed_download_keeps_the_bundled_table_and_logs_one_line(tmp_path, config_file, home, server, down):
    if down == "stopped":
        server.stop()
    else:
        server.fault(ROUTE, down)
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    refreshed()
    amount, notes = spend(home)
    assert amount == pytest.approx(KNOWN_COST, abs=1e-6)  # the bundled figures, unchanged
    assert UNPRICED in notes
    assert not (home / "cache" / "prices" / "genai-prices.json").exists()
    failed = log_lines(home, "prices: could not fetch")
    assert len(failed) == 1, failed
    reason = {"500": "(HTTP 500)", "html": "(not a genai-prices table", "stopped": "(network: ConnectError)"}[down]
    assert f"127.0.0.1{ROUTE} {reason}" in failed[0]
    assert failed[0].endswith("pricing with the bundled table")
    lines = doctor_prices()
    assert "bundled table" in lines[0]
    assert lines[1].startswith(f"warning: prices: the last download failed {reason}"), lines
    assert "check the connection, any proxy (HTTPS_PROXY) and [settings] prices_url; tokseg tries again" in lines[1]
    refreshed()
    assert len(log_lines(home, "prices: could not fetch")) == 1  # not tried again the same day


def test_a_failed_download_keeps_the_table_downloaded_before(tmp_path, config_file, home, server):
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    start = time.time()
    refresh.run(force=True, clock=lambda: start)
    server.fault(ROUTE, "503")
    refresh.run(force=True, clock=lambda: start + 25 * 3600)
    assert len(server.calls(ROUTE)) == 2
    assert "pricing with the downloaded table" in log_lines(home, "prices: could not fetch")[0]
    refresh.run(force=True)
    amount, notes = spend(home)
    assert amount == pytest.approx(KNOWN_COST + NEW_COST, abs=1e-6)
    assert UNPRICED not in notes


def test_a_slow_server_holds_the_refresh_only_for_the_wait(tmp_path, config_file, home, server, monkeypatch):
    monkeypatch.setattr(price_table, "WAIT_S", 0.5)
    server.fault(ROUTE, "slow", delay=5)
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    began = time.monotonic()
    refresh.run(force=True)
    assert time.monotonic() - began < 4
    assert "(no answer within 0.5s)" in log_lines(home, "prices: could not fetch")[0]
    amount, _ = spend(home)
    assert amount == pytest.approx(KNOWN_COST, abs=1e-6)


@pytest.mark.parametrize("damage", ["cut", "not json", "empty list"])
def test_a_damaged_table_file_prices_with_the_bundled_table(tmp_path, config_file, home, server, damage):
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    refreshed()
    assert spend(home)[0] == pytest.approx(KNOWN_COST + NEW_COST, abs=1e-6)
    stored = home / "cache" / "prices" / "genai-prices.json"
    payload = {"cut": stored.read_bytes()[: stored.stat().st_size // 2], "not json": b"\x00garbage",
               "empty list": b"[]"}[damage]
    stored.write_bytes(payload)
    refreshed()
    amount, notes = spend(home)
    assert amount == pytest.approx(KNOWN_COST, abs=1e-6)  # never half a table: the bundled one
    assert UNPRICED in notes
    assert len(server.calls(ROUTE)) == 1
    assert log_lines(home, f"prices: {stored} unusable (")
    lines = doctor_prices()
    assert "bundled table" in lines[0]
    assert lines[1] == (f"warning: prices: {stored} is damaged, so refreshes price with the bundled table; "
                        f"fix: rm {stored} {stored.parent / 'update.json'}; the next refresh downloads it again")


def test_doctor_says_auto_has_not_downloaded_yet_and_when_the_table_is_old(tmp_path, config_file, home, server):
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    assert doctor_prices()[0].endswith('; prices = "auto": the next refresh downloads a newer one')
    start = time.time() - 9 * 86400
    refresh.run(force=True, clock=lambda: start)
    report = json.loads(run_tokseg("doctor", "--json").stdout)["prices"]
    assert report["table"] == "downloaded" and report["age_s"] > 9 * 86400 - 60
    assert report["warning"] == "the downloaded table is 9 days old"
    assert doctor_prices()[1].startswith("warning: prices: the downloaded table is 9 days old; fix: check")


def test_a_refresh_with_no_download_due_does_not_load_the_package(tmp_path, config_file, home, server):
    """Choosing the table is a stat; the package loads only when a log row is priced (or a download is due)."""
    logs_and_config(tmp_path, config_file, "auto", server.url + ROUTE)
    refreshed()
    probe = ("import sys, time; from tokseg import price_table; "
             f"price_table.prepare('auto', {server.url + ROUTE!r}, 15.0, time.time()); "
             "print(price_table.chosen() is not None, 'genai_prices' in sys.modules, 'httpx2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.stdout.split() == ["True", "False", "False"], done.stderr
    assert len(server.calls(ROUTE)) == 1
