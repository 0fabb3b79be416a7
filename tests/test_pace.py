"""Pace: how far a window's use is ahead of or behind an even pace to its reset (docs/subscriptions.md, "Pace").

Every expected figure below is worked out by hand from the definition: e = 1 - (R - t) / L clamped to
[0, 1], pace = 100·e - used %.
"""

from __future__ import annotations

import pytest

from tokseg.render import view as views

NOW = 1_800_000_000.0
H, D = 3600.0, 86400.0


def window(used: float, resets_in: float | None, length: float | None, name: str = "5h") -> dict:
    return {"name": name, "used_pct": used, "resets_at": None if resets_in is None else NOW + resets_in,
            "length_s": length}


@pytest.mark.parametrize(("used", "resets_in", "length", "pace"), [
    (0.0, 5 * H, 5 * H, 0.0),          # start of the window, nothing used: on pace
    (3.0, 5 * H, 5 * H, -3.0),         # start, already 3 % used: 3 points behind
    (30.0, 2.5 * H, 5 * H, 20.0),      # middle: even pace is 50 %, 30 % used
    (50.0, 2.5 * H, 5 * H, 0.0),       # middle, exactly on pace
    (62.0, 2.5 * H, 5 * H, -12.0),     # middle, over-used
    (42.0, 1 * H + 12 * 60, 5 * H, 34.0),  # 1h12m left of 5h: e = 1 - 72/300 = 0.76
    (18.0, 5 * D, 7 * D, 10.6),        # 2 of 7 days gone: 28.57 % even pace
    (105.0, 7.5 * D, 30 * D, -30.0),   # Copilot over quota: 75 % of the month gone, 105 % used
    (100.0, 0.0, 5 * H, 0.0),          # at the reset, all used: on pace
])
def test_pace_against_hand_computed_cases(used, resets_in, length, pace):
    assert views.window_pace(window(used, resets_in, length), NOW) == pace


def test_past_the_reset_the_whole_window_has_elapsed():
    """The figures predate the reset (the next refresh brings the new window): e is clamped to 1."""
    assert views.window_pace(window(40.0, -1 * H, 5 * H), NOW) == 60.0
    assert views.window_pace(window(40.0, -30 * D, 5 * H), NOW) == 60.0


def test_clock_skew_either_way_is_clamped():
    # The local clock runs ahead of the provider's: resets_at is a few seconds before now.
    assert views.window_pace(window(70.0, -20.0, 7 * D), NOW) == 30.0
    # The local clock runs behind: the reset looks further away than a whole window; e is clamped to 0.
    assert views.window_pace(window(5.0, 5 * H + 90.0, 5 * H), NOW) == -5.0


@pytest.mark.parametrize(("resets_in", "length"), [
    (2 * H, None),    # the provider does not know the length
    (2 * H, 0.0),     # a zero length
    (2 * H, -5 * H),  # a negative length
    (None, 5 * H),    # no reset time
])
def test_no_pace_without_a_usable_length_and_reset(resets_in, length):
    assert views.window_pace(window(30.0, resets_in, length), NOW) is None


def test_a_window_from_an_older_snapshot_has_no_length_and_no_pace():
    old = {"name": "5h", "used_pct": 30.0, "resets_at": NOW + 2 * H}
    assert views.window_pace(old, NOW) is None


def test_rounded_to_a_tenth_and_never_minus_zero():
    assert views.window_pace(window(33.34, 2 * H, 3 * H), NOW) == 0.0  # 33.333… - 33.34 = -0.007
    assert str(views.window_pace(window(33.34, 2 * H, 3 * H), NOW)) == "0.0"
    assert views.window_pace(window(10.0, 2 * H, 3 * H), NOW) == 23.3


def snapshot(windows: list[dict]) -> dict:
    return {"schema": 1, "written_at": NOW, "settings": {}, "config": {"accounts": ["max"]},
            "accounts": {"max": {"provider": "claude", "label": "max", "interval": 300, "fetched_at": NOW,
                                 "next_due": NOW + 300, "error": None, "status": "ok",
                                 "reading": {"headline": {"kind": "window", "key": "5h"}, "windows": windows}}}}


def test_template_fields_text_and_value_for_every_window():
    fields = views.fields(views.build(snapshot([window(30.0, 2.5 * H, 5 * H), window(70.0, 3.5 * D, 7 * D, "7d"),
                                                window(50.0, 2 * D, None, "premium")]), NOW))
    assert (fields["max.5h.pace"], fields["max.5h.pace.value"]) == ("+20%", 20.0)
    assert (fields["max.7d.pace"], fields["max.7d.pace.value"]) == ("-20%", -20.0)
    # Unknown length: the fields exist (a template naming them is valid) but are empty.
    assert (fields["max.premium.pace"], fields["max.premium.pace.value"]) == ("", None)
