"""The template language, threshold/colour/push config, and `tokseg init`, `format check`, `show`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_tokseg, write_config
from tests.hosts import DEMO_ACCOUNTS, host_env, refreshed
from tests.test_render_formats import write_snapshot
from tokseg import config
from tokseg.cli.init import HOSTS
from tokseg.errors import ConfigError
from tokseg.render import template


def test_template_spans_conditionals_and_literals():
    values = {"a.balance": "$3", "a.pct": 41.5, "b.none": None, "all": [("x", "a"), (" | ", None)]}
    spans = template.spans("{{{a.balance}}} {?b.none}hidden{/}{!b.none}[{?a.pct}{a.pct:.0f}%{/}]{/}{all}",
                           values, frozenset({"a", "b"}))
    assert spans == [("{", None), ("$3", "a"), ("}", None), (" ", None), ("[", None), ("42", "a"), ("%", None),
                     ("]", None), ("x", "a"), (" | ", None)]


@pytest.mark.parametrize(("text", "problem"), [
    ("{?a}open", "block {?a} at column 1 is never closed; end it with {/}"),
    ("x{/}", "'{/}' at column 2 closes no block; open one with {?name}"),
    ("50% {", "lone '{' at column 5; write '{{' for a literal brace"),
    ("{nope}", "unknown field {nope}"),
    ("{a:>zz}", "bad format spec '>zz' for {a}: "),
])
def test_template_problems(text, problem):
    found = template.problems(text, {"a": 1.0})
    assert found and found[0].startswith(problem), found


def test_render_never_fails_on_bad_templates():
    assert template.render("{?a}{a:zz} {", {"a": 2}) == "2 {"


@pytest.mark.parametrize(("body", "message"), [
    ("warn_pct = 120", ":3: [accounts.a] warn_pct: is a percentage of use; give a number from 0 to 100"),
    ("warn_pct = 90\ncrit_pct = 50", ":4: [accounts.a] crit_pct: must be at least warn_pct (90)"),
    ("warn_below = 1\ncrit_below = 5", ":4: [accounts.a] crit_below: must be at most warn_below (1)"),
    ('warn_below = "low"', ':3: [accounts.a] warn_below: must be a number, not "low"'),
])
def test_threshold_errors_name_line_and_fix(body, message, tmp_path):
    path = tmp_path / "c.toml"
    with pytest.raises(ConfigError) as err:
        config.parse(f'[accounts.a]\nprovider = "demo"\n{body}\n', path)
    assert str(err.value).startswith(f"{path}{message}"), str(err.value)


@pytest.mark.parametrize(("body", "message"), [
    ('[settings.colors]\nwarn = "puce"', ':2: [settings.colors] warn: "puce" is not a colour'),
    ('[settings.colors]\nhot = "red"', ":2: [settings.colors] hot: unknown state"),
    ('[settings.colors.tmux]\nok = 300', ':2: [settings.colors.tmux] ok: 300 is not a colour'),
    ("[settings.push]\nwaybar_signal = 99", ":2: [settings.push] waybar_signal: must be 0 (off) or a real-time"),
    ("[settings.push]\nsway = true", ":2: [settings.push] sway: unknown push target"),
])
def test_colour_and_push_errors(body, message, tmp_path):
    path = tmp_path / "c.toml"
    with pytest.raises(ConfigError) as err:
        config.parse(body + "\n", path)
    assert str(err.value).startswith(f"{path}{message}"), str(err.value)


def test_compiled_settings_carry_thresholds_palette_and_push(tmp_path):
    cfg = config.parse('[settings.colors]\nwarn = "#aabbcc"\n[settings.colors.zsh]\ncrit = 196\n'
                       '[settings.push]\ntmux = false\n[accounts.a]\nprovider = "demo"\nwarn_below = 5\n', tmp_path / "c")
    hot = config.compile_hot_settings(cfg)
    assert hot["thresholds"] == {"a": {"warn_pct": 80.0, "crit_pct": 95.0, "warn_below": 5.0}}
    assert hot["palette"] == {"default": {"warn": "#aabbcc"}, "zsh": {"crit": 196}}
    assert hot["push"]["tmux"] is False and hot["push"]["files"] is True


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_init_prints_the_shipped_snippet_and_each_host_has_a_readme(host, home):
    folder = ROOT / "integrations" / host
    shipped = (folder / HOSTS[host]).read_text(encoding="utf-8")
    done = run_tokseg("init", host, env=host_env())  # tokseg on the PATH, as installed: the snippet as shipped
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == shipped.replace("~/.cache/tokseg", str(home / "cache"))
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"tokseg init {host}" in readme


def test_format_check(config_file):
    refreshed(config_file, DEMO_ACCOUNTS)
    good = run_tokseg("format", "check", "{credits.balance} {claude.5h.pct:.0f}%")
    assert good.returncode == 0 and good.stdout.startswith("ok: ") and "%# " in good.stdout
    bad = run_tokseg("format", "check", "{credits.balanc} {?claude}")
    assert bad.returncode == 1
    assert "template: unknown field {credits.balanc}" in bad.stderr
    assert "never closed" in bad.stderr and "{credits.balance}" in bad.stderr  # the known fields are listed
    assert "Traceback" not in bad.stderr


def test_show_lists_every_account_in_detail(config_file):
    write_config(config_file, DEMO_ACCOUNTS + '\n[accounts.api]\nprovider = "demo"\nkind = "postpaid"\n')
    assert run_tokseg("refresh", "--quiet").returncode == 0
    lines = run_tokseg("show").stdout.splitlines()
    assert lines[0].startswith("50% #1 (credits, demo)  warn")
    text = "\n".join(lines)
    for expected in ("balance", "window 5h", "window 7d", "spent today", "spent month", "tokens today",
                     "cl&<b> (claude, demo)  crit"):
        assert expected in text, text


def test_show_without_snapshot(home):
    assert run_tokseg("show").stdout.strip() == "no snapshot yet; run `tokseg refresh`"


def test_integrations_folder_is_the_shipped_one():
    assert (ROOT / "integrations").resolve() == (ROOT / "tokseg" / "integrations").resolve()
    assert Path(ROOT / "integrations" / "tmux" / "README.md").exists()


D = 86400.0
# (name, used %, reset in, length): week-long windows, so the seconds these calls take move no figure.
PACE_WINDOWS = [("start", 0.0, 7 * D, 7 * D), ("early", 5.0, 7 * D, 7 * D), ("middle", 38.0, 3.5 * D, 7 * D),
                ("over", 58.0, 3.5 * D, 7 * D), ("past", 40.0, -2 * D, 7 * D), ("skew", 70.0, -20.0, 7 * D),
                ("unknown", 50.0, 3.5 * D, None), ("zero", 50.0, 3.5 * D, 0.0), ("negative", 50.0, 3.5 * D, -7 * D)]
# By hand: pace = 100·e - used, e = 1 - reset_in / length clamped to [0, 1]; None where the length is unusable.
PACE = {"start": 0.0, "early": -5.0, "middle": 12.0, "over": -8.0, "past": 60.0, "skew": 30.0,
        "unknown": None, "zero": None, "negative": None}


def write_pace_snapshot() -> None:
    now = time.time()
    windows = [{"name": name, "used_pct": used, "resets_at": now + resets_in, "length_s": length}
               for name, used, resets_in, length in PACE_WINDOWS]
    write_snapshot({"schema": 1, "written_at": now, "settings": {}, "config": {"accounts": ["max"]},
                    "accounts": {"max": {"provider": "claude", "label": "max", "interval": 300, "fetched_at": now,
                                         "next_due": now + 300, "error": None, "status": "ok",
                                         "reading": {"headline": {"kind": "window", "key": "middle"},
                                                     "windows": windows}}}})


def test_pace_in_a_template_in_json_and_in_show(home):
    write_pace_snapshot()
    names = [name for name, *_ in PACE_WINDOWS]
    shown = run_tokseg("--template", "|".join(f"{{max.{name}.pace}}" for name in names)).stdout.strip()
    assert shown == "0%|-5%|+12%|-8%|+60%|+30%|||"
    numbers = run_tokseg("--template", "{max.middle.pace.value:+.1f} {max.over.pace.value} "
                                       "{?max.unknown.pace}pace{/}{!max.unknown.pace}no pace{/}").stdout.strip()
    assert numbers == "+12.0 -8.0 no pace"
    doc = json.loads(run_tokseg("--json").stdout)
    assert {w["name"]: w["pace"] for w in doc["accounts"][0]["windows"]} == PACE
    assert doc["accounts"][0]["windows"][2]["length_s"] == 7 * D
    rows = {line.split()[1]: line for line in run_tokseg("show").stdout.splitlines() if line.startswith("    window")}
    assert rows["middle"].endswith(("middle 38% ↻3d11h · pace +12%", "middle 38% ↻3d12h · pace +12%"))
    assert rows["over"].endswith(" · pace -8%")
    assert "pace" not in rows["unknown"] and "pace" not in rows["zero"]
    check = run_tokseg("format", "check", "{max.unknown.pace}{max.unknown.pace.value}")
    assert check.returncode == 0, check.stderr  # an unknown pace is an empty field, not an unknown one
