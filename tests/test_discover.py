"""`tokseg discover` on a fake HOME holding real files in the agents' and editors' layouts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_tokseg, write_config
from tokseg import config, discover, providers

SECRETS = ("sk-ant-oat01-DISCOVERME", "eyJ-CODEX-ACCESS", "ghu_DISCOVEREDTOKEN", "sk-or-v1-DISCOVERKEY")
USER_CONFIG = "# my settings, keep this comment\n[settings]\ninterval = 120  # two minutes\n"


def clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop this machine's own agent/key variables so only the fixture's sources exist.

    XDG_DATA_HOME (OpenCode's folder) is the `home` fixture's own already.
    """
    keys = {getattr(providers.load(p).SECRET, "env", None) for p in providers.PROVIDERS}
    keys |= {"GOOGLE_API_KEY"}  # gemini offers it too
    for var in {"CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "CLAUDE_CODE_OAUTH_TOKEN", "GH_TOKEN",
                "GITHUB_TOKEN"} | {"AMP_DATA_DIR"} | {"GEMINI_CLI_HOME", "GOOGLE_CLOUD_PROJECT"} | keys:
        if var:
            monkeypatch.delenv(var, raising=False)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A home with Claude Code's login and logs, Codex's login and logs, Gemini CLI chats, OpenCode's database,
    a Copilot editor login and a key env var."""
    user = tmp_path / "user"
    (user / ".claude" / "projects" / "-home-dev-shop").mkdir(parents=True)
    (user / ".claude" / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {"accessToken": SECRETS[0]}}))
    (user / ".codex" / "sessions" / "2026" / "11" / "22").mkdir(parents=True)
    (user / ".codex" / "auth.json").write_text(json.dumps({"tokens": {"access_token": SECRETS[1]}}))
    (user / ".gemini" / "tmp" / "5f0c1b7e2a9d4c3b8e6f1a0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b" / "chats").mkdir(parents=True)
    (tmp_path / "xdata" / "amp" / "threads").mkdir(parents=True)  # Amp's threads, under XDG_DATA_HOME
    (tmp_path / "xdata" / "amp" / "threads" / "T-5f0c1b7e.json").write_text('{"id": "T-5f0c1b7e", "messages": []}')
    (tmp_path / "xdata" / "opencode").mkdir(parents=True)
    sqlite3.connect(tmp_path / "xdata" / "opencode" / "opencode.db").close()
    (tmp_path / "xconfig" / "github-copilot").mkdir(parents=True)
    (tmp_path / "xconfig" / "github-copilot" / "apps.json").write_text(
        json.dumps({"github.com:Iv1.b507a08c87ecfe98": {"user": "octodev", "oauth_token": SECRETS[2]}}))
    (tmp_path / "bin").mkdir()
    clear_env(monkeypatch)
    env = {"PATH": str(tmp_path / "bin"), "OPENROUTER_API_KEY": SECRETS[3]}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdata")  # as the autouse `home` fixture sets it for the CLI
    return env


def listed(env: dict[str, str]) -> dict[str, dict]:
    done = run_tokseg("discover", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert not any(secret in done.stdout for secret in SECRETS)
    return {s["provider"]: s for s in json.loads(done.stdout)["sources"]}


def test_lists_every_source_without_adding(machine: dict[str, str], config_file: Path) -> None:
    found = listed(machine)
    assert set(found) == {"amp_logs", "claude", "claude_logs", "codex", "codex_logs", "copilot", "gemini_logs",
                          "opencode_logs", "openrouter"}
    assert found["gemini_logs"]["where"].endswith(".gemini/tmp") and found["gemini_logs"]["offer"]
    assert found["claude"]["where"].endswith(".claude/.credentials.json") and found["claude"]["offer"]
    assert found["codex"]["account"] == "codex" and found["codex"]["offer"]
    assert found["copilot"]["where"].endswith("github-copilot/apps.json")
    assert found["openrouter"]["key_env"] == "OPENROUTER_API_KEY"
    assert found["amp_logs"]["where"].endswith("xdata/amp/threads") and found["amp_logs"]["offer"]
    assert found["opencode_logs"]["where"].endswith("xdata/opencode") and found["opencode_logs"]["offer"]
    for name in ("claude_logs", "codex_logs", "gemini_logs", "opencode_logs", "openrouter", "amp_logs"):
        assert found[name]["available"] == (name in providers.PROVIDERS)
    assert not config_file.exists()


def test_yes_adds_each_offered_source_and_keeps_the_users_text(machine: dict[str, str], config_file: Path) -> None:
    write_config(config_file, USER_CONFIG)
    done = run_tokseg("discover", "--yes", env=machine)
    assert done.returncode == 0, done.stderr
    text = config_file.read_text()
    assert text.startswith(USER_CONFIG)
    assert not any(secret in text for secret in SECRETS)
    loaded = config.load(config_file)
    by_name = {a.name: a.provider for a in loaded.accounts}
    expected = {"claude": "claude", "codex": "codex", "copilot": "copilot"}
    expected.update({account: provider for account, provider in (
        ("claude-logs", "claude_logs"), ("codex-logs", "codex_logs"), ("gemini-logs", "gemini_logs"),
        ("openrouter", "openrouter"), ("amp-logs", "amp_logs"), ("opencode-logs", "opencode_logs"))
        if provider in providers.PROVIDERS})
    assert {k: by_name.get(k) for k in expected} == expected
    again = listed(machine)
    assert again["claude"]["configured_as"] == "claude" and not again["claude"]["offer"]
    assert "Nothing new to add" in run_tokseg("discover", "--yes", env=machine).stdout
    assert config_file.read_text() == text


def test_without_yes_nothing_is_added_unless_confirmed(machine: dict[str, str], config_file: Path) -> None:
    write_config(config_file, USER_CONFIG)
    done = run_tokseg("discover", env=machine, input="")
    assert done.returncode == 0 and "Nothing added" in done.stdout
    assert config_file.read_text() == USER_CONFIG
    offered = [s["provider"] for s in json.loads(run_tokseg("discover", "--json", env=machine).stdout)["sources"]
               if s["offer"]]
    answers = "".join("y\n" if provider == "codex" else "n\n" for provider in offered)
    done = run_tokseg("discover", env=machine, input=answers)
    assert done.returncode == 0, done.stderr
    assert [a.name for a in config.load(config_file).accounts] == ["codex"]
    assert config_file.read_text().startswith(USER_CONFIG)


def test_a_claude_config_dir_profile_gets_its_own_account(machine: dict[str, str], tmp_path: Path,
                                                          config_file: Path) -> None:
    profile = tmp_path / "profiles" / ".claude-work"
    profile.mkdir(parents=True)
    (profile / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {"accessToken": SECRETS[0]}}))
    env = {**machine, "CLAUDE_CONFIG_DIR": str(profile)}
    assert listed(env)["claude"]["account"] == "claude-work"
    run_tokseg("discover", "--yes", env=env)
    work = config.load(config_file).account("claude-work")
    assert work.provider == "claude" and work.options.config_dir == str(profile)


def test_empty_machine(tmp_path: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_env(monkeypatch)
    (tmp_path / "bin").mkdir()
    done = run_tokseg("discover", env={"PATH": str(tmp_path / "bin")})
    assert done.returncode == 0 and "No usage sources found" in done.stdout


def test_the_status_line_store_is_offered_once_tokseg_statusline_has_run(machine: dict[str, str],
                                                                        config_file: Path) -> None:
    assert "claude_statusline" not in listed(machine)
    hook = {"session_id": "6f1c2b7e", "model": {"id": "claude-opus-4-7", "display_name": "Opus 4.7"},
            "rate_limits": {"five_hour": {"used_percentage": 23.5, "resets_at": 1795370400}}}
    assert run_tokseg("statusline", input=json.dumps(hook)).returncode == 0
    found = listed(machine)["claude_statusline"]
    assert found["where"].endswith("claude-statusline.json") and found["offer"]
    run_tokseg("discover", "--yes", env=machine)
    assert config.load(config_file).account("claude-statusline").provider == "claude_statusline"


def test_sources_come_in_registry_order_and_each_names_its_own_provider(machine: dict[str, str],
                                                                        tmp_path: Path) -> None:
    env = {**machine, "HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "xconfig"),
           "XDG_DATA_HOME": str(tmp_path / "xdata")}
    found = discover.find(env)
    assert [s.provider for s in found] == ["amp_logs", "claude", "claude_logs", "codex", "codex_logs", "copilot",
                                           "gemini_logs", "opencode_logs", "openrouter"]
    assert [s.account for s in found] == ["amp-logs", "claude", "claude-logs", "codex", "codex-logs", "copilot",
                                          "gemini-logs", "opencode-logs", "openrouter"]


def test_an_account_reading_another_folder_does_not_read_the_default_login(machine: dict[str, str],
                                                                           tmp_path: Path) -> None:
    """`places` says which options name the folder: a set config_dir elsewhere is another login."""
    env = {**machine, "HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "xconfig")}
    elsewhere = config.parse('[accounts.claude]\nprovider = "claude"\nconfig_dir = "/srv/other"\n'
                             '[accounts.cx]\nprovider = "codex"\n', tmp_path / "config.toml")
    by_provider = {s.provider: s for s in discover.find(env, elsewhere)}
    assert by_provider["claude"].configured_as is None and by_provider["claude"].account == "claude-2"
    assert by_provider["codex"].configured_as == "cx" and not by_provider["codex"].offer
    assert "places" not in by_provider["claude"].to_dict()


def test_keys_no_provider_reads_are_listed_never_offered(machine: dict[str, str], config_file: Path) -> None:
    env = {**machine, "TOGETHER_API_KEY": "tgp-secret-value-1", "MISTRAL_API_KEY": "mistral-secret-value-2"}
    found = listed(env)
    together = found["together"]
    assert together["key_env"] == "TOGETHER_API_KEY" and not together["offer"]
    assert together["not_offered"] == "no tokseg provider reads this key yet"
    assert not found["mistral"]["offer"] and "web session" in found["mistral"]["not_offered"]
    done = run_tokseg("discover", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "Together AI API key in $TOGETHER_API_KEY: $TOGETHER_API_KEY  (listed, not offered: no tokseg" in done.stdout
    assert "tgp-secret" not in done.stdout and "mistral-secret" not in done.stdout
    text = config_file.read_text(encoding="utf-8")
    assert "openrouter" in text and "together" not in text and "mistral" not in text.lower()


def test_a_perplexity_api_key_is_listed_with_the_session_hint(machine: dict[str, str], config_file: Path) -> None:
    found = listed({**machine, "PERPLEXITY_API_KEY": "pplx-secret-value-3"})
    assert not found["perplexity"]["offer"] and "web session" in found["perplexity"]["not_offered"]


def test_google_logins_are_offered_and_a_key_in_the_environment_does_not_take_the_login_over(
        machine: dict[str, str], tmp_path: Path, config_file: Path) -> None:
    """A Gemini CLI login and an Antigravity login are offered; with GEMINI_API_KEY set too, the key gets its own
    account and the login's account says auth = "login", so the two never read the same thing."""
    from tests.providers import test_antigravity, test_gemini

    test_gemini.login_file(tmp_path / "user" / ".gemini")
    test_antigravity.state_db(tmp_path / "xconfig" / "Antigravity" / "User" / "globalStorage" / "state.vscdb",
                              test_antigravity.signed_in())
    env = {**machine, "GEMINI_API_KEY": "AIzaSyDISCOVER0123456789abcdefGhIjKlMn"}
    done = run_tokseg("discover", "--json", env=env)
    sources = json.loads(done.stdout)["sources"]
    google = [(s["provider"], s["account"], s["key_env"], s["options"], s["offer"]) for s in sources
              if s["provider"] in ("gemini", "antigravity")]
    assert google == [("antigravity", "antigravity", None, {}, True),
                      ("gemini", "gemini", None, {"auth": "login"}, True),
                      ("gemini", "gemini-2", "GEMINI_API_KEY", {}, True)]
    assert test_gemini.TOKEN not in done.stdout and test_antigravity.TOKEN not in done.stdout
    assert run_tokseg("discover", "--yes", env=env).returncode == 0
    loaded = config.load(config_file)
    assert loaded.account("gemini").options.auth == "login" and loaded.account("gemini").key_env is None
    assert loaded.account("gemini-2").key_env == "GEMINI_API_KEY"
    assert loaded.account("antigravity").provider == "antigravity"
    again = {(s["provider"], s["account"]): s for s in json.loads(run_tokseg("discover", "--json", env=env).stdout)[
        "sources"]}
    assert again[("gemini", "gemini")]["configured_as"] == "gemini"
    assert again[("antigravity", "antigravity")]["configured_as"] == "antigravity"
