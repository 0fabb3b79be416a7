"""Alerts: a notification when a budget check or a subscription window crosses into warn or crit,
once per crossing, and when a window resets.

    [alerts]
    enabled = true
    command = ["my-notifier", "--title", "{title}", "{message}"]   # optional; argv, no shell
    cooldown = 3600            # seconds before the same level of the same check may fire again
    quiet_hours = "22:00-07:00"
    windows = true             # windows crossing their warn/crit percentage ("claude 7d window at 82% (warn)")
    resets = true              # windows that reset ("claude 5h window reset: 0% used")

Only the refresher evaluates alerts, never the hot path. The last level
per (account, rule) lives in the history database, so a crossing notifies
once however many refreshes see it; a window's level and what a reset is
are `window_alerts`' to say. A crossing or reset inside quiet hours is held,
not dropped: if it still stands when they end, it is sent then. Delivery
is the configured command (with `{title}`/`{message}` in its argv, or the
message on stdin when neither appears), else `notify-send` when present,
else the refresher log alone. Messages hold names and figures, never a key.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokseg import safe_text, window_alerts

if TYPE_CHECKING:
    from tokseg.config import Account, Config, _Checker
    from tokseg.schema import AccountEntry, BudgetCheck, ReadingDict, Snapshot, WindowDict

RANK = {"ok": 0, "warn": 1, "crit": 2}
TOTAL = "*total*"
DELIVERY_TIMEOUT_S = 10.0
PLACEHOLDER_RE = re.compile(r"\{title\}|\{message\}")
QUIET_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]):([0-5]\d)$")
ALERT_TYPES: dict[str, tuple[type, ...]] = {
    "enabled": (bool,),
    "command": (list,),
    "cooldown": (int, float),
    "quiet_hours": (str,),
    "windows": (bool,),
    "resets": (bool,),
}

log = logging.getLogger("tokseg.refresh")


@dataclass(frozen=True)
class AlertSettings:
    enabled: bool = True
    command: tuple[str, ...] = ()
    cooldown: float = 3600.0
    quiet_hours: tuple[int, int] | None = None  # minutes after local midnight: start, end
    windows: bool = True  # subscription windows crossing their warn/crit percentage
    resets: bool = True  # subscription windows that reset


def parse_alerts(checker: _Checker, table: Any) -> AlertSettings:
    """Validate `[alerts]`; errors name file, line, key and fix."""
    where = ("alerts",)
    if not isinstance(table, dict):
        checker.fail((), "alerts", "must be a table: [alerts]")
    for key, value in table.items():
        if key not in ALERT_TYPES:
            checker.fail(where, key, f"unknown alerts key; known: {', '.join(ALERT_TYPES)} "
                                     "(per-account switches: `alerts = false` in [budgets.ACCOUNT])")
        checker.expect_type(where, key, value, ALERT_TYPES[key])
    command = table.get("command", [])
    if "command" in table and not (command and all(isinstance(a, str) and a for a in command)):
        checker.fail(where, "command",
                     'must be a non-empty list of strings, e.g. ["my-notifier", "{title}", "{message}"]')
    cooldown = table.get("cooldown", 3600.0)
    if cooldown < 0:
        checker.fail(where, "cooldown", "must be 0 or more seconds")
    quiet = None
    if table.get("quiet_hours"):
        match = QUIET_RE.match(table["quiet_hours"].replace(" ", ""))
        if not match:
            checker.fail(where, "quiet_hours", f'must look like "22:00-07:00", not {table["quiet_hours"]!r}')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        quiet = (h1 * 60 + m1, h2 * 60 + m2)
    return AlertSettings(enabled=table.get("enabled", True), command=tuple(command), cooldown=float(cooldown),
                         quiet_hours=quiet, windows=table.get("windows", True), resets=table.get("resets", True))


def in_quiet_hours(quiet: tuple[int, int] | None, now: float) -> bool:
    """Whether local time `now` falls in the window; a window may span midnight."""
    if not quiet:
        return False
    local = time.localtime(now)
    minute = local.tm_hour * 60 + local.tm_min
    start, end = quiet
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def evaluate(conn: sqlite3.Connection, cfg: Config, snap: Snapshot, now: float) -> None:
    """Send what crossed or reset since the last run; each alert sent is logged."""
    settings = cfg.alerts
    if not settings.enabled:
        return
    quiet = in_quiet_hours(settings.quiet_hours, now)
    for account, who, check in _checks(cfg, snap):
        _crossing(conn, settings, quiet, now, account, who, check)
    if settings.resets:
        for account, who, window in _resets(conn, cfg, snap, now):
            _reset(conn, settings, quiet, now, account, who, window)


def _crossing(conn: sqlite3.Connection, settings: AlertSettings, quiet: bool, now: float,
              account: str, who: str, check: BudgetCheck) -> None:
    """One check against its state.

    Per (account, rule) the table keeps `level`, the highest level already
    handled since the check was last lower, and the last notification. A
    rise above `level` is a crossing: sent, unless the same or a higher
    level was sent within the cooldown (then only recorded); inside quiet
    hours it is left unrecorded, so the first run after them sends it.
    """
    rule, level = check["rule"], check["state"]
    row = conn.execute("SELECT level, fired_level, fired_at FROM alert_state WHERE account = ? AND rule = ?",
                       (account, rule)).fetchone()
    handled, fired_level, fired_at = row if row else ("ok", None, None)
    if RANK[level] < RANK[handled]:
        _store(conn, account, rule, level)  # back below: re-armed for the next crossing
        return
    if RANK[level] == RANK[handled] or quiet:
        return
    recent = fired_at is not None and now - fired_at < settings.cooldown
    if not (recent and RANK.get(fired_level or "ok", 0) >= RANK[level]):
        _deliver(settings, *_words(who, check), "critical" if level == "crit" else "normal")
        _store(conn, account, rule, level, fired_at=now)
    else:
        _store(conn, account, rule, level)


def _reset(conn: sqlite3.Connection, settings: AlertSettings, quiet: bool, now: float,
           account: str, who: str, window: WindowDict) -> None:
    """A window's waiting reset: held inside quiet hours, sent once unless one was sent within the cooldown."""
    if quiet:
        return
    name, rule = window["name"], f"reset.{window['name']}"
    row = conn.execute("SELECT fired_at FROM alert_state WHERE account = ? AND rule = ?", (account, rule)).fetchone()
    if not (row and row[0] is not None and now - row[0] < settings.cooldown):
        _deliver(settings, "tokseg reset", f"{who} {name} window reset: {window['used_pct']:.0f}% used", "normal")
        _store(conn, account, rule, "ok", fired_at=now)
    window_alerts.settle(conn, account, name)


def _deliver(settings: AlertSettings, title: str, message: str, urgency: str) -> None:
    message = safe_text.line(message)  # the log line too
    try:
        how = send(settings, title, message, urgency)
        log.info("alert (%s): %s", how, message)
    except (OSError, subprocess.SubprocessError) as exc:  # recorded anyway: a broken notifier must not repeat
        log.warning("alert not delivered (%s: %s): %s", type(exc).__name__, exc, message)


def send(settings: AlertSettings, title: str, message: str, urgency: str) -> str:
    """Deliver one notification (argv only, never a shell); returns how, for the log.

    Title and message are made one safe line first: a window name or currency from a provider or
    the config reaches a notification daemon (or a custom command's terminal) without a control
    or bidi character. `notify-send` gets them after `--`, so neither can be read as an option."""
    title, message = safe_text.line(title), safe_text.line(message)
    if settings.command:
        fill = {"{title}": title, "{message}": message}
        argv = [PLACEHOLDER_RE.sub(lambda m: fill[m.group()], a) for a in settings.command]  # one pass
        in_argv = any("{message}" in a for a in settings.command)
        _run(argv, None if in_argv else message + "\n")
        return f"sent by {settings.command[0]}"
    notifier = shutil.which("notify-send")
    if notifier:
        _run([notifier, "--app-name=tokseg", f"--urgency={urgency}", "--", title, message], None)
        return "sent by notify-send"
    return "logged only: no notify-send and no [alerts] command"


def _run(argv: list[str], stdin_text: str | None) -> None:
    stdin = {"input": stdin_text} if stdin_text is not None else {"stdin": subprocess.DEVNULL}
    done = subprocess.run(argv, text=True, timeout=DELIVERY_TIMEOUT_S, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **stdin)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, argv[0])


def _alerting(cfg: Config, snap: Snapshot) -> list[tuple[Account, AccountEntry, ReadingDict]]:
    """The accounts that may notify (enabled, alerts on) and have a reading."""
    accounts = snap.get("accounts") or {}
    out = []
    for account in cfg.accounts:
        entry = accounts.get(account.name)
        reading = entry.get("reading") if entry else None
        if entry and reading and account.enabled and cfg.budgets.for_account(account.name).alerts:
            out.append((account, entry, reading))
    return out


def _checks(cfg: Config, snap: Snapshot) -> list[tuple[str, str, BudgetCheck]]:
    """(account, who the message names, check): budgets, then windows by their warn/crit percentages.

    A window's budget check (`window_warn_pct`) is the same rule as its window check, so it is taken once."""
    out = []
    for account, entry, reading in _alerting(cfg, snap):
        name = account.name
        out += [(name, name, c) for c in entry.get("budget") or () if not c["rule"].startswith("window.")]
        if cfg.alerts.windows:
            warn, crit = window_alerts.thresholds(cfg, account)
            out += [(name, account.label, window_alerts.check(w, warn, crit)) for w in reading.get("windows") or ()]
    total = snap.get("budget")
    if total and cfg.budgets.total.alerts:
        out += [(TOTAL, "all accounts", c) for c in total.get("checks") or ()]
    return out


def _resets(conn: sqlite3.Connection, cfg: Config, snap: Snapshot, now: float) -> list[tuple[str, str, WindowDict]]:
    """(account, who, window) for each window whose reset waits to be notified; records every window seen."""
    out = []
    for account, entry, reading in _alerting(cfg, snap):
        at = entry.get("fetched_at") or now
        out += [(account.name, account.label, w) for w in reading.get("windows") or ()
                if window_alerts.observe(conn, account.name, w, at)]
    return out


def _store(conn: sqlite3.Connection, account: str, rule: str, level: str, fired_at: float | None = None) -> None:
    """Record the handled level; with `fired_at`, also that it was sent at that level."""
    with conn:
        if fired_at is None:
            conn.execute("INSERT INTO alert_state (account, rule, level) VALUES (?, ?, ?) "
                         "ON CONFLICT (account, rule) DO UPDATE SET level = excluded.level", (account, rule, level))
        else:
            conn.execute("INSERT INTO alert_state (account, rule, level, fired_level, fired_at) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (account, rule) DO UPDATE SET level = excluded.level, "
                         "fired_level = excluded.fired_level, fired_at = excluded.fired_at",
                         (account, rule, level, level, fired_at))


def _words(who: str, check: BudgetCheck) -> tuple[str, str]:
    level = "critical" if check["state"] == "crit" else "warning"
    rule, unit = check["rule"], check["unit"]
    if rule == "balance":
        text = f"{who}: balance {check['used']:.2f} {unit} is at or below {check['limit']:.2f} {unit}"
    elif rule.startswith("window."):
        text = f"{who} {rule.split('.', 1)[1]} window at {check['used']:.0f}% ({check['state']})"
    else:
        text = f"{who}: {rule} budget at {check['pct']:.0f}% ({check['used']:.2f} of {check['limit']:.2f} {unit})"
    return f"tokseg {level}", text
