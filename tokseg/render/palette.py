"""State colours, per host, in each host's own colour syntax (hot path, stdlib only).

A colour is a basic name (`green`, `brightblack`), an xterm number 0-255,
`#rrggbb`, or `default`: the host's own text colour, left unpainted. The
config's `[settings.colors]` (and per-host tables such as
`[settings.colors.tmux]`) is validated by `config.py` and compiled into the
snapshot as `settings.palette`; this module only converts.

The built-in colours are per colour table, because each host's default look
differs: tmux's default status bar is green (xterm's colour 2, #00cd00) with
black text, prompts run on dark and light terminals alike, and the GUI bars
(polybar, i3bar, xmobar) default to a dark bar. `ok` takes the host's own
text colour where the background is not known to be dark, so the most
common state is as readable as the host's own text.
`tests/test_palette_contrast.py` checks every built-in colour's WCAG contrast
against those backgrounds.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import HotSettings

STATES = ("ok", "warn", "crit", "stale", "error", "pending")
HOST_COLOUR = "default"  # the spec that leaves a span in the host's own text colour
# GUI bars (polybar, i3bar, xmobar): names map to HEX16, made for a dark bar.
DEFAULT = {"ok": "green", "warn": "yellow", "crit": "red", "stale": "brightblack", "error": "red",
           "pending": "brightblack"}
# Prompts: fixed xterm colours readable on both a black and a white terminal (amber, red, grey).
PROMPT = {"ok": HOST_COLOUR, "warn": 136, "crit": 160, "stale": 244, "error": 160, "pending": 244}
# tmux's default green status bar: olive, dark red and dark grey, all darker than the bar.
TMUX = {"ok": HOST_COLOUR, "warn": 58, "crit": 88, "stale": 239, "error": 88, "pending": 239}
# waybar: the module's CSS (`#custom-tokseg.ok`…) keeps the text colour of a fine account; the others are
# painted (pango spans) so one failing account does not hide which one it is.
WAYBAR: dict[str, object] = {**DEFAULT, "ok": HOST_COLOUR}
BUILTIN: dict[str, dict[str, object]] = {"tmux": TMUX, "bash": PROMPT, "zsh": PROMPT, "fish": PROMPT, "waybar": WAYBAR}
BASIC = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
NAMES = {**{name: i for i, name in enumerate(BASIC)}, **{f"bright{name}": i + 8 for i, name in enumerate(BASIC)}}
# Hex for the GUI bars (waybar, polybar, i3bar): readable on dark and light bars.
HEX16 = ("#282c34", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#dcdfe4",
         "#7f848e", "#ff7a85", "#b5e890", "#ffd580", "#8cc8ff", "#e29cf0", "#7fd6e0", "#ffffff")
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
ICONS = {"ok": "●", "warn": "▲", "crit": "✖", "stale": "◌", "error": "!", "pending": "…"}
GAUGE = "▁▂▃▄▅▆▇█"


def valid(spec: object) -> bool:
    """Whether `spec` is a colour this module can convert for every host."""
    if isinstance(spec, bool):
        return False
    if isinstance(spec, int):
        return 0 <= spec <= 255
    if not isinstance(spec, str):
        return False
    return spec in NAMES or spec == HOST_COLOUR or bool(HEX_RE.match(spec)) or (spec.isdigit() and int(spec) < 256)


def color(settings: HotSettings, host: str, state: str) -> object:
    """The colour spec for `state` on `host` (host table, then default table, then the host's built-in),
    None for the host's own text colour."""
    palette = settings.get("palette") or {}
    for table in (palette.get(host), palette.get("default"), BUILTIN.get(host, DEFAULT)):
        if table and state in table:
            spec = table[state]
            return None if spec == HOST_COLOUR else spec
    return None


def _number(spec: object) -> int | None:
    if isinstance(spec, int):
        return spec
    if isinstance(spec, str) and spec.isdigit():
        return int(spec)
    return None


def to_hex(spec: object) -> str:
    """`#rrggbb` for GUI bars; xterm numbers are mapped through the standard 256-colour cube."""
    if isinstance(spec, str) and HEX_RE.match(spec):
        return spec.lower()
    if isinstance(spec, str) and spec in NAMES:
        return HEX16[NAMES[spec]]
    n = _number(spec)
    if n is None:
        return HEX16[7]
    if n < 16:
        return HEX16[n]
    if n >= 232:
        level = 8 + (n - 232) * 10
        return f"#{level:02x}{level:02x}{level:02x}"
    n -= 16
    steps = [0 if v == 0 else 55 + v * 40 for v in (n // 36, (n // 6) % 6, n % 6)]
    return "#" + "".join(f"{v:02x}" for v in steps)


def sgr(spec: object) -> str:
    """The ANSI SGR parameters selecting `spec` as the foreground (bash, fish)."""
    if isinstance(spec, str) and HEX_RE.match(spec):
        r, g, b = (int(spec[i:i + 2], 16) for i in (1, 3, 5))
        return f"38;2;{r};{g};{b}"
    if isinstance(spec, str) and spec in NAMES:
        named = NAMES[spec]
        return str(30 + named) if named < 8 else str(90 + named - 8)
    n = _number(spec)
    return "39" if n is None else f"38;5;{n}"


def tmux_name(spec: object) -> str:
    """tmux style colour: names and #rrggbb as they are, numbers as colourN."""
    n = _number(spec)
    return f"colour{n}" if n is not None else str(spec)


def zsh_name(spec: object) -> str:
    """zsh %F{...} argument: basic names, numbers, #rrggbb (zsh 5.7+)."""
    if isinstance(spec, str) and spec in NAMES and NAMES[spec] >= 8:
        return str(NAMES[spec])
    return str(spec)
