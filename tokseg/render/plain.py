"""Plain text, and the spans every host renderer starts from.

`spans()` is the segment before host markup: (text, state) pairs where
state is the owning account's state (None for template literals), control,
format and bidi characters removed (`tokseg.safe_text`), cut to the width
asked for. Each host module only
escapes the text and wraps the coloured spans in its own syntax.
"""

from __future__ import annotations

from tokseg import defaults, safe_text
from tokseg.render import clip, template
from tokseg.render import view as views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from tokseg.schema import View

PLACEHOLDER = "tok …"
NO_ACCOUNTS = "tok: tokseg setup"  # no accounts yet: the one command that starts a user off
CONFIG_MARK = "!cfg"
TEMPLATE_MARK = "!tpl"  # the template (settings or --template) has a mistake; `tokseg doctor` names it
CONTROL = safe_text.UNSAFE  # what `spans` drops: every Cc, Cf, Cs, Zl and Zp character


def chosen_template(view: View, template_text: str | None = None) -> str:
    """The template the segment renders: `--template`, else the settings', else the default."""
    return template_text or view["settings"].get("template") or defaults.TEMPLATE


def template_error(view: View, template_text: str | None = None) -> str | None:
    """The first mistake of the template the segment renders (what its `!tpl` mark stands for), or None
    when nothing is rendered through a template (no snapshot yet, no accounts)."""
    if view["missing"] or not view["accounts"]:
        return None
    found = template.mistakes(chosen_template(view, template_text), views.fields(view))
    return found[0] if found else None


def spans(view: View, template_text: str | None = None, max_width: int | None = None) -> list[tuple[str, str | None]]:
    """The segment as (text, state) spans, cut to `max_width` characters in total; the end marks
    (` !tpl`, ` !cfg`) are kept whole when the width leaves room for them."""
    marks: list[tuple[str, str | None]] = []
    if view["missing"]:
        out: list[tuple[str, str | None]] = [(PLACEHOLDER, "pending")]
    elif not view["accounts"]:
        out = [(CONFIG_MARK, "error")] if view.get("config_error") else [(NO_ACCOUNTS, None)]
    else:
        chosen = chosen_template(view, template_text)
        states = {item["name"]: item["state"] for item in view["accounts"]}
        pieces, mistakes = template.rendered(chosen, views.fields(view), frozenset(states))
        out = [(text, states.get(owner) if owner else None) for text, owner in pieces]
        if mistakes:
            marks.append((f" {TEMPLATE_MARK}", "error"))
        if view.get("config_error"):
            marks.append((f" {CONFIG_MARK}", "error"))
    body = [(CONTROL.sub("", text), state) for text, state in out if text]
    if marks and not body:
        marks[0] = (marks[0][0].lstrip(), marks[0][1])
    room = sum(len(text) for text, _ in marks)
    if max_width is None or max_width <= room:
        return clip_spans(body + marks, max_width)
    return clip_spans(body, max_width - room) + marks


def clip_spans(items: list[tuple[str, str | None]], max_width: int | None) -> list[tuple[str, str | None]]:
    """Cut the spans' joint text to `max_width` characters, ending in an ellipsis when cut; at a word's
    end when one ends in the last third of the room, so a status bar shows no half word."""
    if max_width is None or sum(len(text) for text, _ in items) <= max_width:
        return items
    out, room = [], word_end("".join(text for text, _ in items), max(0, max_width - 1))
    for text, state in items:
        if room <= 0:
            break
        out.append((text[:room], state))
        room -= len(text[:room])
    if out:
        out[-1] = (out[-1][0] + "…", out[-1][1])
    else:
        out.append(("…", None))
    return out


def word_end(text: str, room: int) -> int:
    """How many characters of `text` to keep within `room`: up to the last word that ends (a space follows)
    at or after two thirds of `room`, trailing spaces dropped; `room` itself when no word ends there."""
    space = text.rfind(" ", 0, room + 1)
    if space < room - room // 3 or space <= 0:
        return room
    return len(text[:space].rstrip(" ")) or room


def short(view: View, max_width: int | None = None) -> str:
    """The narrow form for small bars (i3's short_text): headlines without labels."""
    if view["missing"] or not view["accounts"]:
        return text(view)
    parts = []
    for item in view["accounts"]:
        kind = views.error_kind(item)
        parts.append(item["headline"] or (f"!{kind}" if kind else "…"))
    return clip(CONTROL.sub("", " ".join(parts)), max_width)


def text(view: View, template_text: str | None = None, max_width: int | None = None) -> str:
    """The segment text before any host markup."""
    return "".join(piece for piece, _ in spans(view, template_text, max_width))


def render(view: View, template_text: str | None, max_width: int | None) -> str:
    return text(view, template_text, max_width)


def painted(view: View, template_text: str | None, max_width: int | None, host: str,
            paint: Callable[[str, object], str], escape: Callable[[str], str] = str) -> str:
    """The segment for a host with colour markup: data escaped, each state's span wrapped by `paint`
    unless its colour is the host's own (`palette.color` gives None)."""
    from tokseg.render import palette

    settings = view["settings"]
    out = []
    for text, state in spans(view, template_text, max_width):
        safe = escape(text)
        colour = None if state is None else palette.color(settings, host, state)
        out.append(safe if colour is None else paint(safe, colour))
    return "".join(out)
