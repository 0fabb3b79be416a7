"""`tokseg doctor`: folder permissions, config, refresher, integrations, and the fix for every error class."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import wait_for, write_config
from tokseg import dirs, doctor
from tokseg.cli import main
from tokseg.errors import ERROR_KINDS

FIX_WORDS = {
    "auth": "re-add a valid key with `tokseg add demo --name a`",
    "rate_limited": "wait until",
    "network": "check the connection, any proxy (HTTPS_PROXY, NO_PROXY) and the account's base_url",
    "server": "the provider has an outage",
    "bad_response": "upgrade tokseg",
    "config": "`tokseg config edit`",
}


def test_every_error_class_has_its_own_fix():
    assert set(FIX_WORDS) == set(ERROR_KINDS)
    fixes = {kind: doctor.fix_for(kind, "a", "demo", {"next_due": 1_000_600.0}, 1_000_000.0) for kind in ERROR_KINDS}
    for kind, words in FIX_WORDS.items():
        assert words in fixes[kind], kind
    assert "(in 10m)" in fixes["rate_limited"]
    assert len(set(fixes.values())) == len(fixes)


def test_loose_permissions_and_a_bad_config_are_reported_with_the_fix(capsys, config_file):
    write_config(config_file, '[accounts.a]\nprovider = "nope"\n')
    os.chmod(config_file.parent, 0o755)
    os.chmod(config_file, 0o644)
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"FIX config: {config_file}: {config_file}:2: [accounts.a] provider: unknown provider 'nope'" in out
    assert f"FIX 0755 {config_file.parent} - run: chmod 700 {config_file.parent}" in out
    assert f"FIX 0644 {config_file} - run: chmod 600 {config_file}" in out
    assert out.rstrip().endswith("3 problem(s) found")


def test_integrations_found_and_refresher_seen_running(home, config_file, monkeypatch):
    user = home.parent / "user"
    user.mkdir(exist_ok=True)
    (user / ".tmux.conf").write_text('set -g status-right "#(tokseg --format tmux)"\n')
    xdg = home.parent / "xconfig"
    (xdg / "fish").mkdir(parents=True)
    (xdg / "fish" / "config.fish").write_text("set -g x 1\n\nfunction fish_right_prompt; tokseg --format fish; end\n")
    (user / ".bashrc").write_text("alias ll='ls -l'\n")
    starship = home.parent / "dotfiles" / "prompt.toml"
    starship.parent.mkdir()
    starship.write_text('[custom.tokseg]\ncommand = "tokseg --format starship"\n')
    monkeypatch.setenv("STARSHIP_CONFIG", str(starship))
    found = {(i["host"], i["file"]): i["lines"] for i in doctor.integrations()}
    assert found == {("tmux", str(user / ".tmux.conf")): [1], ("fish", str(xdg / "fish" / "config.fish")): [3],
                     ("starship", str(starship)): [1, 2]}

    assert doctor.diagnose()["refresher"]["running"] is False
    cache = dirs.ensure_private(dirs.cache_dir())
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire(); "
        "print('held', flush=True); time.sleep(30)"), str(cache / "refresh.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert doctor.diagnose()["refresher"]["running"] is True
    finally:
        holder.kill()
        holder.wait()
    wait_for(lambda: not doctor.diagnose()["refresher"]["running"])


def test_starship_env_var_without_a_shell_hook_is_a_warning_naming_the_fix(home, config_file, monkeypatch):
    from tokseg.cli import init

    starship = home.parent / "starship.toml"
    starship.write_text(init.snippet("starship"))
    monkeypatch.setenv("STARSHIP_CONFIG", str(starship))
    monkeypatch.setenv("HOME", str(home.parent / "nobody"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home.parent / "no-xdg"))
    [item] = doctor.integrations()
    assert item["host"] == "starship" and "`tokseg init zsh >> ~/.zshrc`" in item["warning"]
    rc = home.parent / "nobody" / ".zshrc"
    rc.parent.mkdir()
    rc.write_text(init.snippet("zsh"))
    assert not any("warning" in found for found in doctor.integrations())


def test_doctor_creates_nothing(home):
    doctor.diagnose()
    assert list(home.iterdir()) == []


def test_json_report(capsys, config_file):
    write_config(config_file, '[accounts.a]\nprovider = "demo"\n')
    os.chmod(config_file.parent, 0o700)
    os.chmod(config_file, 0o600)
    code = main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["problems"] == 0
    assert report["keyring"] == {"backend": "tests.keyring_backend.FileKeyring", "usable": True, "needed": False,
                                 "problem": None, "plain": None}
    assert report["config"]["ok"] is True and report["config"]["accounts"] == 1
    assert report["accounts"] == [{"name": "a", "provider": "demo", "key_source": "none needed", "status": "pending",
                                   "error": None, "fix": None, "notes": []}]


def test_a_key_that_cannot_be_found_is_an_auth_problem_with_its_fix(capsys, config_file):
    write_config(config_file, '[accounts.or]\nprovider = "openrouter"\nkey_env = "NOT_SET_ANYWHERE"\n')
    (account,) = doctor.diagnose()["accounts"]
    assert account["key_source"] == "missing"
    assert account["error"]["message"] == "account 'or': key_env names NOT_SET_ANYWHERE, which is not set or empty"
    assert account["fix"].startswith("re-add a valid key with `tokseg add openrouter --name or`")
