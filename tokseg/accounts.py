"""Accounts as a user manages them: add (validated by one live fetch), list, remove, rename.

The click commands in `tokseg/cli/` only parse arguments and print; every
rule lives here. A key is checked before anything is saved: a wrong key
type is explained by the provider's optional `key_problem(secret)`, then
one real fetch must succeed. Only then is the key stored in the keyring,
the account table appended to the config (as text, so comments survive)
and the fetched reading merged into the snapshot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokseg import (
    config,
    config_edit,
    context,
    dirs,
    net,
    price_table,
    provider_options,
    providers,
    refresh,
    secrets,
    snapshot,
    store,
)
from tokseg.config import Account
from tokseg.errors import ConfigError, NoSecret, TokError
from tokseg.providers._base import key_problem
from tokseg.render import view as views

if TYPE_CHECKING:
    from tokseg.schema import AccountEntry, ReadingDict, Snapshot, ViewItem


class NotAdded(TokError):
    """The account was not added; the message says why and nothing was saved."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Plan:
    """A checked `tokseg add`, before any key is asked for."""

    account: Account
    values: dict[str, Any]
    path: Path
    settings: config.Settings
    rekey: bool  # the account exists: only its key is replaced

    @property
    def wants_key(self) -> bool:
        """Whether the user must type or pipe a key (no key_env/key_command, provider needs one)."""
        spec = providers.load(self.account.provider).SECRET
        return spec is not None and secrets.uses_keyring(self.account)


@dataclass(frozen=True)
class Added:
    """What `add` saved, for the one-line confirmation."""

    name: str
    provider: str
    reading: ReadingDict
    key_preview: str
    key_source: str
    rekey: bool


@dataclass
class Removed:
    """What `remove` did; warnings name what could not be cleaned up."""

    name: str
    key_removed: bool
    warnings: list[str] = field(default_factory=list)


def plan_add(provider: str, name: str | None = None, *, base_url: str | None = None, key_env: str | None = None,
             key_command: str | None = None, label: str | None = None,
             options: dict[str, str] | None = None) -> Plan:
    """Check everything that can be checked without the key; raise ConfigError naming the fix."""
    if not providers.known(provider):
        raise ConfigError(f"unknown provider {provider!r}; known: {', '.join(providers.PROVIDERS)}")
    provider = providers.canonical(provider)
    if key_env and key_command:
        raise ConfigError("give either --key-env or --key-command, not both")
    name = name or provider
    if not config.NAME_RE.match(name):
        raise ConfigError(f"account name {name!r}: use letters, digits, '-' and '_' (at most 40), e.g. --name work")
    path = dirs.config_path()
    text = _read(path)
    current = config.parse(text, path) if text.strip() else None
    existing = next((a for a in current.accounts if a.name == name), None) if current else None
    if current and existing:
        changes = bool(base_url or key_env or key_command or label or options)
        return _plan_rekey(existing, path, current.settings, provider, changes)
    module = providers.load(provider)
    values: dict[str, Any] = {"provider": provider}
    if label:
        values["label"] = label
    if key_env:
        values["key_env"] = key_env
    if key_command:
        values["key_command"] = key_command
    values.update(_option_values(module, options or {}, base_url))
    new_text = config_edit.append_account(text, name, values, path)
    planned = config.parse(new_text, path)
    return Plan(planned.account(name), values, path, planned.settings, rekey=False)


def _plan_rekey(existing: Account, path: Path, settings: config.Settings, provider: str, changes: bool) -> Plan:
    if existing.provider != provider:
        raise ConfigError(f"an account named {existing.name!r} already exists for {existing.provider}; "
                          "choose another --name")
    if changes:
        raise ConfigError(f"account {existing.name!r} already exists; `tokseg add {provider} --name {existing.name}` "
                          "with no other options replaces its key, other changes go through `tokseg config edit`")
    if not secrets.uses_keyring(existing):
        source = f"key_env = {existing.key_env}" if existing.key_env else "key_command"
        raise ConfigError(f"account {existing.name!r} reads its key from {source}; change the key there")
    return Plan(existing, {}, path, settings, rekey=True)


def _option_values(module: Any, raw: dict[str, str], base_url: str | None) -> dict[str, Any]:
    """--option KEY=VALUE strings and --base-url, converted and checked by the rules the config file obeys."""
    allowed = [name for name in provider_options.names(module) if name != "base_url"]
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"--option {key}: not an option of provider {module.NAME!r} "
                              f"(options: {', '.join(allowed) or 'none'})")
    try:
        return provider_options.convert(module, {**({"base_url": base_url} if base_url else {}), **raw}, text=True)
    except provider_options.OptionError as exc:
        if exc.key in raw:
            raise ConfigError(f"--option {exc.key}={raw[exc.key]}: {exc.problem}") from None
        no_web = f"provider {module.NAME!r} makes no web requests, so it takes no base URL"
        raise ConfigError(f"--base-url: {no_web if exc.unknown else exc.problem}") from None


def refuse_plain_keyring() -> None:
    """NotAdded when the keyring backend would keep the key unprotected (see `secrets.plain_storage`)."""
    plain = secrets.plain_storage()
    if plain:
        raise NotAdded(f"not added: {plain}; or, knowing that, add again with --allow-plaintext-keyring", "config")


def add(plan: Plan, typed_key: str | None = None, allow_plain_keyring: bool = False) -> Added:
    """Validate the key with one live fetch, then save key, config and reading; nothing is saved on failure.

    A keyring backend that keeps keys unprotected is refused unless `allow_plain_keyring`: a user who
    thinks the key went to the desktop keyring must not find it in a readable file."""
    account = plan.account
    module = providers.load(account.provider)
    secret, source = _key_for(plan, module, typed_key)
    if source == "keyring" and secret and not allow_plain_keyring:  # no key typed for a login: nothing stored
        refuse_plain_keyring()
    message = key_problem(module, secret) if secret else None
    if message:
        raise NotAdded(f"not added: {net.scrub(message, secret)}", "auth")
    reading = _live_fetch(account, module, secret, plan.settings)
    stored = False
    if source == "keyring" and secret:
        try:
            secrets.keyring_set(account.name, secret)
        except secrets.KeyringUnavailable as exc:
            raise NotAdded(f"the key works but was not saved: {exc}", "config") from None
        stored = True
    try:
        if not plan.rekey:
            text = config_edit.append_account(_read(plan.path), account.name, plan.values, plan.path)
            config_edit.write(plan.path, text)
    except BaseException:
        if stored:
            secrets.keyring_delete(account.name)
        raise
    outcome = refresh.Outcome(account.name, reading=reading)
    refresh.sync_snapshot(config.load(plan.path), [outcome])
    return Added(account.name, account.provider, reading, secrets.preview(secret) if secret else "",
                 source if secret else "none needed", plan.rekey)


def _key_for(plan: Plan, module: Any, typed_key: str | None) -> tuple[str | None, str]:
    if module.SECRET is None:
        return None, "none needed"
    if not plan.wants_key:
        found = secrets.locate(plan.account, module.SECRET)
        assert found is not None
        return found.secret, found.source
    key = (typed_key or "").strip()
    if not key and module.SECRET.fallback:
        return None, "none needed"
    if not key:
        raise NotAdded(f"not added: no key given; {module.SECRET.hint}", "auth")
    if any(ch.isspace() for ch in key):
        raise NotAdded("not added: the key contains spaces or line breaks; paste only the key", "auth")
    return key, "keyring"


def _live_fetch(account: Account, module: Any, secret: str | None, settings: config.Settings) -> ReadingDict:
    """One fetch exactly as the refresher would make it, errors turned into NotAdded."""
    # The refresher's table (it alone downloads one), so a log source's first index is priced as it will stay.
    price_table.prepare(settings.prices, settings.prices_url, settings.timeout, time.time(), fetch=False)
    try:
        with net.new_session(1) as session:
            ctx = context.make_ctx(account.provider, account.name, account.options, secret=secret, session=session,
                                   timeout=context.timeouts(settings.timeout))
            return module.fetch(ctx).to_dict()
    except TokError as exc:
        message = net.scrub(str(exc), secret)
        if exc.kind == "auth" and module.SECRET is not None:
            message += f"; {module.SECRET.hint}"
        raise NotAdded(f"not added: {message}", exc.kind) from None
    except Exception as exc:  # a provider bug must not become a traceback, nor save a key
        raise NotAdded(f"not added: provider {account.provider!r} failed unexpectedly ({type(exc).__name__}); "
                       "please report it", "bad_response") from None


def rows(now: float | None = None) -> list[dict]:
    """One dict per configured account: key preview and source, status, last refresh age, headline."""
    now = time.time() if now is None else now
    cfg = config.load(dirs.config_path())
    snap = snapshot.read(str(store.snapshot_path())) or snapshot.empty()
    out = []
    for account in cfg.accounts:
        entry = snap["accounts"].get(account.name)
        item = views.build(snap, now, [account.name])["accounts"][0] if entry else None
        row: dict[str, Any] = {
            "name": account.name,
            "provider": account.provider,
            "label": account.label,
            "enabled": account.enabled,
            "status": _status(entry, item),
            "error": entry.get("error") if entry else None,
            "fetched_at": entry.get("fetched_at") if entry else None,
            "age": item["age_s"] if item else None,
            "headline": item["headline"] if item else "",
            "notes": views.notes(entry.get("reading")) if entry else [],
        }
        row.update(_key_info(account))
        out.append(row)
    return out


def _status(entry: AccountEntry | None, item: ViewItem | None) -> str:
    """The snapshot status (ok, error, parked, pending), with ok turned to stale when the figures are old."""
    status = entry.get("status", "pending") if entry else "pending"
    return "stale" if status == "ok" and item and item["stale"] else status


def _key_info(account: Account) -> dict[str, Any]:
    spec = providers.load(account.provider).SECRET
    try:
        found = secrets.locate(account, spec)
    except NoSecret as exc:
        return {"key_preview": "", "key_source": "missing", "key_problem": str(exc)}
    if found is None:
        return {"key_preview": "", "key_source": "none needed", "key_problem": None}
    return {"key_preview": secrets.preview(found.secret), "key_source": found.source, "key_problem": None}


def remove(name: str) -> Removed:
    """Remove the account's config table, its keyring entry and its snapshot entry."""
    path = dirs.config_path()
    account = config.load(path).account(name)
    config_edit.write(path, config_edit.remove_account(_read(path), name, path))
    result = Removed(name, key_removed=False)
    try:
        result.key_removed = secrets.keyring_delete(name)
    except secrets.KeyringUnavailable as exc:
        if secrets.uses_keyring(account):
            result.warnings.append(f"the key could not be removed from the keyring: {exc}")
    refresh.sync_snapshot(config.load(path))
    return result


def rename(old: str, new: str) -> bool:
    """Rename an account in the config, the keyring and the snapshot; True when a keyring entry moved."""
    if not config.NAME_RE.match(new):
        raise ConfigError(f"account name {new!r}: use letters, digits, '-' and '_' (at most 40)")
    path = dirs.config_path()
    account = config.load(path).account(old)
    text = config_edit.rename_account(_read(path), old, new, path)
    uses_keyring = secrets.uses_keyring(account)
    try:
        secret = secrets.keyring_get(old)
    except secrets.KeyringUnavailable as exc:
        if uses_keyring:
            raise ConfigError(f"account {old!r} was not renamed: {exc}") from None
        secret = None
    if secret:
        secrets.keyring_set(new, secret)
    config_edit.write(path, text)
    if secret:
        secrets.keyring_delete(old)

    def move(snap: Snapshot) -> None:
        entry = snap["accounts"].pop(old, None)
        if entry is not None:
            snap["accounts"][new] = entry

    refresh.sync_snapshot(config.load(path), edit=move)
    return bool(secret)


def _read(path: Path) -> str:
    """The config's text by the rules `config.load` reads it with; "" when there is no config yet."""
    found = config.read(path)
    return found[0] if found else ""
