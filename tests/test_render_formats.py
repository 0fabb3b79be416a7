"""Every output format from the same snapshot: escaping, colours by state, width, documented fields."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_tokseg, write_config
from tests.hosts import need
from tokseg import dirs, locations, store
from tokseg.render import FORMATS, palette, render
from tokseg.render import view as views

NOW = time.time()
TRICKY = "50% #{x} &<b>%{F#f00}"


def snap(settings: dict | None = None, label: str = TRICKY, balance: float = 4.2, used: float = 62.0,
         fetched_ago: float = 5.0, error: dict | None = None) -> dict:
    fetched = NOW - fetched_ago
    return {
        "schema": 1, "written_at": NOW, "settings": settings or {},
        "config": {"accounts": ["credits", "claude"]},
        "accounts": {
            "credits": {"provider": "demo", "label": label, "interval": 300, "fetched_at": fetched,
                        "next_due": NOW + 300, "error": error, "status": "ok",
                        "reading": {"headline": {"kind": "balance", "key": ""},
                                    "balance": [{"amount": balance, "currency": "USD"}]}},
            "claude": {"provider": "demo", "label": "cl", "interval": 300, "fetched_at": fetched,
                       "next_due": NOW + 300, "error": None, "status": "ok",
                       "reading": {"headline": {"kind": "window", "key": "5h"},
                                   "windows": [{"name": "5h", "used_pct": used, "resets_at": NOW + 3600}]}},
        },
    }


THRESHOLDS = {"thresholds": {"credits": {"warn_below": 10.0, "crit_below": 1.0, "warn_pct": 80.0, "crit_pct": 95.0},
                             "claude": {"warn_pct": 50.0, "crit_pct": 90.0}}}


def out(fmt: str, data: dict | None = None, template: str | None = None, width: int | None = None) -> str:
    return render(views.build(data or snap(THRESHOLDS), NOW), fmt, template, width)


def test_states_from_thresholds():
    accounts = {a["name"]: a["state"] for a in views.build(snap(THRESHOLDS), NOW)["accounts"]}
    assert accounts == {"credits": "warn", "claude": "warn"}
    accounts = {a["name"]: a["state"] for a in views.build(snap(THRESHOLDS, balance=0.5, used=10), NOW)["accounts"]}
    assert accounts == {"credits": "crit", "claude": "ok"}
    stale = views.build(snap(THRESHOLDS, balance=50, used=10, fetched_ago=3600), NOW)["accounts"]
    assert [a["state"] for a in stale] == ["stale", "stale"]
    errored = snap(THRESHOLDS, balance=50, used=10)
    errored["accounts"]["credits"].update(reading=None, error={"kind": "auth", "message": "bad key", "at": NOW})
    view = views.build(errored, NOW)
    assert [a["state"] for a in view["accounts"]] == ["error", "ok"]
    assert json.loads(render(view, "json"))["state"] == "error"
    assert [a["state"] for a in json.loads(render(view, "json"))["accounts"]] == ["error", "ok"]


def test_tmux_doubles_hash_and_colours_by_state():
    text = out("tmux")
    assert text.startswith("#[fg=colour58]50% ##{x} &<b>%{F##f00}")  # warn on the green bar
    assert "#[fg=colour58]cl 5h 62%" in text
    assert re.sub(r"#\[[^]]*\]", "", text).replace("##", "") .count("#") == 0  # no lone '#' reaches tmux


def test_zsh_doubles_percent():
    text = out("zsh")
    assert text.startswith("%F{136}50%% #{x} &<b>%%{F#f00} $4.20%f")
    assert "62%% " in text


def test_zsh_prints_data_literally_in_real_zsh():
    need("zsh")
    text = out("zsh", template="{credits.label} 100%")
    shown = subprocess.run(["zsh", "-f", "-c", 'print -rP -- "$1"', "_", text], capture_output=True, text=True).stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown).strip() == f"{TRICKY} 100%"


def test_bash_fences_colour_bytes_for_readline():
    text = out("bash")
    assert text.startswith("\001\033[38;5;136m\002" + TRICKY + " $4.20\001\033[39m\002")
    outside = re.sub("\001[^\002]*\002", "", text)
    assert "\033" not in outside


def test_fish_raw_ansi():
    assert out("fish").startswith(f"\033[38;5;136m{TRICKY} $4.20\033[39m")


def test_starship_plain_text_with_state_icon():
    text = out("starship", snap(THRESHOLDS, balance=0.5))
    assert text.startswith("✖ " + TRICKY) and "\033" not in text
    assert not out("starship", snap(THRESHOLDS, balance=50, used=10)).startswith(("▲", "✖", "!"))


def test_polybar_tags_are_well_formed_and_data_cannot_open_one():
    text = out("polybar")
    tags = re.findall(r"%\{([^}]*)\}", text)
    assert tags[0] == r"A1:tokseg refresh --quiet &:" and tags[-1] == "A"
    assert set(tags[1:-1]) <= {"F#e5c07b", "F-"}, tags
    assert "%\u200b{F#f00}" in text  # the label's "%{" shown, not parsed


XMOBAR_TOKEN = re.compile(r"<fc=(#[0-9a-f]{6})>|(</fc>)|<raw=([0-9]+):|([^<]+)")


def xmobar_parse(markup: str) -> list[tuple[str, str | None]]:
    """(text, colour) runs as xmobar reads them; any tag but `<fc=#rrggbb>`, `</fc>` or `<raw=N:…/>` fails."""
    runs: list[tuple[str, str | None]] = []
    colours: list[str] = []
    pos = 0
    while pos < len(markup):
        token = XMOBAR_TOKEN.match(markup, pos)
        assert token, f"xmobar would read a tag at {markup[pos:pos + 20]!r}"
        opened, closed, raw, text = token.groups()
        pos = token.end()
        if opened:
            colours.append(opened)
        elif closed:
            assert colours, f"</fc> without <fc=…> in {markup!r}"
            colours.pop()
        else:
            if raw:
                text, pos = markup[pos:pos + int(raw)], pos + int(raw)
                assert markup.startswith("/>", pos), markup
                pos += 2
            runs.append((text, colours[-1] if colours else None))
    assert not colours, f"unclosed <fc> in {markup!r}"
    return runs


def xmobar_text(markup: str) -> str:
    return "".join(text for text, _ in xmobar_parse(markup))


HOSTILE_XMOBAR = "<action=`touch pwned`>x</action><fn=1>f</fn><icon=i.xbm/><raw=3:abc/></fc><fc=#f00><box>"


def test_xmobar_colours_spans_and_data_cannot_open_a_tag():
    runs = xmobar_parse(out("xmobar"))
    assert xmobar_text(out("xmobar")) == out("plain")
    assert {colour for text, colour in runs if text.startswith(("50%", "cl"))} == {"#e5c07b"}  # warn
    assert {colour for _, colour in runs} <= {"#e5c07b", None}
    hostile = out("xmobar", snap(THRESHOLDS, label=HOSTILE_XMOBAR))
    assert xmobar_text(hostile).startswith(HOSTILE_XMOBAR + " $4.20")
    assert hostile.count("<fc=") == hostile.count("</fc>") == 2  # tokseg's own two spans, nothing from the label


def test_waybar_json_has_documented_fields_and_valid_markup():
    line = out("waybar")
    assert "\n" not in line
    doc = json.loads(line)
    assert set(doc) <= {"text", "alt", "tooltip", "class", "percentage"}
    assert isinstance(doc["text"], str) and isinstance(doc["tooltip"], str) and isinstance(doc["alt"], str)
    assert isinstance(doc["class"], list) and all(isinstance(c, str) for c in doc["class"])
    assert doc["class"][0] == "warn"
    assert isinstance(doc["percentage"], int) and doc["percentage"] == 62
    for markup in (doc["text"], doc["tooltip"]):  # Pango markup is XML: it must parse
        ET.fromstring(f"<markup>{markup}</markup>")
    shown = "".join(ET.fromstring(f"<markup>{doc['text']}</markup>").itertext())
    assert shown.startswith(TRICKY)
    rows = "".join(ET.fromstring(f"<markup>{doc['tooltip']}</markup>").itertext()).split("\n")
    assert [row.split()[-2] for row in rows] == ["warn", "warn"] and rows[0].startswith(TRICKY)


def test_i3bar_block_fields():
    block = json.loads(out("i3bar", snap(THRESHOLDS, balance=0.5)))
    assert set(block) <= {"full_text", "short_text", "color", "background", "border", "min_width", "align",
                          "urgent", "name", "instance", "separator", "markup"}
    assert block["full_text"].startswith(TRICKY)
    assert block["short_text"] == "$0.50 5h 62% ↻1h"
    assert block["color"] == "#e06c75" and block["urgent"] is True
    assert (block["name"], block["instance"]) == ("tokseg", "credits,claude")
    assert not {"urgent", "instance"} & set(json.loads(out("i3blocks")))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_max_width_limits_visible_text(fmt):
    text = out(fmt, width=12)
    if fmt in ("json", "waybar"):
        text = json.loads(text)["text"]
    elif fmt in ("i3bar", "i3blocks"):
        block = json.loads(text)
        assert len(block["short_text"]) <= 12
        text = block["full_text"]
    visible = {
        "tmux": lambda t: re.sub(r"#\[[^]]*\]", "", t).replace("##", "#"),
        "zsh": lambda t: re.sub(r"%[Ff](\{[^}]*\})?", "", t).replace("%%", "%"),
        "bash": lambda t: re.sub("\001[^\002]*\002", "", t),
        "fish": lambda t: re.sub(r"\033\[[0-9;]*m", "", t),
        "polybar": lambda t: re.sub(r"%\{(A1:[^}]*:|A|F[^}]*)\}", "", t).replace("\u200b", ""),
        "xmobar": xmobar_text,
    }.get(fmt, lambda t: t)(text)
    if fmt == "waybar":
        visible = "".join(ET.fromstring(f"<m>{text}</m>").itertext())
    # The same cut in every format: at the last word's end within 12 characters (tests/test_word_cut.py).
    assert len(visible) <= 12 and visible.endswith(out("plain", width=12)), (fmt, visible)  # starship: icon first
    assert out("plain", width=12) == "50% #{x}…"


def test_palette_per_host_and_default():
    settings = {**THRESHOLDS, "palette": {"default": {"warn": "#123456"}, "tmux": {"warn": 208},
                                          "zsh": {"warn": "brightyellow"}}}
    data = snap(settings)
    assert out("tmux", data).startswith("#[fg=colour208]")
    assert out("zsh", data).startswith("%F{11}")
    assert out("polybar", data).count("%{F#123456}") == 2
    assert out("xmobar", data).count("<fc=#123456>") == 2
    named = {**THRESHOLDS, "palette": {"xmobar": {"warn": "brightyellow"}, "default": {"warn": 208}}}
    assert out("xmobar", snap(named)).startswith("<fc=#ffd580>")  # names become the GUI bars' hex
    assert out("xmobar", snap({**THRESHOLDS, "palette": {"default": {"warn": 208}}})).startswith("<fc=#ff8700>")
    assert out("bash", data).startswith("\001\033[38;2;18;52;86m\002")
    assert json.loads(out("i3bar", data))["color"] == "#123456"


def test_templates_with_fields_specs_and_conditionals():
    data = snap(THRESHOLDS)
    assert out("plain", data, "{claude.5h.pct:.0f}% {?credits.balance}bal {credits.balance}{/}{!nothing} ok{/}") \
        == "62% bal $4.20 ok"
    assert out("tmux", data, "{credits.icon} {claude.5h.gauge}") == "#[fg=colour58]▲#[fg=default] #[fg=colour58]▅#[fg=default]"
    assert out("plain", data, "{total.balance} {{literal}}") == "$4.20 {literal}"


def write_snapshot(data: dict) -> None:
    path = Path(locations.snapshot_path())
    dirs.ensure_private(path.parent)
    store.write_atomic(path, data)


def test_hot_path_formats_through_the_real_entry(home):
    write_snapshot(snap(THRESHOLDS, balance=0.5))
    done = run_tokseg("--format", "i3blocks")
    assert done.returncode == 33 and json.loads(done.stdout)["full_text"].startswith(TRICKY)
    done = run_tokseg("--format", "tmux", "--max-width", "8")
    assert done.returncode == 0 and done.stdout == "#[fg=colour88]50% ##{x…#[fg=default]\n"


HEAVY = ("click", "requests", "keyring", "filelock", "platformdirs", "tomllib", "sqlite3", "subprocess", "logging",
         "pathlib", "dataclasses", "typing", "datetime", "threading", "argparse", "shutil", "tempfile")


def test_every_format_stays_on_the_light_hot_path(home):
    write_snapshot(snap(THRESHOLDS))
    script = ("import sys\nfrom tokseg import entry\nfor fmt in sys.argv[1:]:\n"
              "    entry.main(['--format', fmt])\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    # -S: no site-packages, so only what tokseg itself imports is counted (the repo is on PYTHONPATH).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-S", "-c", script, *sorted(FORMATS)], capture_output=True, text=True,
                          env=env)
    loaded = set(done.stderr.split())
    assert "tokseg.render.waybar" in loaded and "tokseg.render.polybar" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_waybar_paints_each_account_by_its_own_state(config_file):
    """One failing account no longer turns the whole module red: its own text is red, the fine one keeps
    the CSS colour, the warned one is yellow; the class stays the worst state; data is escaped."""
    write_config(config_file, '[accounts.fine]\nprovider = "demo"\nlabel = "a&<b>"\n'
                              '[accounts.low]\nprovider = "demo"\nwarn_below = 1000\n'
                              '[accounts.dead]\nprovider = "demo"\nkind = "revoked"\n')
    run_tokseg("refresh", "--quiet")  # exits 1: the revoked account fails, as it should
    doc = json.loads(run_tokseg("--format", "waybar").stdout)
    root = ET.fromstring(f"<markup>{doc['text']}</markup>")
    painted = {span.text.split()[0]: span.get("color") for span in root.iter("span")}
    assert painted == {"low": palette.to_hex("yellow"), "dead": palette.to_hex("red")}, doc["text"]
    assert (root.text or "").startswith("a&<b> $")  # unpainted, escaped in the markup, shown as typed
    assert "a&amp;&lt;b&gt;" in doc["text"]
    assert doc["class"][0] == "error"
    custom = '[settings.colors.waybar]\nok = "#123456"\n'
    write_config(config_file, custom + config_file.read_text())
    run_tokseg("refresh", "--quiet")
    doc = json.loads(run_tokseg("--format", "waybar").stdout)
    assert '<span color="#123456">a&amp;&lt;b&gt; $' in doc["text"]
