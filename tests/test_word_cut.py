"""`--max-width` cuts at a word's end when one ends in the last third of the width, never inside a mark."""

from __future__ import annotations

import pytest

from tests.conftest import run_tokseg
from tests.hosts import DEMO_ACCOUNTS, refreshed
from tokseg.render import plain

SEGMENT = "credits $12.02 │ claude 5h 23% ↻3h52m"


def cut(text: str, width: int) -> str:
    return "".join(piece for piece, _ in plain.clip_spans([(text, None)], width))


@pytest.mark.parametrize(("width", "shown"), [
    (len(SEGMENT), SEGMENT),  # fits: untouched
    (36, "credits $12.02 │ claude 5h 23%…"),  # the word that does not fit goes whole
    (27, "credits $12.02 │ claude 5h…"),
    (20, "credits $12.02 │…"),  # trailing space dropped before the ellipsis
    (9, "credits…"),  # a space at exactly the room
    (7, "credit…"),  # no word ends in the last third: cut inside the word
    (1, "…"),
])
def test_cut_at_a_word_end(width, shown):
    assert cut(SEGMENT, width) == shown
    assert len(shown) <= width


def test_a_long_word_is_cut_where_the_width_ends():
    assert cut("ab cdefghijklmnopqrstuvwxyz", 12) == "ab cdefghij…"


def test_the_cut_keeps_each_span_its_state():
    spans = plain.clip_spans([("credits $12.02", "warn"), (" │ ", None), ("claude 5h 23%", "crit")], 25)
    assert spans == [("credits $12.02", "warn"), (" │ ", None), ("claude…", "crit")]


def test_through_the_cli_and_the_marks_stay_whole(config_file):
    refreshed(config_file, DEMO_ACCOUNTS)
    whole = run_tokseg("--template", "{credits.label} {credits.balance} words here").stdout.rstrip("\n")
    shown = run_tokseg("--template", "{credits.label} {credits.balance} words here",
                       "--max-width", str(len(whole) - 2)).stdout.rstrip("\n")
    assert shown == whole[:-len(" here")] + "…", (whole, shown)
    marked = run_tokseg("--template", "{credits.label} {credits.balance} words here {", "--max-width", "20").stdout
    assert marked.rstrip("\n").endswith("… !tpl") and len(marked.rstrip("\n")) <= 20, marked
