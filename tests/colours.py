"""Colours as a terminal draws them, and WCAG contrast between two of them (for the palette tests).

XTERM is xterm's default palette: colours 0-15 are the defaults of xterm's
resource file `XTerm-col.ad` (`*color0: black` … `*color15: white`, with
`color2: green3` = #00cd00, `color4: blue2` = #0000ee, `color12:
rgb:5c/5c/ff`); 16-231 are the 6×6×6 cube of xterm's `256colres.pl` (levels
0, 95, 135, 175, 215, 255); 232-255 the grey ramp 8, 18, … 238. tmux's
default `status-style bg=green,fg=black` is colours 2 and 0 of this table.

Contrast is WCAG 2.x's: (L1 + 0.05) / (L2 + 0.05) of the relative
luminances, 3:1 the minimum for large or bold text and for user-interface
components, which is what a status segment is judged by here.
"""

from __future__ import annotations

import re

BASIC16 = ("#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
           "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff")
LEVELS = (0, 95, 135, 175, 215, 255)
XTERM = (*BASIC16,
         *(f"#{LEVELS[n // 36]:02x}{LEVELS[n // 6 % 6]:02x}{LEVELS[n % 6]:02x}" for n in range(216)),
         *("#" + f"{8 + 10 * n:02x}" * 3 for n in range(24)))
NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
MINIMUM = 3.0
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def rgb(spec: object) -> str:
    """A palette spec (name, xterm number, `#rrggbb`) as the `#rrggbb` xterm draws it."""
    if isinstance(spec, str) and spec.startswith("#"):
        return spec.lower()
    if isinstance(spec, str) and not spec.isdigit():
        base = spec.removeprefix("bright")
        return XTERM[NAMES.index(base) + (8 if base != spec else 0)]
    return XTERM[int(str(spec))]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def cells(line: str) -> list[tuple[str, int | None, int | None]]:
    """Each character of a `capture-pane -e` line with its foreground and background colour number
    (None: the terminal's default)."""
    out: list[tuple[str, int | None, int | None]] = []
    fg = bg = None
    pos = 0
    for match in SGR.finditer(line + "\x1b[m"):
        out.extend((ch, fg, bg) for ch in line[pos:match.start()])
        pos = match.end()
        fg, bg = _apply(match.group(1), fg, bg)
    return out


def _apply(params: str, fg: int | None, bg: int | None) -> tuple[int | None, int | None]:
    codes = [int(p) if p else 0 for p in params.split(";")]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            fg = bg = None
        elif code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
            fg, bg = (codes[i + 2], bg) if code == 38 else (fg, codes[i + 2])
            i += 2
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = code - 30 if code < 90 else code - 82
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = code - 40 if code < 100 else code - 92
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        i += 1
    return fg, bg
