"""Find the AI usage sources on this machine and turn chosen ones into [accounts.NAME] tables.

Discovery only looks: each provider's `detect` hook checks that its files
exist and env vars are set, and never prints, copies or stores a token; this
module knows no agent, only the registry. Adding is a separate, explicit step
that appends text to the config file, so the user's comments and layout
stay as they were; the result is validated before it is written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from tokseg import config, context, dirs, providers
from tokseg.providers._base import Source, detect

# API-key variables of vendors whose key no provider reads: var -> (provider-style name, vendor). A
# provider's own SecretSpec.env always wins; a provider that reads something else lists its key in `detect`.
UNREAD = "no tokseg provider reads this key yet"
OTHER_KEY_ENVS: dict[str, tuple[str, str]] = {
    "AI21_API_KEY": ("ai21", "AI21"),
    "AZURE_OPENAI_API_KEY": ("azure_openai", "Azure OpenAI"),
    "CEREBRAS_API_KEY": ("cerebras", "Cerebras"),
    "CO_API_KEY": ("cohere", "Cohere"),
    "COHERE_API_KEY": ("cohere", "Cohere"),
    "DASHSCOPE_API_KEY": ("dashscope", "Alibaba Cloud Model Studio"),
    "HF_TOKEN": ("huggingface", "Hugging Face"),
    "REPLICATE_API_TOKEN": ("replicate", "Replicate"),
    "SAMBANOVA_API_KEY": ("sambanova", "SambaNova"),
    "TOGETHER_API_KEY": ("together", "Together AI"),
    "VOYAGE_API_KEY": ("voyage", "Voyage AI"),
}


def find(env: Mapping[str, str] | None = None, existing: config.Config | None = None) -> list[Source]:
    """Every source on this machine, each marked with the account that reads it or would.

    Each registered provider's `detect` looks for its own logins and logs, in registry order;
    then every API-key provider whose env var is set.
    """
    env = os.environ if env is None else env
    run = context.runner(env)
    found = [source for name in sorted(providers.PROVIDERS) for source in detect(providers.load(name), env, run)]
    return _assign([*found, *_key_envs(env)], existing.accounts if existing else ())


def _key_envs(env: Mapping[str, str]) -> list[Source]:
    """Every registered API-key provider's env var (its SecretSpec.env) that is set, then the set keys of
    vendors no provider reads: listed so the user sees them, never offered."""
    names: dict[str, str] = {}
    for name in providers.PROVIDERS:
        spec = getattr(providers.load(name), "SECRET", None)
        if spec is not None and spec.env:
            names[spec.env] = name
    read = [Source(f"API key in ${var}", f"${var}", provider, provider, key_env=var)
            for var, provider in sorted(names.items()) if env.get(var, "").strip()]
    unread = [Source(f"{vendor} API key in ${var}", f"${var}", slug, slug, key_env=var, not_offered=UNREAD)
              for var, (slug, vendor) in sorted(OTHER_KEY_ENVS.items())
              if var not in names and env.get(var, "").strip()]
    return read + unread


def _assign(found: list[Source], accounts: tuple[config.Account, ...]) -> list[Source]:
    """Mark sources already read by an account; give the rest free account names."""
    taken = {a.name for a in accounts}
    out: list[Source] = []
    for source in found:
        match = next((a.name for a in accounts if _reads(a, source)), None)
        available = source.provider in providers.PROVIDERS
        name = match or _free_name(source, taken | {s.account for s in out if s.offer})
        out.append(dataclasses.replace(source, account=name, available=available, configured_as=match))
    return out


def _reads(account: config.Account, source: Source) -> bool:
    """Whether the account reads the source: same provider, and the same place (its `places` options)."""
    if account.provider != source.provider:
        return False
    if source.key_env:
        return account.key_env in (None, source.key_env)
    return all(getattr(account.options, k, None) == v for k, v in source.options.items()) and all(
        not getattr(account.options, k, "") for k in source.places if k not in source.options)


def _free_name(source: Source, taken: set[str]) -> str:
    """The source's account name, made from the folder it reads when that is not the default one."""
    base = source.account
    folder = next((source.options[k] for k in source.places if source.options.get(k)), "")
    if folder:
        words = re.sub(r"[^a-z0-9]+", "-", os.path.basename(folder.rstrip("/")).lower()).strip("-")
        base = words if words.startswith(source.account) else f"{source.account}-{words}"
    base = base[:36] or source.provider
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


# --- adding: append [accounts.NAME] tables to the config text --------------------------------


def account_table(name: str, provider: str, options: Mapping[str, str], key_env: str | None, comment: str) -> str:
    """TOML text for one account; strings are written as JSON strings, which TOML reads the same."""
    lines = [f"# {comment}", f"[accounts.{name}]", f"provider = {json.dumps(provider)}"]
    if key_env:
        lines.append(f"key_env = {json.dumps(key_env)}")
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def append_accounts(tables: list[str], path: Path | None = None) -> Path:
    """Append account tables to the config (created 0600 if absent); validated before writing."""
    path = path or dirs.config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    new_text = text + ("\n" if text and not text.endswith("\n") else "") + "".join(f"\n{t}" for t in tables)
    config.parse(new_text, path)  # raises ConfigError naming the line: nothing is written then
    dirs.ensure_private(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new_text)
    os.replace(tmp, path)
    return path


def add(sources: list[Source], path: Path | None = None) -> list[str]:
    """Append one account per offered source (one per account name); returns the names added."""
    tables, names = [], []
    for source in sources:
        if source.offer and source.account not in names:
            comment = f"added by `tokseg discover`: {source.title} ({source.where})"
            tables.append(account_table(source.account, source.provider, source.options, source.key_env, comment))
            names.append(source.account)
    if tables:
        append_accounts(tables, path)
    return names
