"""Property: whatever a provider or an old snapshot puts in a string, no control sequence reaches the output.

Fuzzes model names, error messages, notes, labels, window and rate-limit
names and currencies through every renderer in `FORMATS` and through the
interactive printers (`show`, `list`, `doctor`, in-process with click's
runner, colours on). The renderers' own colour codes are told apart by
rendering the same snapshot with a plain string in place of the fuzzed one:
the same codes must come out, and nothing else that a terminal acts on.
"""

from __future__ import annotations

import json
import re
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import write_config
from tests.snapshots import snapshot_file
from tokseg.cli import tokseg
from tokseg.render import FORMATS, polybar, render
from tokseg.render import view as views

NOW = time.time()
SEQUENCES = ["\x1b]52;c;aGk=\x07", "\x1b[31m", "\x1b[2J", "\x9b31m", "\x9d0;t\x9c", "\x1bP+q\x1b\\", "\r", "\n",
             "\t", "\x00", "\x7f", "\x85", "\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200f", "\u2028",
             "\ufeff", "\ud800", "\udfff", "\U000e0041", "\u061c"]
HOSTILE = st.lists(st.one_of(st.sampled_from(SEQUENCES), st.characters(), st.text(max_size=3)),
                   max_size=12).map("".join)
OWN = re.compile("\x01?\x1b\\[[0-9;]*m\x02?")
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff\U000e0000-\U000e007f]")
JSON_FORMATS = {"json", "i3bar", "i3blocks", "waybar"}


def snap(junk: str) -> dict:
    """Every provider-supplied string of a snapshot carries `junk` after a fixed prefix (so no span empties)."""
    reading = {
        "headline": {"kind": "spend", "key": "month"},
        "balance": [{"amount": 4.2, "currency": "USD" + junk}],
        "spent": {"month": {"amount": 12.5, "currency": "USD"}},
        "tokens": {"month": {"input": 10, "output": 5, "total": 15}},
        "windows": [{"name": "5h" + junk, "used_pct": 40.0, "resets_at": NOW + 3600}],
        "rate_limits": [{"name": "rpm" + junk, "limit": 60, "remaining": 59, "resets_at": None}],
        "models": [{"model": "m" + junk, "period": "month", "spent": {"amount": 1.0, "currency": "USD"},
                    "tokens": {"input": 1, "output": 1, "total": 2}}],
        "notes": ["note" + junk],
    }
    broken = {"provider": "demo", "label": "bad" + junk, "interval": 300, "fetched_at": NOW, "next_due": NOW + 3600,
              "status": "error", "reading": None, "error": {"kind": "auth", "message": "no" + junk, "at": NOW}}
    good = {"provider": "demo", "label": "lab" + junk, "interval": 300, "fetched_at": NOW, "next_due": NOW + 3600,
            "status": "ok", "reading": reading, "error": None}
    return {"schema": 1, "written_at": NOW, "settings": {}, "config": {"accounts": ["good", "broken"]},
            "accounts": {"good": good, "broken": broken}}


def strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_no_foreign_controls(out: str, plain: str) -> None:
    """`out` has the colour codes and line breaks of `plain` and no other control character."""
    assert OWN.findall(out) == OWN.findall(plain), (out, plain)
    assert out.count("\n") == plain.count("\n"), (out, plain)
    assert not RAW.findall(OWN.sub("", out).replace("\n", "")), out


@settings(max_examples=150, deadline=None)
@given(junk=HOSTILE)
@example(junk="%{")  # polybar's escape of it is tokseg's own zero-width space
def test_every_renderer_drops_controls_from_provider_strings(junk):
    hostile, plain = views.build(snap(junk), NOW), views.build(snap("x"), NOW)
    for fmt in FORMATS:
        out = render(hostile, fmt)
        if fmt == "polybar":  # polybar's own escape of a `%{` in the data is a zero-width space: tokseg's, not the data's
            out = out.replace("%" + polybar.ZERO_WIDTH_SPACE + "{", "%{")
        if fmt in JSON_FORMATS:
            assert not RAW.findall(out), (fmt, out)
            for text in strings(json.loads(out)):
                assert not RAW.findall(text.replace("\n", "") if fmt == "waybar" else text), (fmt, text)
        else:
            assert_no_foreign_controls(out, render(plain, fmt))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=HOSTILE)
def test_interactive_printers_show_controls_only_as_escapes(home, config_file, junk):
    write_config(config_file, '[accounts.good]\nprovider = "demo"\n[accounts.broken]\nprovider = "demo"\n')
    runner = CliRunner()
    path = snapshot_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    for args in (["show"], ["list"], ["list", "--json"], ["doctor"], ["doctor", "--json"]):
        outputs = []
        for text in (junk, "x"):
            path.write_text(json.dumps(snap(text)), encoding="utf-8")
            done = runner.invoke(tokseg, args, color=True)
            assert done.exception is None or isinstance(done.exception, SystemExit), done.output
            outputs.append(done.output)
        assert_no_foreign_controls(*outputs)
