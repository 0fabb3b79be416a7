"""Text drawing for the dashboard: tables that fit a width, and a bar chart of cost per day."""

from __future__ import annotations

from tokseg import safe_text
from tokseg.render import numbers

EIGHTHS = " ▁▂▃▄▅▆▇█"
ASCII_EIGHTHS = " ........#"  # where the terminal cannot show blocks: a dot for a part, # for a full cell
ELLIPSIS = "…"


def cut(text: str, width: int) -> str:
    """`text` in at most `width` characters, an ellipsis marking a cut."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS if width > 0 else ""


def table(header: list[str], rows: list[list[str]], width: int, shrink: dict[int, int] | None = None,
          right: tuple[int, ...] = ()) -> list[str]:
    """Columns padded to their widest cell, two spaces apart, those in `right` (the figures) right-aligned;
    the columns in `shrink` (column: narrowest width) give way, the widest first, until the table fits
    `width`. Cells may hold provider text: each is made visible (escapes shown) before its width counts."""
    rows = [[safe_text.visible(cell) for cell in row] for row in rows]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    floors = shrink if shrink is not None else {0: 4}
    while sum(widths) + 2 * (len(widths) - 1) > width:
        candidates = [i for i, floor in floors.items() if widths[i] > floor]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    out = []
    for line in [header, *rows]:
        cells = [cut(cell, w).rjust(w) if i in right else cut(cell, w).ljust(w)
                 for i, (cell, w) in enumerate(zip(line, widths))]
        out.append(cut("  ".join(cells).rstrip(), width))
    return out


def gauge(pct: float, blocks: bool, width: int = 10, label: bool = True) -> str:
    """`▕████░░░░░░▏ 42%`, or `[####------] 42%` for a terminal without the block characters; over 100% fills it."""
    filled = max(0, min(width, round(width * pct / 100.0)))
    bar = ("▕" + "█" * filled + "░" * (width - filled) + "▏" if blocks
           else "[" + "#" * filled + "-" * (width - filled) + "]")
    return f"{bar} {numbers.percent(pct)}" if label else bar


def bars(days: list[str], values: list[float], currency: str, width: int, height: int,
         blocks: bool = True) -> list[str]:
    """A column chart, one column per day (several days a column when they do not fit), the y axis in money,
    the first and last date under it."""
    axis = max(len(numbers.money(max(values, default=0.0), currency)), len(numbers.money(0, currency)))
    room = max(1, width - axis - 2)
    columns, labels = _columns(days, values, room)
    bar = max(1, min(4, room // max(1, len(columns)) - 1))
    gap = 1 if (bar + 1) * len(columns) <= room else 0
    peak = max(columns, default=0.0)
    out = []
    for row in range(height, 0, -1):
        cells = []
        for value in columns:
            eighths = round(8 * height * value / peak) if peak > 0 else 0
            level = max(0, min(8, eighths - 8 * (row - 1)))
            cells.append((EIGHTHS if blocks else ASCII_EIGHTHS)[level] * bar + " " * gap)
        mark = numbers.money(peak * row / height, currency) if row in (height, (height + 1) // 2) else ""
        tick = ("┤" if mark else "│") if blocks else ("+" if mark else "|")
        out.append(f"{mark.rjust(axis)} {tick}{''.join(cells)}".rstrip())
    span = (bar + gap) * len(columns)
    out.append(f"{numbers.money(0, currency).rjust(axis)} {'└' if blocks else '+'}{('─' if blocks else '-') * span}")
    first, last = labels[0][5:], labels[-1][5:]
    dates = first + last.rjust(span - len(first)) if span > len(first + last) else first
    out.append(" " * (axis + 2) + dates)
    return out


def _columns(days: list[str], values: list[float], room: int) -> tuple[list[float], list[str]]:
    """Days merged into columns (sums) so they fit `room` cells; the labels are each column's first day."""
    per = 1
    while len(days) / per > room:
        per += 1
    columns, labels = [], []
    for start in range(0, len(days), per):
        columns.append(sum(values[start:start + per]))
        labels.append(days[start])
    return columns, labels
