"""The TOML config: load, validate (naming file, line, key and fix), compile for the hot path.

    [settings]
    interval = 300              # default seconds between refreshes of an account
    template = "{all}"          # what the segment shows
    separator = " │ "
    prices = "bundled"          # or "auto": fetch genai-prices' newer price table at most daily (offline: bundled)
    prices_url = ""             # where "auto" fetches it from; empty means genai-prices' own URL
    project_names = "folder"    # {NAME.project.name}: the repo's top-level folder, or "remote": host/owner/repo

    [settings.colors]           # state colours: a name, an xterm number, "#rrggbb" or "default" (the host's own)
    warn = "#e5c07b"
    [settings.colors.tmux]      # per host: bash, fish, i3bar (and i3blocks), polybar, tmux, xmobar, zsh
    ok = 34

    [settings.push]             # what the refresher updates after each run
    tmux = true                 # `set -g @tokseg` on this user's tmux servers
    files = true                # segment files for bash/zsh/fish prompts and i3status
    polybar = true              # `polybar-msg action tokseg send` (when polybar-msg exists)
    xmobar = true               # a line into xmobar's PipeReader pipe (when the pipe exists)
    waybar_signal = 0           # N > 0: pkill -RTMIN+N waybar
    i3blocks_signal = 0         # N > 0: pkill -RTMIN+N i3blocks
    pushgateway = ""            # "http://gateway:9091": PUT the metrics to a Prometheus Pushgateway (job tokseg, host)
    pushgateway_auth_env = ""   # a variable holding "user:password" (basic auth) or a bearer token for it

    [settings.metrics]          # the labels and breakdowns of the Prometheus file and push
    host = ""                   # the `host` label; empty means this machine's short host name
    user = ""                   # the `user` label; empty means the login user
    models = false              # per-model series too (one per model: opt-in)
    projects = false            # per-project series too (one per project folder: opt-in)

    [accounts.personal]
    provider = "openrouter"
    label = "OR"
    interval = 600
    warn_below = 5.0            # balance (or spending limit left) under which the state is warn
    crit_below = 1.0
    warn_pct = 80               # window / limit use (percent) at which the state is warn
    crit_pct = 95
    base_url = "https://openrouter.ai/api/v1"   # a provider option

Keys other than the common ones are the provider's options, checked
against its `Options` dataclass.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlsplit

from tokseg import config_file, defaults, provider_options, providers
from tokseg._toml import tomllib
from tokseg.alerts import AlertSettings, parse_alerts
from tokseg.budgets import Budgets, parse_budgets
from tokseg.errors import ConfigError, UsageError
from tokseg.render import hosts
from tokseg.render import template as templates

if TYPE_CHECKING:
    from tokseg.schema import HotSettings, Thresholds

MIN_INTERVAL_S = 5.0
# The defaults the hot path falls back on too live in `defaults.py`, once.
DEFAULT_INTERVAL_S = defaults.INTERVAL_S
DEFAULT_STALE_FACTOR = defaults.STALE_FACTOR
MAX_SPAWN_COOLDOWN_S = defaults.SPAWN_COOLDOWN_S


@dataclass(frozen=True)
class Settings:
    interval: float = DEFAULT_INTERVAL_S
    template: str = defaults.TEMPLATE
    separator: str = defaults.SEPARATOR
    stale_factor: float = DEFAULT_STALE_FACTOR
    timeout: float = 15.0
    deadline: float = 30.0
    history_days: float = 90.0
    burn_window_hours: float = 6.0
    prometheus_file: str = ""
    prices: str = "bundled"
    prices_url: str = ""
    project_names: str = "folder"
    colors: dict = field(default_factory=dict)
    push: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    pushgateway: str = ""  # [settings.push] pushgateway, kept apart from the host push switches
    pushgateway_auth_env: str = ""


@dataclass(frozen=True)
class Account:
    name: str
    provider: str
    label: str
    interval: float
    options: Any
    key_env: str | None = None
    key_command: str | list[str] | None = None
    enabled: bool = True
    fingerprint: str = ""
    thresholds: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path
    mtime: float | None
    settings: Settings
    accounts: tuple[Account, ...]
    budgets: Budgets = field(default_factory=Budgets)
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none configured"
        raise UsageError(f"no account named {name!r} in {self.path} (accounts: {known}); see `tokseg list`")


PROJECT_NAMES = ("folder", "remote")
SETTINGS_TYPES: dict[str, tuple[type, ...]] = {
    "interval": (int, float),
    "template": (str,),
    "separator": (str,),
    "stale_factor": (int, float),
    "timeout": (int, float),
    "deadline": (int, float),
    "history_days": (int, float),
    "burn_window_hours": (int, float),
    "prometheus_file": (str,),
    "prices": (str,),
    "prices_url": (str,),
    "project_names": (str,),
    "colors": (dict,),
    "push": (dict,),
    "metrics": (dict,),
}
GATEWAY_KEYS = ("pushgateway", "pushgateway_auth_env")
METRICS_TYPES: dict[str, tuple[type, ...]] = {"host": (str,), "user": (str,), "models": (bool,), "projects": (bool,)}
ACCOUNT_KEYS = ("provider", "label", "interval", "key_env", "key_command", "enabled",
                "warn_below", "crit_below", "warn_pct", "crit_pct")
THRESHOLD_KEYS = ("warn_below", "crit_below", "warn_pct", "crit_pct")
DEFAULT_THRESHOLDS = {"warn_pct": defaults.WARN_PCT, "crit_pct": defaults.CRIT_PCT}
# From the host table: the [settings.colors.HOST] tables some renderer paints from, the [settings.push] keys.
COLOR_HOSTS = tuple(sorted({host["colors"] for host in hosts.HOSTS.values() if host["colors"]}))
PUSH_DEFAULTS: dict[str, Any] = dict(sorted((host["push"]["setting"], host["push"]["default"])
                                            for host in hosts.HOSTS.values() if host["push"]))
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def mtime_of(path: Path) -> float | None:
    """The mtime the hot path's own `os.stat` sees: None for a file it cannot stat, whatever the reason."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def load(path: Path) -> Config:
    """Read and validate the config at `path`; only a file that is really not there is an empty config."""
    found = read(path)
    if found is None:
        return Config(path, None, Settings(), ())
    return parse(found[0], path, found[1])


def read(path: Path) -> tuple[str, float] | None:
    """The config's text and mtime (see `config_file.read`); None only when there is really no file."""
    return config_file.read(str(path))


def parse(text: str, path: Path, mtime: float | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise config_file.toml_error(path, exc) from exc
    checker = _Checker(text, path)
    _check_finite(checker, (), data)
    unknown = set(data) - {"settings", "accounts", "budgets", "alerts"}
    if unknown:
        key = sorted(unknown)[0]
        problem = (f"unknown top-level key {key!r}; only [settings], [accounts.NAME], [budgets] and [alerts] "
                   "tables are read")
        if isinstance(data[key], dict):
            checker.fail((key,), None, problem)
        checker.fail((), key, problem)
    settings = _settings(checker, data.get("settings", {}))
    accounts_table = data.get("accounts", {})
    if not isinstance(accounts_table, dict):
        checker.fail((), "accounts", "must be tables like [accounts.personal]")
    accounts = tuple(_account(checker, name, body, settings) for name, body in accounts_table.items())
    budgets = parse_budgets(checker, data.get("budgets", {}), [a.name for a in accounts])
    return Config(path, mtime, settings, accounts, budgets, parse_alerts(checker, data.get("alerts", {})))


def _check_finite(checker: _Checker, where: tuple[str, ...], table: dict) -> None:
    """TOML allows nan and inf; no tokseg number means anything as one (an interval of inf never refreshes)."""
    for key, value in table.items():
        if isinstance(value, dict):
            _check_finite(checker, (*where, key), value)
        elif any(isinstance(item, float) and not math.isfinite(item)
                 for item in (value if isinstance(value, list) else [value])):
            checker.fail(where, key, "must be a finite number, not nan or inf")


def _settings(checker: _Checker, table: Any) -> Settings:
    if not isinstance(table, dict):
        checker.fail((), "settings", "must be a table: [settings]")
    for key, value in table.items():
        if key not in SETTINGS_TYPES:
            checker.fail(("settings",), key, f"unknown setting; known: {', '.join(SETTINGS_TYPES)}")
        checker.expect_type(("settings",), key, value, SETTINGS_TYPES[key])
    _check_colors(checker, table.get("colors", {}))
    _check_push(checker, table.get("push", {}))
    _check_metrics(checker, table.get("metrics", {}))
    values: dict[str, Any] = {k: float(v) if isinstance(v, int) else v for k, v in table.items()}
    if "push" in values:
        values.update({k: v for k, v in values["push"].items() if k in GATEWAY_KEYS})
        values["push"] = {k: v for k, v in values["push"].items() if k not in GATEWAY_KEYS}
    settings = Settings(**values)
    if settings.interval < MIN_INTERVAL_S:
        checker.fail(("settings",), "interval", f"must be at least {MIN_INTERVAL_S:g} seconds")
    for key in ("timeout", "deadline", "stale_factor", "history_days", "burn_window_hours"):
        if getattr(settings, key) <= 0:
            checker.fail(("settings",), key, "must be greater than 0")
    syntax = templates.parse(settings.template)[1]
    if syntax:
        checker.fail(("settings",), "template", f"{syntax[0]}; `tokseg format check '…'` tries a template first")
    bounds = templates.spec_problems(settings.template)
    if bounds:
        checker.fail(("settings",), "template", f"{bounds[0]}; a segment is one line, so keep widths and "
                     "precisions small, e.g. {work.balance:>8}")
    prom = settings.prometheus_file
    if prom and not (Path(prom).expanduser().is_absolute() and prom.endswith(".prom")):
        checker.fail(("settings",), "prometheus_file", "must be an absolute path ending in .prom (node_exporter's "
                     'textfile collector reads only those), e.g. "/var/lib/node_exporter/textfile/tokseg.prom"')
    _check_prices(checker, settings)
    if settings.project_names not in PROJECT_NAMES:
        checker.fail(("settings",), "project_names", f'{json.dumps(settings.project_names)} is not a choice; use '
                     '"folder" (the repo\'s top-level folder, `shop-api`) or "remote" (its origin, `github.com/me/'
                     'shop-api`, where it has one)')
    return settings


def _check_prices(checker: _Checker, settings: Settings) -> None:
    """[settings] prices and prices_url: the price table the log sources use, and where "auto" fetches it."""
    if settings.prices not in ("bundled", "auto"):
        checker.fail(("settings",), "prices", f'{json.dumps(settings.prices)} is not a choice; use "bundled" (the '
                     'table installed with tokseg, never fetched) or "auto" (a newer one, fetched at most daily)')
    url = settings.prices_url
    if not url:
        return
    from tokseg.net import is_loopback  # requests is imported only when a URL is given

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or (
            parts.scheme == "http" and not is_loopback(parts.hostname)):
        checker.fail(("settings",), "prices_url", "must be an https:// URL of a genai-prices data.json (plain http "
                     "only to localhost/127.0.0.1); leave it out for genai-prices' own")


def _check_colors(checker: _Checker, table: dict) -> None:
    """[settings.colors]: state = colour, or a [settings.colors.HOST] table of the same."""
    from tokseg.render import palette

    def check(where: tuple[str, ...], state: str, spec: Any) -> None:
        if state not in palette.STATES:
            checker.fail(where, state, f"unknown state; known: {', '.join(palette.STATES)}; per host use a "
                         f"[settings.colors.HOST] table, HOST one of {', '.join(COLOR_HOSTS)}")
        if not palette.valid(spec):
            checker.fail(where, state, f"{json.dumps(spec)} is not a colour; use a name like \"yellow\" or "
                         "\"brightblack\", an xterm number 0-255, \"#rrggbb\", or \"default\" for the host's own "
                         "text colour")

    for key, value in table.items():
        if not isinstance(value, dict):
            check(("settings", "colors"), key, value)
            continue
        if key not in COLOR_HOSTS:
            checker.fail(("settings", "colors", key), None, _no_colour_table(key))
        for state, spec in value.items():
            check(("settings", "colors", key), state, spec)


def _no_colour_table(host: str) -> str:
    """Why [settings.colors.HOST] does nothing, and what would."""
    tables = f"colour tables exist for {', '.join(COLOR_HOSTS)}"
    entry = hosts.HOSTS.get(host)
    if entry is None:
        return f"unknown host; {tables}"
    if entry["colors"]:
        return f"{host} paints with the [settings.colors.{entry['colors']}] table; use that one"
    return f"tokseg's {host} output carries no colours ({host} styles it itself); {tables}"


def _check_push(checker: _Checker, table: dict) -> None:
    for key, value in table.items():
        if key in GATEWAY_KEYS:
            _check_gateway(checker, key, value)
            continue
        if key not in PUSH_DEFAULTS:
            checker.fail(("settings", "push"), key,
                         f"unknown push target; known: {', '.join([*PUSH_DEFAULTS, *GATEWAY_KEYS])}")
        if isinstance(PUSH_DEFAULTS[key], bool):
            checker.expect_type(("settings", "push"), key, value, (bool,))
        else:
            checker.expect_type(("settings", "push"), key, value, (int,))
            if not 0 <= value <= 30:
                checker.fail(("settings", "push"), key, "must be 0 (off) or a real-time signal offset 1-30")
    url = table.get("pushgateway") or ""
    if url and table.get("pushgateway_auth_env") and urlsplit(url).scheme == "http":
        from tokseg.net import is_loopback  # requests is imported only when a gateway is given

        if not is_loopback(urlsplit(url).hostname or ""):
            checker.fail(("settings", "push"), "pushgateway", "uses plain http, which would send the password in "
                         "clear text; use https (plain http with auth only to localhost/127.0.0.1)")


def _check_gateway(checker: _Checker, key: str, value: Any) -> None:
    """[settings.push] pushgateway: an http(s) URL without credentials; the auth comes from a variable."""
    checker.expect_type(("settings", "push"), key, value, (str,))
    if key == "pushgateway_auth_env":
        if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            checker.fail(("settings", "push"), key, "must name an environment variable, e.g. \"PUSHGATEWAY_AUTH\"")
        return
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment):
        checker.fail(("settings", "push"), key, 'must be the gateway\'s http(s) URL, e.g. "http://gateway:9091"')
    if parts.username or parts.password:
        checker.fail(("settings", "push"), key, "must not hold a user or password (the config is no place for a "
                     "secret); set pushgateway_auth_env to a variable holding \"user:password\"")


def _check_metrics(checker: _Checker, table: dict) -> None:
    """[settings.metrics]: the host and user labels and the opt-in breakdowns."""
    for key, value in table.items():
        if key not in METRICS_TYPES:
            checker.fail(("settings", "metrics"), key, f"unknown key; known: {', '.join(METRICS_TYPES)}")
        checker.expect_type(("settings", "metrics"), key, value, METRICS_TYPES[key])


def _thresholds(checker: _Checker, where: tuple[str, ...], body: dict) -> dict:
    """Per-account thresholds, checked for sense: crit is worse than warn."""
    found = {}
    for key in THRESHOLD_KEYS:
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                checker.fail(where, key, f"must be a number, not {json.dumps(value, default=str)}")
            found[key] = float(value)
    for key in ("warn_pct", "crit_pct"):
        if key in found and not 0 <= found[key] <= 100:
            checker.fail(where, key, "is a percentage of use; give a number from 0 to 100")
    merged = {**DEFAULT_THRESHOLDS, **found}
    if merged["crit_pct"] < merged["warn_pct"]:
        checker.fail(where, "crit_pct", f"must be at least warn_pct ({merged['warn_pct']:g}): crit means fuller")
    if "warn_below" in merged and "crit_below" in merged and merged["crit_below"] > merged["warn_below"]:
        checker.fail(where, "crit_below",
                     f"must be at most warn_below ({merged['warn_below']:g}): crit means less left")
    return merged


def _account(checker: _Checker, name: str, body: Any, settings: Settings) -> Account:
    where = ("accounts", name)
    if not NAME_RE.match(name):
        checker.fail(where, None, "account names use letters, digits, '-' and '_' (at most 40), e.g. [accounts.work]")
    if not isinstance(body, dict):
        checker.fail(("accounts",), name, f"must be a table: [accounts.{name}]")
    provider = body.get("provider")
    if provider is None:
        known = ", ".join(providers.PROVIDERS)
        checker.fail(where, None, f'has no provider; add e.g. provider = "demo" (known: {known})')
    if not providers.known(provider):
        checker.fail(where, "provider", f"unknown provider {provider!r}; known: {', '.join(providers.PROVIDERS)}")
    provider = providers.canonical(provider)
    module = providers.load(provider)
    common = {k: body[k] for k in ACCOUNT_KEYS if k in body}
    checker.expect_type(where, "label", common.get("label", ""), (str,))
    checker.expect_type(where, "interval", common.get("interval", 0), (int, float))
    checker.expect_type(where, "key_env", common.get("key_env", ""), (str,))
    checker.expect_type(where, "key_command", common.get("key_command", ""), (str, list))
    checker.expect_type(where, "enabled", common.get("enabled", True), (bool,))
    interval = float(common.get("interval", settings.interval))
    if interval < MIN_INTERVAL_S:
        checker.fail(where, "interval", f"must be at least {MIN_INTERVAL_S:g} seconds")
    options = _options(checker, where, module, {k: v for k, v in body.items() if k not in ACCOUNT_KEYS})
    return Account(
        name=name,
        provider=provider,
        label=common.get("label") or name,
        interval=interval,
        options=options,
        key_env=common.get("key_env"),
        key_command=common.get("key_command"),
        enabled=common.get("enabled", True),
        thresholds=_thresholds(checker, where, body),
        fingerprint=hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16],
    )


def _options(checker: _Checker, where: tuple[str, ...], module: Any, raw: dict[str, Any]) -> Any:
    """The account's provider options, by the rules `tokseg add --option` obeys too (tokseg.provider_options)."""
    if getattr(module, "UNUSABLE", None):  # a plugin that cannot load: its fetch says why, for this account only
        return raw
    try:
        return module.Options(**provider_options.convert(module, raw))
    except provider_options.OptionError as exc:
        if exc.unknown:
            known = ", ".join([*ACCOUNT_KEYS, *provider_options.names(module)])
            checker.fail(where, exc.key, f"unknown key for provider {module.NAME!r}; known: {known}")
        checker.fail(where, exc.key, exc.problem)


class _Checker:
    """Raises ConfigError messages that point at the line a user must change."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, table: tuple[str, ...], key: str | None, problem: str) -> NoReturn:
        line = self.line_of(table, key)
        place = f"{self.path}:{line}" if line else str(self.path)
        dotted = ".".join(table)
        name = f"[{dotted}] {key}" if dotted and key else (f"[{dotted}]" if dotted else str(key))
        raise ConfigError(f"{place}: {name}: {problem}")

    def expect_type(self, table: tuple[str, ...], key: str, value: Any, types: tuple[type, ...]) -> None:
        problem = provider_options.must_be(value, types)
        if problem:
            self.fail(table, key, problem)

    def line_of(self, table: tuple[str, ...], key: str | None) -> int | None:
        """1-based line of `key` inside `[table]`, else of the table's header; found by scanning."""
        current: tuple[str, ...] = ()
        header_line = None
        key_re = re.compile(rf"^[\"']?{re.escape(key)}[\"']?\s*=") if key else None
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            header = re.match(r"^\[\s*([^\[\]]+?)\s*\]", line)
            if header:
                current = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
                if current == table and header_line is None:
                    header_line = number
                continue
            if key_re and current == table and key_re.match(line):
                return number
        return header_line


def compile_hot_settings(config: Config) -> HotSettings:
    """The settings the hot path needs, precomputed so it never parses TOML."""
    intervals = [a.interval for a in config.accounts if a.enabled] or [config.settings.interval]
    return {
        "template": config.settings.template,
        "separator": config.settings.separator,
        "stale_factor": config.settings.stale_factor,
        "spawn_cooldown": min(MAX_SPAWN_COOLDOWN_S, *intervals),
        # `_thresholds` gives exactly the keys of a Thresholds table.
        "thresholds": {a.name: cast("Thresholds", a.thresholds or dict(DEFAULT_THRESHOLDS)) for a in config.accounts},
        "palette": _palette(config.settings.colors),
        "push": {**PUSH_DEFAULTS, **config.settings.push},
        "project_names": config.settings.project_names,
    }


def _palette(colors: dict) -> dict:
    """{"default": {state: colour}, HOST: {state: colour}} from [settings.colors]."""
    out: dict[str, dict] = {"default": {k: v for k, v in colors.items() if not isinstance(v, dict)}}
    out.update({host: dict(table) for host, table in colors.items() if isinstance(table, dict)})
    return out
