"""`tokseg doctor`: everything that can stop figures from reaching the bar, each with its fix.

Pure data (a dict that `--json` prints as is); `cli/doctor.py` only
formats it. Checks: the keyring backend and whether it can be read,
folder and file permissions, the config, the settings template (a mistake
that makes the bar end in `!tpl`), each account's last error with
the fix for its error class, whether a refresher is running, which
host configs (tmux, starship, waybar, shells…) mention tokseg, each
installed provider plugin (one that cannot load is a problem, never a crash),
and which price table the log sources use and how old it is (a failed or
old download is a warning: the refresher prices with the table it has).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokseg import (
    __version__,
    command_path,
    config,
    config_edit,
    defaults,
    dirs,
    price_table,
    providers,
    refresh,
    secrets,
    snapshot,
    store,
)
from tokseg.errors import ConfigError, TokError
from tokseg.providers import _base
from tokseg.render import hosts, numbers, view
from tokseg.render import template as templates
from tokseg.safe_text import line as printable

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600

# Host config files that would run or read tokseg, from the host table: "~/…" is under $HOME, "@/…" under
# the XDG config folder, "$VAR" the path in that environment variable.
INTEGRATION_FILES: tuple[tuple[str, str], ...] = tuple(
    (name, path) for name, host in hosts.HOSTS.items() for path in host["configs"])
MAX_SCAN_BYTES = 1 << 20
SHELLS = ("bash", "zsh", "fish")  # the hosts whose snippet has the prompt hook starship's env_var reads


def fix_for(kind: str, name: str, provider: str, entry: Mapping[str, Any], now: float,
            key_problem: str | None = None) -> str:
    """The one thing to do about an account's last error of class `kind`."""
    retry = entry.get("next_due")
    when = (f"{time.strftime('%H:%M', time.localtime(retry))} (in {numbers.duration(retry - now)})"
            if defaults.legal_due(retry, now, view.interval_of(entry.get("interval"))) and retry > now
            else "the next refresh")
    if kind == "auth":
        spec = providers.load(provider).SECRET if provider in providers.PROVIDERS else None
        why = f"wrong key type: {key_problem}; " if key_problem else ""
        hint = f"; {spec.hint}" if spec else ""
        return (f"{why}re-add a valid key with `tokseg add {provider} --name {name}` (it replaces the stored key; "
                f"for key_env/key_command accounts change the key there){hint}")
    if kind == "rate_limited":
        return f"the provider asked tokseg to slow down: wait until {when}; tokseg retries by itself"
    if kind == "network":
        return ("check the connection, any proxy (HTTPS_PROXY, NO_PROXY) and the account's base_url; "
                f"tokseg retries at {when}")
    if kind == "server":
        return (f"the provider has an outage (HTTP 5xx); nothing to fix here, tokseg keeps the last figures "
                f"and retries at {when}")
    if kind == "bad_response":
        return ("the provider answered in a shape tokseg does not know: upgrade tokseg, and if it persists report "
                f"the message (details in {refresh.LOG_FILE})")
    if kind == "config":
        return "fix the config as the message says: `tokseg config edit`, then `tokseg config check`"
    return "run `tokseg refresh` to see the error in full"


def diagnose(now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    report: dict[str, Any] = {"version": __version__}
    report["config"], cfg = _config()
    report["keyring"] = _keyring(cfg)
    report["template"] = _template(cfg, now)
    report["paths"] = _paths()
    report["accounts"] = _accounts(cfg, now, keyring_usable=report["keyring"]["usable"])
    # No cache folder means no refresher ever ran; asking the lock would create the folder.
    running = dirs.cache_dir().is_dir() and refresh.is_running()
    report["refresher"] = {"running": running, "log": str(dirs.cache_dir() / refresh.LOG_FILE)}
    report["integrations"] = integrations()
    report["command"] = _command(report["integrations"])
    report["plugins"] = plugins()
    report["prices"] = price_table.status(cfg.settings.prices if cfg else "bundled", now)
    report["problems"] = (
        (1 if report["keyring"]["needed"] and not report["keyring"]["usable"] else 0)
        + (1 if report["keyring"]["needed"] and report["keyring"]["plain"] else 0)
        + (0 if report["config"]["ok"] else 1)
        + (0 if report["template"]["ok"] else 1)
        + sum(1 for p in report["paths"] if not p["ok"])
        + sum(1 for a in report["accounts"] if a["error"])
        + sum(1 for p in report["plugins"] if p["state"] != "ok")
        + (0 if report["command"]["ok"] else 1)
    )
    return report


def _keyring(cfg: config.Config | None) -> dict[str, Any]:
    """The backend and whether it works; an unusable one is a problem only if an account keeps its key there."""
    problem = secrets.backend_problem()
    needed = any(secrets.uses_keyring(a) and providers.load(a.provider).SECRET is not None
                 for a in (cfg.accounts if cfg else ()))
    return {"backend": secrets.backend_name(), "usable": problem is None, "needed": needed, "problem": problem,
            "plain": secrets.plain_storage()}


def _config() -> tuple[dict[str, Any], config.Config | None]:
    path = dirs.config_path()
    draft = config_edit.draft_path(path)
    info: dict[str, Any] = {"path": str(path), "exists": path.exists(), "ok": True, "error": None,
                            "draft": str(draft) if draft.is_file() else None}
    try:
        cfg = config.load(path)
    except ConfigError as exc:
        info.update(ok=False, error=str(exc))
        return info, None
    info["accounts"] = len(cfg.accounts)
    return info, cfg


def _template(cfg: config.Config | None, now: float) -> dict[str, Any]:
    """The settings template's first mistake (as the bar's `!tpl` counts them) with its fix; unknown field
    names are no mistake here, since a field appears once its account is refreshed."""
    text = cfg.settings.template if cfg else defaults.TEMPLATE
    found = templates.mistakes(text, view.fields(view.build(snapshot.read(str(store.snapshot_path())), now)))
    fix = ("correct [settings] template (`tokseg config edit`); `tokseg format check '…'` tries a template "
           "first") if found else None
    return {"template": text, "ok": not found, "problem": found[0] if found else None, "fix": fix}


def _paths() -> list[dict[str, Any]]:
    """Folders must be 0700 and files 0600 (or stricter): they hold account names and figures."""
    cache = dirs.cache_dir()
    wanted = [(dirs.cache_dir(), PRIVATE_DIR), (dirs.config_dir(), PRIVATE_DIR), (dirs.state_dir(), PRIVATE_DIR),
              (dirs.config_path(), PRIVATE_FILE), (store.snapshot_path(), PRIVATE_FILE),
              (cache / refresh.LOG_FILE, PRIVATE_FILE)]
    out = []
    for path, mode in wanted:
        try:
            actual = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            out.append({"path": str(path), "exists": False, "mode": None, "ok": True, "fix": None})
            continue
        ok = actual & 0o077 == 0
        fix = None if ok else f"chmod {mode:o} {path}"
        out.append({"path": str(path), "exists": True, "mode": f"{actual:04o}", "ok": ok, "fix": fix})
    return out


def _accounts(cfg: config.Config | None, now: float, keyring_usable: bool) -> list[dict[str, Any]]:
    """Each account's last error with its fix; a key that cannot be found now counts as an auth error."""
    snap = snapshot.read(str(store.snapshot_path())) or snapshot.empty()
    out = []
    for account in cfg.accounts if cfg else ():
        entry: Mapping[str, Any] = snap["accounts"].get(account.name) or {}
        module = providers.load(account.provider)
        error, problem, source = entry.get("error"), None, "none needed"
        try:
            found = secrets.locate(account, module.SECRET)
        except TokError as exc:
            source = "missing"
            error = error or {"kind": exc.kind, "message": str(exc), "at": None}
        else:
            if found:
                source = found.source
                problem = _base.key_problem(module, found.secret)
        item: dict[str, Any] = {"name": account.name, "provider": account.provider, "key_source": source,
                                "status": entry.get("status", "pending"), "error": error, "fix": None,
                                "notes": view.notes(entry.get("reading"))}
        if error:
            kind = error.get("kind", "")
            item["fix"] = fix_for(kind, account.name, account.provider, entry, now,
                                  problem if kind == "auth" else None)
            if kind == "auth" and source == "missing" and secrets.uses_keyring(account) and not keyring_usable:
                item["fix"] = (f'this machine has no usable keyring: set key_env = "VAR" or key_command = "…" '
                               f"in [accounts.{account.name}] (`tokseg config edit`)")
        out.append(item)
    return out


def plugins() -> list[dict[str, Any]]:
    """Installed provider plugins, each in use, unusable (the import or contract error) or ignored (why).

    Whatever comes from a plugin's metadata or errors is made printable first: doctor prints it as is.
    """
    return [{"name": printable(s.plugin.name), "package": s.plugin.package, "version": s.plugin.version,
             "module": printable(s.plugin.module), "state": s.state, "problem": s.problem,
             "fix": f"reinstall or upgrade {s.plugin.package} where tokseg is installed, or uninstall it"
             if s.state == "unusable" else None} for s in providers.plugins()]


def integrations() -> list[dict[str, Any]]:
    """Host configs that mention tokseg, with the line numbers."""
    home = Path(os.path.expanduser("~"))
    xdg = Path(os.environ.get("XDG_CONFIG_HOME", "").strip() or home / ".config")
    candidates = [(host, path) for host, rel in INTEGRATION_FILES if (path := host_config_path(rel, home, xdg))]
    found = []
    for host, path in dict.fromkeys(candidates):
        try:
            with open(path, "rb") as fh:
                text = fh.read(MAX_SCAN_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        lines = [n for n, line in enumerate(text.splitlines(), 1) if "tokseg" in line.lower()]
        if lines:
            found.append({"host": host, "file": str(path), "lines": lines, "env_var": "TOKSEG_STARSHIP" in text})
    return _starship_needs_a_hook(found)


def _starship_needs_a_hook(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """starship's env_var module shows what a shell snippet exports: without one it stays empty for ever."""
    hooked = any(item["host"] in SHELLS for item in found)
    for item in found:
        if item.pop("env_var") and item["host"] == "starship" and not hooked:
            item["warning"] = ("it shows TOKSEG_STARSHIP, which only tokseg's shell snippet sets; add one: "
                               "`tokseg init zsh >> ~/.zshrc` (or bash, fish)")
    return found


def _command(found: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether the snippets can find `tokseg`: off the PATH, a host config that calls plain `tokseg` is broken
    (its bar shows `tok …` for ever); with none, it is only worth saying."""
    where = command_path.on_path()
    if where:
        return {"on_path": where, "ok": True, "broken": [], "fix": None}
    broken = [item["file"] for item in found if _calls_plain_tokseg(item["file"])]
    fix = (f"{command_path.INSTALL_HINT}; or run `tokseg init HOST` again, which writes this install's full path "
           "into the snippet")
    return {"on_path": None, "ok": not broken, "broken": broken, "fix": fix}


def _calls_plain_tokseg(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            text = fh.read(MAX_SCAN_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return any(command_path.COMMAND_WORD.search(line) for line in text.splitlines()
               if not command_path.COMMENT.match(line))


def host_config_path(rel: str, home: Path, xdg: Path) -> Path | None:
    """Where an INTEGRATION_FILES entry points; None for an unset (or blank) variable."""
    if rel.startswith("$"):
        value = os.environ.get(rel[1:], "").strip()
        return Path(value) if value else None
    return (home if rel[0] == "~" else xdg) / rel[2:]
