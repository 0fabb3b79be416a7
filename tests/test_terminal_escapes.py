"""Terminal controls from the network or an old snapshot never reach the user's terminal, bar or JSON raw.

Model names, server messages, labels, window names and notes go through
`tokseg.safe_text` where they are printed: bars drop the controls, the
terminal printers and JSON show them as visible escapes (`\\x1b`).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import run_tokseg, write_config
from tests.fakeserver import start_fake_server
from tests.snapshots import snapshot_file
from tokseg import safe_text
from tokseg.render import FORMATS

CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
CSI_RED = "\x1b[31mRED\x1b[0m"
C1_CSI = "\x9b2J"
BIDI = "\u202egnp.exe\u202c \u2066iso\u2069"
OTHER = "\x00\x7f\u200b\ufeff\U000e0041\r"
HOSTILE = CLIPBOARD + CSI_RED + C1_CSI + BIDI + OTHER
# What must never appear raw in anything tokseg prints: ESC, C1, bidi overrides and isolates, other Cc/Cf.
# The renderers' own colour codes (SGR, with bash's readline markers), told apart by comparing with plain data.
OWN = re.compile("\x01?\x1b\\[[0-9;]*m\x02?")
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\U000e0000-\U000e007f]")


def hostile_snapshot(home, junk: str = HOSTILE) -> None:
    """A snapshot as an older tokseg (which stored strings as received) may have written it."""
    now = time.time()
    reading = {
        "headline": {"kind": "spend", "key": "month"},
        "balance": [{"amount": 4.2, "currency": "USD"}],
        "spent": {"month": {"amount": 12.5, "currency": "USD"}},
        "tokens": {"month": {"input": 10, "output": 5, "total": 15}},
        "windows": [{"name": "5h" + junk, "used_pct": 40.0, "resets_at": now + 3600}],
        "rate_limits": [{"name": "rpm" + junk, "limit": 60, "remaining": 59, "resets_at": None}],
        "models": [{"model": "gpt" + junk, "period": "month", "spent": {"amount": 1.0, "currency": "USD"},
                    "tokens": {"input": 1, "output": 1, "total": 2}}],
        "notes": ["note" + junk],
    }
    entry = {"provider": "demo", "label": "lab" + junk, "interval": 300, "fetched_at": now,
             "next_due": now + 3600, "status": "ok", "reading": reading,
             "error": {"kind": "auth", "message": "bad" + junk, "at": now}}
    snap = {"schema": 1, "written_at": now, "settings": {}, "config": {"accounts": ["acct"]},
            "accounts": {"acct": entry}}
    path = snapshot_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snap), encoding="utf-8")


def assert_clean(text: str) -> None:
    found = RAW.findall(text)
    assert not found, f"raw controls {found!r} in {text!r}"


def test_the_boundary_escapes_what_a_terminal_would_act_on():
    assert safe_text.visible(CLIPBOARD) == "\\x1b]52;c;ZWNobyBwd25lZA==\\x07"
    assert safe_text.visible(C1_CSI + "\u202e\u2067\ud800") == "\\x9b2J\\u202e\\u2067\\ud800"
    assert safe_text.visible("\U000e0041 ok é 日本 \ue0b0") == "\\U000e0041 ok é 日本 \ue0b0"
    assert safe_text.strip(HOSTILE) == "]52;c;ZWNobyBwd25lZA==[31mRED[0m2Jgnp.exe iso"
    assert safe_text.line(" a\tb\n\x1b[2J  c ", 8) == "a b \\x1…"
    assert safe_text.json_safe({"k\x9b": ["\u202e", 1, None, {"x": "\x1b"}]}) == {
        "k\\x9b": ["\\u202e", 1, None, {"x": "\\x1b"}]}


def test_the_pattern_covers_every_control_and_format_character():
    unicodedata = pytest.importorskip("unicodedata")
    import sys

    unsafe = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp")}
    assert {ch for ch in unsafe if not safe_text.UNSAFE.fullmatch(ch)} == set()
    assert safe_text.strip("".join(sorted(unsafe))) == ""


@pytest.mark.parametrize("args", [("show",), ("list",), ("list", "--json"), ("doctor",), ("doctor", "--json"),
                                  ("--json",), *[("--format", fmt) for fmt in sorted(FORMATS)]])
def test_printers_and_bars_show_no_raw_control_from_a_snapshot(home, config_file, args):
    write_config(config_file, '[accounts.acct]\nprovider = "demo"\n')
    hostile_snapshot(home)
    done = run_tokseg(*args)
    assert "Traceback" not in done.stderr
    if args[0] == "--format":
        hostile_snapshot(home, junk="x")
        plain = run_tokseg(*args).stdout
        assert OWN.findall(done.stdout) == OWN.findall(plain)
    assert_clean(OWN.sub("", done.stdout))
    assert_clean(done.stderr)
    if args[0] in ("show", "doctor") and "--json" not in args:
        assert "\\x1b]52;c;" in done.stdout and "\\u202e" in done.stdout, done.stdout
    if "--json" in args or args == ("--format", "json"):
        text = json.dumps(json.loads(done.stdout), ensure_ascii=False)
        assert_clean(json.dumps(json.loads(done.stdout)))
        assert "\\\\x9b" in text and "\\\\u202e" in text


def test_show_prints_the_model_window_and_error_escaped(home, config_file):
    write_config(config_file, '[accounts.acct]\nprovider = "demo"\n')
    hostile_snapshot(home)
    out = run_tokseg("show").stdout
    escaped = safe_text.visible(HOSTILE)
    assert "gpt" + escaped in out and "window 5h" + escaped in out and "bad" + escaped in out


def test_refresh_table_and_stored_error_from_a_hostile_server(home, config_file):
    fake = start_fake_server()
    try:
        fake.fault("*", "401", message="denied " + HOSTILE)
        write_config(config_file, f'[accounts.or]\nprovider = "openrouter"\nbase_url = "{fake.url}/openrouter/api/v1"\n'
                                  'key_env = "OR_KEY"\n')
        env = {"OR_KEY": "sk-or-v1-test"}
        refreshed = run_tokseg("refresh", env=env)
        outputs = [refreshed.stdout, refreshed.stderr]
        assert "denied" in refreshed.stdout and "\\x1b]52" in refreshed.stdout, refreshed.stdout
        for args in (("show",), ("doctor",), ("list",), ("list", "--json"), ("--json",), ("--format", "tmux")):
            done = run_tokseg(*args, env=env)
            outputs += [done.stdout, done.stderr]
    finally:
        fake.stop()
    for text in outputs:
        assert "Traceback" not in text
        assert_clean(text)


def test_agent_status_line_drops_controls_from_the_model_name(home):
    from tests.test_statusline import hook_input

    result = run_tokseg("statusline", input=hook_input(time.time(), rate_limits=None, model="son" + HOSTILE))
    folded = " ".join(("son" + HOSTILE).split())  # a line break in the name is a space on the one line
    assert result.stdout == "claude " + safe_text.strip(folded) + " · ctx 28% · $1.84 sess\n"
    assert_clean(result.stdout.rstrip("\n"))
