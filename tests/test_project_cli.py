"""`{NAME.project}` through the real CLI and a real zsh prompt: what *this* repo cost today.

Two repos with Claude Code and Codex logs; the segment is rendered by `tokseg` run from inside each
repo (and a sub-folder), by the refresher's pushed prompt file as real zsh shows it in tmux, and
`--json` and `history --by project` carry the same figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, codex_meta, codex_tokens, codex_turn, write_lines
from tests.conftest import run_tokseg, write_config
from tests.hosts import Tmux, need, poll, tmux_env  # noqa: F401  (fixture)
from tests.test_host_prompts import shell_command
from tests.test_log_breakdown import repo

TEMPLATE = "[{cc.project.name} {cc.project}|{cx.project}|{total.project}]"


@pytest.fixture
def two_repos(tmp_path: Path, config_file: Path) -> dict[str, Path]:
    """shop-api (Claude Code and Codex today) and docs (Claude Code today), and a folder in neither."""
    shop, docs = repo(tmp_path / "src" / "shop-api"), repo(tmp_path / "src" / "docs")
    (shop / "lib" / "deep").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    now = time.time() - 5
    write_lines(tmp_path / "claude" / "projects" / "-x" / "a.jsonl", [
        claude_row("m1", now, cwd=str(shop), session="s1"),
        claude_row("m2", now, cwd=str(docs), session="s2", output=5000)])
    write_lines(tmp_path / "codex" / "sessions" / "2026" / "12" / "03" / "rollout-a.jsonl", [
        codex_meta(now, cwd=str(shop), session="c1", branch="main"), codex_turn(now, cwd=str(shop)),
        codex_tokens(now, (20000, 0, 1000, 0))])
    write_config(config_file, f"""
[settings]
template = "{TEMPLATE}"
[accounts.cc]
provider = "claude_logs"
paths = "{tmp_path / 'claude'}"
[accounts.cx]
provider = "codex_logs"
paths = "{tmp_path / 'codex'}"
""")
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode == 0, done.stderr
    return {"shop": shop, "docs": docs, "elsewhere": elsewhere}


def segment_in(folder: Path, *args: str) -> str:
    """`tokseg` run from `folder`, as a prompt's command substitution would run it there."""
    done = subprocess.run([sys.executable, "-m", "tokseg", *args], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PWD": str(folder)}, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def projects_of(doc: dict, account: str) -> dict[str, dict]:
    entry = next(a for a in doc["accounts"] if a["name"] == account)
    return {p["project"]: p for p in entry["projects"] if p["period"] == "today"}


def test_the_segment_shows_the_current_repos_spend_from_anywhere_inside_it(two_repos):
    doc = json.loads(segment_in(two_repos["elsewhere"], "--json"))
    cc, cx = projects_of(doc, "cc"), projects_of(doc, "cx")
    shop_cc, shop_cx = cc["shop-api"]["spent"]["amount"], cx["shop-api"]["spent"]["amount"]
    docs_cc = cc["docs"]["spent"]["amount"]
    assert shop_cc > 0 and shop_cx > 0 and docs_cc > shop_cc and "docs" not in cx
    money = "${:,.2f}".format
    expected = f"[shop-api {money(shop_cc)}|{money(shop_cx)}|{money(shop_cc + shop_cx)}]"
    assert segment_in(two_repos["shop"]) == expected
    assert segment_in(two_repos["shop"] / "lib" / "deep") == expected
    assert segment_in(two_repos["docs"]) == f"[docs {money(docs_cc)}||{money(docs_cc)}]"
    assert segment_in(two_repos["elsewhere"]) == "[ ||]"


def test_a_symlink_into_a_repo_finds_the_repo_it_leads_to(two_repos, tmp_path):
    link = tmp_path / "link-to-shop"
    link.symlink_to(two_repos["shop"])
    assert segment_in(link).startswith("[shop-api $")


def test_history_by_project_sums_what_each_repo_used(two_repos, tmp_path):
    """Use over the span is the sum of each project's increases between readings, as for models."""
    now = time.time() - 2
    write_lines(tmp_path / "codex" / "sessions" / "2026" / "12" / "03" / "rollout-a.jsonl",
                [codex_tokens(now, (30000, 0, 1500, 0))], mode="a")
    write_lines(tmp_path / "claude" / "projects" / "-x" / "b.jsonl",
                [claude_row("m3", now, cwd=str(two_repos["docs"] / "guide"), session="s3", input=10, write_5m=0,
                            read=0, output=90)])
    assert run_tokseg("refresh", "--quiet").returncode == 0
    done = run_tokseg("history", "--by", "project", "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["account"], r["project"]): r for r in json.loads(done.stdout)["rows"]}
    assert set(rows) == {("cc", "shop-api"), ("cc", "docs"), ("cx", "shop-api")}
    assert (rows[("cx", "shop-api")]["tokens"], rows[("cc", "docs")]["tokens"], rows[("cc", "shop-api")]["tokens"]) \
        == (10500, 100, 0)
    assert rows[("cc", "docs")]["root"] == str(two_repos["docs"])
    table = run_tokseg("history", "--by", "project").stdout
    assert table.splitlines()[0].split()[:2] == ["ACCOUNT", "PROJECT"] and "shop-api" in table and "docs" in table


def test_zsh_prompt_shows_the_spend_of_the_repo_it_is_in(two_repos, tmux_env, tmp_path, config_file):
    need("tmux", "zsh")
    env, servers = tmux_env
    snippet = run_tokseg("init", "zsh").stdout
    doc = json.loads(segment_in(two_repos["elsewhere"], "--json"))
    shop = "${:,.2f}".format(projects_of(doc, "cc")["shop-api"]["spent"]["amount"])
    docs = "${:,.2f}".format(projects_of(doc, "cc")["docs"]["spent"]["amount"])
    server = Tmux("prompt-project", env)
    servers.append(server)
    env["PATH"] = f"{tmp_path / 'no-tokseg'}:{env['PATH']}"
    server("new-session", "-d", "-s", "s", "-x", "200", "-y", "12", "-c", str(two_repos["shop"]),
           shell_command("zsh", tmp_path, snippet, env))
    poll(lambda: server.screen_with(f"[shop-api {shop}|"), what="zsh prompt in shop-api")
    server("send-keys", "-t", "s", f"cd {two_repos['docs']}", "Enter")
    poll(lambda: server.screen_with(f"[docs {docs}||"), what="zsh prompt in docs")
    server("send-keys", "-t", "s", f"cd {two_repos['elsewhere']}", "Enter")
    poll(lambda: server.screen_with("[ ||]"), what="zsh prompt outside every project")


def test_show_lists_the_top_projects_and_the_efficiency_figures(two_repos):
    doc = json.loads(segment_in(two_repos["elsewhere"], "--json"))
    cc = next(a for a in doc["accounts"] if a["name"] == "cc")
    today = next(e for e in cc["efficiency"] if e["period"] == "today")
    assert today["requests"] == 2 and 0 < today["cache_leverage"] < 1 and 0 < today["output_share"] < 1
    out = run_tokseg("show").stdout
    block = out[out.index("(cc, claude_logs)"):out.index("(cx, codex_logs)")]
    projects = next(line for line in block.splitlines() if line.strip().startswith("projects today"))
    assert projects.index("docs $") < projects.index("shop-api $") and "(1 sess)" in projects
    efficiency = next(line for line in block.splitlines() if line.strip().startswith("efficiency today"))
    assert f"cache {today['cache_leverage'] * 100:.0f}% of input" in efficiency and "2 requests" in efficiency


def test_the_documents_with_projects_validate_against_the_shipped_schemas(two_repos):
    from tests.test_json_schemas import valid

    valid("segment", json.loads(segment_in(two_repos["shop"], "--json")))
    valid("history", json.loads(run_tokseg("history", "--by", "project", "--json").stdout))
    export = json.loads(run_tokseg("export", "--json").stdout)
    valid("export", export)
    assert any(s["metric"].startswith("project.spent.today.") for s in export["samples"])


def test_project_names_remote_names_the_repo_by_its_origin(two_repos, config_file):
    (two_repos["shop"] / ".git" / "config").write_text('[remote "origin"]\n\turl = git@github.com:dev/shop-api.git\n')
    text = config_file.read_text().replace("[settings]\n", '[settings]\nproject_names = "remote"\n')
    write_config(config_file, text)
    assert run_tokseg("refresh", "--quiet").returncode == 0
    assert segment_in(two_repos["shop"]).startswith("[github.com/dev/shop-api $")
    assert segment_in(two_repos["docs"]).startswith("[docs $")  # no origin: its folder name
    write_config(config_file, text.replace('"remote"', '"origin"'))
    done = run_tokseg("refresh", "--quiet")
    assert done.returncode != 0 and "project_names" in done.stderr and '"folder"' in done.stderr
