"""Find the AI usage sources on this machine and turn chosen ones into [accounts.NAME] tables.

Discovery only looks: it checks that files exist and env vars are set and
never prints, copies or stores a token. Adding is a separate, explicit step
that appends text to the config file, so the user's comments and layout
stay as they were; the result is validated before it is written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Mapping

from tokseg import config, dirs, providers, statusline
from tokseg.providers import claude, copilot
from tokseg.providers._subscription import env_dirs, user_home

# Providers for the agents' local logs (spend from Claude Code / Codex session files). When the
# running version has no such provider, the source is still listed but not offered.
CLAUDE_LOGS_PROVIDER = "claude_logs"
CODEX_LOGS_PROVIDER = "codex_logs"
STATUSLINE_PROVIDER = "claude_statusline"


@dataclass(frozen=True)
class Source:
    """One thing found, and the account that would read it."""

    title: str
    where: str
    provider: str
    account: str
    options: dict[str, str] = field(default_factory=dict)
    key_env: str | None = None
    available: bool = True  # a provider for it exists in this version
    configured_as: str | None = None  # an existing account already reads it

    @property
    def offer(self) -> bool:
        return self.available and self.configured_as is None

    def to_dict(self) -> dict:
        return {**asdict(self), "offer": self.offer}


def find(env: Mapping[str, str] | None = None, existing: config.Config | None = None) -> list[Source]:
    """Every source on this machine, each marked with the account that reads it or would."""
    env = os.environ if env is None else env
    found = [*_claude(env), *_codex(env), *_copilot(env), *_key_envs(env)]
    return _assign(found, existing.accounts if existing else ())


def _claude(env: Mapping[str, str]) -> list[Source]:
    out = []
    default = os.path.join(user_home(env), ".claude")
    roots = env_dirs(env, "CLAUDE_CONFIG_DIR") or [default, os.path.join(user_home(env), ".config", "claude")]
    for root in roots:
        credentials = os.path.join(root, ".credentials.json")
        if os.path.isfile(credentials):
            options = {} if root == default else {"config_dir": root}
            out.append(Source("Claude Code login (5h/weekly windows)", credentials, "claude", "claude", options))
    logs = [os.path.join(root, "projects") for root in roots if os.path.isdir(os.path.join(root, "projects"))]
    if logs:  # the log reader reads every root itself
        out.append(Source("Claude Code session logs (spend)", ", ".join(logs), CLAUDE_LOGS_PROVIDER, "claude-logs"))
    pushed = statusline.store_path()
    if os.path.isfile(pushed):  # `tokseg statusline` runs as Claude Code's status line
        out.append(Source("Claude Code status line figures (windows, session cost)", pushed,
                          STATUSLINE_PROVIDER, "claude-statusline"))
    if sys.platform == "darwin" and not any(s.provider == "claude" for s in out) and _keychain_has(env):
        out.append(Source("Claude Code login in the keychain", claude.keychain_service(env), "claude", "claude"))
    if env.get("CLAUDE_CODE_OAUTH_TOKEN", "").strip() and not any(s.provider == "claude" for s in out):
        out.append(Source("Claude Code OAuth token", "$CLAUDE_CODE_OAUTH_TOKEN", "claude", "claude"))
    return out


def _keychain_has(env: Mapping[str, str]) -> bool:
    """Whether Claude Code's keychain item exists (without -w only its attributes are read, not the secret)."""
    try:
        done = subprocess.run(["security", "find-generic-password", "-s", claude.keychain_service(env)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _codex(env: Mapping[str, str]) -> list[Source]:
    out = []
    custom = env_dirs(env, "CODEX_HOME")
    logs = []
    for home in custom or [os.path.join(user_home(env), ".codex")]:
        options = {"codex_home": home} if custom else {}
        auth = os.path.join(home, "auth.json")
        sessions = os.path.join(home, "sessions")
        if os.path.isfile(auth) or os.path.isdir(sessions):
            where = auth if os.path.isfile(auth) else sessions
            out.append(Source("Codex login / logs (5h/weekly windows)", where, "codex", "codex", options))
        if os.path.isdir(sessions):
            logs.append(sessions)
    if logs:
        out.append(Source("Codex session logs (spend)", ", ".join(logs), CODEX_LOGS_PROVIDER, "codex-logs"))
    return out


def _copilot(env: Mapping[str, str]) -> list[Source]:
    token = copilot.editor_token("github.com", env)
    if token:
        return [Source("GitHub Copilot editor login (premium requests)", token.where, "copilot", "copilot")]
    if copilot.gh_token("github.com", env):
        return [Source("GitHub CLI login, for Copilot premium requests", "`gh auth token`", "copilot", "copilot")]
    return []


def _key_envs(env: Mapping[str, str]) -> list[Source]:
    """Every registered API-key provider's env var (its SecretSpec.env) that is set."""
    names: dict[str, str] = {}
    for name in providers.PROVIDERS:
        spec = getattr(providers.load(name), "SECRET", None)
        if spec is not None and spec.env:
            names[spec.env] = name
    return [Source(f"API key in ${var}", f"${var}", provider, provider, key_env=var)
            for var, provider in sorted(names.items()) if env.get(var, "").strip()]


def _assign(found: list[Source], accounts: tuple[config.Account, ...]) -> list[Source]:
    """Mark sources already read by an account; give the rest free account names."""
    taken = {a.name for a in accounts}
    out: list[Source] = []
    for source in found:
        match = next((a.name for a in accounts if _reads(a, source)), None)
        available = source.provider in providers.PROVIDERS
        name = match or _free_name(source, taken | {s.account for s in out if s.offer})
        out.append(Source(source.title, source.where, source.provider, name, source.options, source.key_env,
                          available, match))
    return out


def _reads(account: config.Account, source: Source) -> bool:
    if account.provider != source.provider:
        return False
    if source.key_env:
        return account.key_env in (None, source.key_env)
    return all(getattr(account.options, k, None) == v for k, v in source.options.items()) and all(
        not getattr(account.options, k, "") for k in ("config_dir", "codex_home") if k not in source.options)


def _free_name(source: Source, taken: set[str]) -> str:
    base = source.account
    folder = source.options.get("config_dir") or source.options.get("codex_home")
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
