"""The refresher: one run at a time, due accounts fetched concurrently, results merged.

A run takes the refresh lock without waiting (a second refresher exits at
once), loads the config, fetches every due account in its own thread with
a deadline for the whole run, and merges each outcome into the snapshot as
it arrives (a slow provider holds back only its own account).
A failure keeps the account's last good reading and records the error
class; auth failures are parked until the key or the account's config
changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import (
    backoff,
    config,
    context,
    defaults,
    dirs,
    insights,
    net,
    price_table,
    providers,
    push,
    secrets,
    snapshot,
    store,
)
from tokseg.collector import Collector
from tokseg.errors import ConfigError, FetchError, RateLimited, TokError
from tokseg.flock import Lock, Timeout
from tokseg.providers._base import credential_stamp

if TYPE_CHECKING:
    import requests

    from tokseg.schema import AccountEntry, ConfiguredAccount, ReadingDict, Snapshot

LOCK_FILE = "refresh.lock"
LOG_FILE = "refresher.log"
LOG_MAX_BYTES = 512 * 1024  # past this, a run starts a new log and keeps the old one as refresher.log.1

log = logging.getLogger("tokseg.refresh")


@dataclass
class Outcome:
    """What fetching one account gave."""

    account: str
    reading: ReadingDict | None = None
    error_kind: str | None = None
    message: str = ""
    retry_after: float | None = None
    park_key: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_kind is None


@dataclass
class Report:
    """The result of one run, for the foreground table and exit code."""

    busy: bool = False
    config_error: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.config_error) or any(not o.ok for o in self.outcomes)


Progress = Callable[[str, "Outcome | None"], None]


def run(only: list[str] | None = None, *, force: bool = False, progress: Progress | None = None,
        wait: float = 0.0, clock: Callable[[], float] = time.time) -> Report:
    """One refresh run; Report(busy=True) if another run holds the lock for longer than `wait` seconds."""
    cache = dirs.ensure_private(dirs.cache_dir())
    _setup_log(cache)
    log.info("start: %s", "forced" if force else "due accounts")
    lock = Lock(str(cache / LOCK_FILE), mode=0o600)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        log.info("busy: another refresher holds the lock")
        return Report(busy=True)
    try:
        report = _run_locked(only, force, progress, clock)
        push.after_refresh()
        return report
    finally:
        lock.release()


def detached() -> int:
    """`tokseg refresh --detached`, started by the hot path: due accounts only, without the CLI (no click);
    its stdio is /dev/null already, and a log file it cannot write never stops it."""
    logging.raiseExceptions = False
    run()
    return 0


def is_running() -> bool:
    """Whether a refresher holds the lock right now (for `doctor`)."""
    lock = Lock(str(dirs.cache_dir() / LOCK_FILE), mode=0o600)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def _run_locked(only: list[str] | None, force: bool, progress: Progress | None, clock: Callable[[], float]) -> Report:
    path = dirs.config_path()
    now = clock()
    try:
        cfg = config.load(path)
    except ConfigError as exc:
        message = str(exc)
        store.update(lambda snap: _record_config_error(snap, path, message))
        log.warning("config error: %s", message)
        return Report(config_error=message)
    # An unknown name is the caller's typo (UsageError), not the config's: raised before the snapshot is touched.
    # A name given twice is fetched once (the run waits for one result per account).
    chosen = [cfg.account(name) for name in dict.fromkeys(only)] if only else [a for a in cfg.accounts if a.enabled]
    current = snapshot.read(str(store.snapshot_path())) or snapshot.empty()
    due, skipped = [], []
    for account in chosen:
        entry = current["accounts"].get(account.name)
        if force or only or _is_due(entry, account, now):
            due.append(account)
        else:
            skipped.append(account.name)

    def save(arrived: list[Outcome]) -> None:
        store.update(lambda snap: _merge(snap, cfg, arrived, now))

    # Before any log row is priced; at most daily, bounded, and a failure keeps the table in use.
    price_table.prepare(cfg.settings.prices, cfg.settings.prices_url, cfg.settings.timeout, now)

    outcomes = _fetch_all(due, cfg.settings, clock, progress, save)
    insights.after_run(cfg, outcomes, now)
    if cfg.settings.pushgateway:  # loaded only by a machine that pushes
        from tokseg import pushgateway

        pushgateway.after_run(cfg.settings)
    log.info("run: fetched %d (%s), skipped %d", len(due),
             ", ".join(f"{o.account}={o.error_kind or 'ok'}" for o in outcomes), len(skipped))
    return Report(outcomes=outcomes, skipped=skipped)


def sync_snapshot(cfg: config.Config, outcomes: list[Outcome] | None = None, *, now: float | None = None,
                  edit: Callable[[Snapshot], None] | None = None) -> Snapshot:
    """Fold a config just changed by a command (add, remove, rename) and its outcomes into the snapshot.

    `edit` runs first on the snapshot (e.g. to move a renamed account's entry).
    """
    stamp = time.time() if now is None else now

    def mutate(snap: Snapshot) -> None:
        if edit:
            edit(snap)
        _merge(snap, cfg, outcomes or [], stamp)

    return store.update(mutate)


def _is_due(entry: AccountEntry | None, account: config.Account, now: float) -> bool:
    if not entry or entry.get("fingerprint") != account.fingerprint or entry.get("provider") != account.provider:
        return True
    if entry.get("status") == "parked":
        return _park_key(account) != entry.get("park_key")
    if entry.get("fetched_at") is not None and not defaults.believable_time(entry.get("fetched_at"), now):
        return True  # fetched "in the future": the clock went back, so the figures' age is unknown
    next_due = entry.get("next_due")
    if next_due is None or not defaults.legal_due(next_due, now, account.interval):
        return True  # never scheduled, or further ahead than any legal schedule (a clock set back)
    return next_due <= now


def _fetch_all(accounts: list[config.Account], settings: config.Settings, clock: Callable[[], float],
               progress: Progress | None, save: Callable[[list[Outcome]], None]) -> list[Outcome]:
    """Fetch in parallel threads and `save` each outcome as it arrives (see `collector`); whatever
    is not back by the deadline counts as a network failure. Saves at least once, even with nothing due."""
    arrivals: Collector[Outcome] = Collector(save)
    if accounts:
        session = net.LazySession(pool_size=max(1, len(accounts)))  # requests loads only if one is sent

        def work(account: config.Account) -> None:
            outcome = _fetch_one(account, settings, session, clock)
            arrivals.add(outcome)
            if progress:
                progress(account.name, outcome)

        for account in accounts:
            if progress:
                progress(account.name, None)
            # Daemon threads: a provider stuck past the deadline must not keep the process alive.
            threading.Thread(target=work, args=(account,), daemon=True, name=f"fetch-{account.name}").start()
        arrivals.wait(len(accounts), time.monotonic() + settings.deadline)
    finished = {o.account: o for o in arrivals.close()}
    message = f"no answer within the run deadline ({settings.deadline:g}s)"
    late = [Outcome(a.name, error_kind="network", message=message) for a in accounts if a.name not in finished]
    arrivals.finish(late)
    finished.update((o.account, o) for o in late)
    return [finished[a.name] for a in accounts]


def _fetch_one(account: config.Account, settings: config.Settings, session: requests.Session | net.LazySession,
               clock: Callable[[], float]) -> Outcome:
    started = time.monotonic()
    secret = None
    try:
        module = providers.load(account.provider)
        secret = secrets.resolve(account, module.SECRET)
        ctx = context.make_ctx(account.provider, account.name, account.options, secret=secret, session=session,
                               timeout=context.timeouts(settings.timeout), clock=clock)
        reading = module.fetch(ctx)
        outcome = Outcome(account.name, reading=reading.to_dict())
    except TokError as exc:
        retry = exc.retry_after if isinstance(exc, RateLimited) else None
        outcome = Outcome(account.name, error_kind=exc.kind, message=net.scrub(str(exc), secret), retry_after=retry)
        if exc.kind == "auth":
            outcome.park_key = _park_key(account, secret)
        if isinstance(exc, FetchError) and exc.__cause__ is not None:
            log.info("%s: %s (cause: %s)", account.name, outcome.message, type(exc.__cause__).__name__)
    except Exception as exc:  # a provider bug: record it, never let it reach a bar
        import traceback

        log.error("%s: provider %s crashed:\n%s", account.name, account.provider,
                  net.scrub(traceback.format_exc(), secret))
        outcome = Outcome(account.name, error_kind="bad_response",
                          message=f"internal error in provider {account.provider!r} ({type(exc).__name__}); "
                                  f"see {LOG_FILE}")
    outcome.seconds = time.monotonic() - started
    return outcome


def _park_key(account: config.Account, secret: str | None = None) -> str:
    """Changes when the account's config or its key changes; a parked auth error waits for that."""
    if secret is None:
        try:
            secret = secrets.resolve(account, providers.load(account.provider).SECRET)
        except TokError:
            secret = ""
    stamp = _credential_stamp(account)
    seed = f"{account.fingerprint}\0{account.name}\0{secret}" + (f"\0{stamp}" if stamp else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _credential_stamp(account: config.Account) -> str:
    """Providers that read another tool's login (claude, codex, copilot) say when that login changed."""
    module = providers.load(account.provider)
    if not hasattr(module, "credential_stamp"):
        return ""
    return credential_stamp(module, context.make_ctx(account.provider, account.name, account.options))


def _merge(snap: Snapshot, cfg: config.Config, outcomes: list[Outcome], now: float) -> None:
    """Fold a run's outcomes into the snapshot; accounts no longer configured are dropped."""
    accounts = snap["accounts"]
    for name in list(accounts):
        if name not in {a.name for a in cfg.accounts}:
            del accounts[name]
    by_name = {o.account: o for o in outcomes}
    for account in cfg.accounts:
        configured: ConfiguredAccount = {"provider": account.provider, "label": account.label,
                                         "interval": account.interval, "enabled": account.enabled,
                                         "fingerprint": account.fingerprint}
        entry = accounts.setdefault(account.name, {"reading": None, "fetched_at": None, "failures": 0,
                                                   "status": "pending", "next_due": None, **configured})
        entry.update(configured)
        entry.setdefault("status", "pending")  # entries written before these keys existed
        entry.setdefault("next_due", None)
        _forget_future_times(entry, now)
        outcome = by_name.get(account.name)
        if outcome:
            _apply(entry, account, outcome, now)
    snap["settings"] = config.compile_hot_settings(cfg)
    snap["config"] = {
        "path": str(cfg.path),
        "mtime": cfg.mtime,
        "error": None,
        "accounts": [a.name for a in cfg.accounts if a.enabled],
    }


def _forget_future_times(entry: AccountEntry, now: float) -> None:
    """Times a clock set back (or a restored backup) put in the future are unknown, not fresh."""
    if entry.get("fetched_at") is not None and not defaults.believable_time(entry["fetched_at"], now):
        entry["fetched_at"] = None
    if "last_attempt" in entry and not defaults.believable_time(entry["last_attempt"], now):
        del entry["last_attempt"]


def _apply(entry: AccountEntry, account: config.Account, outcome: Outcome, now: float) -> None:
    entry["last_attempt"] = now
    if outcome.error_kind is None:
        entry.update({"reading": outcome.reading, "fetched_at": now, "status": "ok", "error": None, "failures": 0,
                      "park_key": None, "next_due": backoff.after_success(now, account.interval)})
        return
    previous = entry.get("failures")
    failures = (previous if isinstance(previous, int) and 0 <= previous < 1 << 20 else 0) + 1
    entry.update({"failures": failures, "error": {"kind": outcome.error_kind, "message": outcome.message, "at": now}})
    if outcome.error_kind == "auth":
        entry.update({"status": "parked", "park_key": outcome.park_key, "next_due": None})
    else:
        entry.update({"status": "error", "park_key": None,
                      "next_due": backoff.after_failure(now, account.interval, failures, outcome.retry_after)})


def _record_config_error(snap: Snapshot, path: Path, message: str) -> None:
    """Keep every reading; note the error and the file's mtime so the hot path stops asking."""
    previous = snap.get("config") or {}
    snap["config"] = {**previous, "path": str(path), "mtime": config.mtime_of(path), "error": message}
    snap.setdefault("settings", {})


def _setup_log(cache: Path) -> None:
    """Log to the cache folder's refresher.log (re-pointed if the folder changed), rotated at the start of a run
    (logging.handlers' rotating handler would cost every run ~8 ms of imports)."""
    target = cache / LOG_FILE
    for old in [h for h in log.handlers if isinstance(h, logging.FileHandler)]:
        if old.baseFilename == str(target):
            return
        log.removeHandler(old)
        old.close()
    try:
        if os.stat(target).st_size > LOG_MAX_BYTES:
            os.replace(target, f"{target}.1")
    except OSError:  # no log yet
        pass
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    os.chmod(target, 0o600)
