"""Spend per project, branch and session from Claude Code and Codex logs, and the efficiency figures.

Projects are real folders with real git metadata in tmp_path (a repo, a worktree, a folder in no repo,
one that is gone), and every breakdown must add up to the account's own totals, which the log tests
already check against independently priced ground truth.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.agent_logs import claude_row, codex_meta, codex_tokens, codex_turn, ctx, write_lines
from tokseg.sources import _breakdown, _projects, claude_logs, codex_logs

NOW = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
YESTERDAY = NOW - 86400


def repo(root: Path, remote: str | None = None) -> Path:
    """A git repo's top level as git leaves it: .git/ with a config (and an origin, when given)."""
    (root / ".git").mkdir(parents=True)
    config = "[core]\n\trepositoryformatversion = 0\n"
    if remote:
        config += f'[remote "upstream"]\n\turl = https://example.org/other.git\n[remote "origin"]\n\turl = {remote}\n'
    (root / ".git" / "config").write_text(config)
    return root


def worktree(main: Path, where: Path) -> Path:
    """A linked worktree: its .git is a file naming a git dir whose commondir leads back to main's."""
    gitdir = main / ".git" / "worktrees" / where.name
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n")
    where.mkdir(parents=True)
    (where / ".git").write_text(f"gitdir: {gitdir}\n")
    return where


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    shop = repo(tmp_path / "src" / "shop-api", "git@github.com:dev/shop-api.git")
    (shop / "services" / "billing").mkdir(parents=True)
    return {
        "shop": shop,
        "shop_sub": shop / "services" / "billing",
        "docs": repo(tmp_path / "src" / "docs", "https://dev:ghp_secret@github.com/dev/docs"),
        "hotfix": worktree(shop, tmp_path / "wt" / "shop-hotfix"),
        "scratch": (tmp_path / "scratch").resolve(),
        "gone": tmp_path / "removed" / "old-tool",
    }


def claude_logs_in(tmp_path: Path, places: dict[str, Path]) -> Path:
    (places["scratch"]).mkdir(exist_ok=True)
    lines = {
        "s1": [claude_row("m1", NOW - 3000, cwd=str(places["shop"]), session="s1", branch="main"),
               claude_row("m2", NOW - 2900, cwd=str(places["shop_sub"]), session="s1", branch="main", output=900),
               claude_row("m3", NOW - 2800, cwd=str(places["shop"]), session="s1", branch="feat/cart", output=40)],
        "s2": [claude_row("m4", NOW - 2000, cwd=str(places["docs"]), session="s2", branch="main",
                          model="claude-opus-4-1-20250805"),
               claude_row("m5", YESTERDAY, cwd=str(places["docs"]), session="s2", branch="main")],
        "s3": [claude_row("m6", NOW - 1000, cwd=str(places["hotfix"]), session="s3", branch="hotfix/tax"),
               claude_row("m7", NOW - 900, cwd=str(places["scratch"]), session="s3", branch=""),
               claude_row("m8", NOW - 800, cwd=str(places["gone"]), session="s3", branch="",
                          model="claude-unknown-9")],
        # A resumed session copies m1: it still counts once, in one project.
        "s4": [claude_row("m1", NOW - 3000, cwd=str(places["shop"]), session="s1", branch="main"),
               claude_row("m9", NOW - 500, cwd="", session="", branch="")],
    }
    folder = tmp_path / "claude"
    for name, rows in lines.items():
        write_lines(folder / "projects" / "-p" / f"{name}.jsonl", rows)
    return folder


def run_claude(folder: Path, now: float = NOW):
    return claude_logs.run(ctx(claude_logs.Options(paths=str(folder)), {"HOME": "/nonexistent"}, now, "cc"))[0]


def by(entries, period: str, key: str) -> dict:
    return {getattr(e, key): e for e in entries if e.period == period}


def assert_adds_up(reading, period: str) -> None:
    """Projects and sessions of a period each sum to the account's spend and tokens for it, exactly."""
    for groups in (reading.projects, reading.sessions):
        chosen = [g for g in groups if g.period == period]
        assert sum(g.usage.tokens.total for g in chosen) == reading.tokens[period].total
        assert sum(g.usage.spent.amount for g in chosen if g.usage.spent) == pytest.approx(
            reading.spent[period].amount, abs=1e-9)
        assert sum(g.usage.requests for g in chosen) == sum(e.requests for e in reading.efficiency
                                                            if e.period == period)


def test_claude_projects_are_repos_named_by_their_top_level_folder(tmp_path, places):
    reading = run_claude(claude_logs_in(tmp_path, places))
    today = by(reading.projects, "today", "root")
    assert set(today) == {str(places["shop"]), str(places["docs"]), str(places["hotfix"]), str(places["scratch"]),
                          str(places["gone"]), ""}
    shop = today[str(places["shop"])]
    assert (shop.project, shop.remote, shop.sessions, shop.usage.requests) == ("shop-api", "github.com/dev/shop-api",
                                                                               1, 3)
    assert {b.branch: b.usage.requests for b in shop.branches} == {"main": 2, "feat/cart": 1}
    assert sum(b.usage.tokens.total for b in shop.branches) == shop.usage.tokens.total
    # A worktree is a project of its own, whose origin is its main repo's; credentials never reach the figures.
    assert (today[str(places["hotfix"])].project, today[str(places["hotfix"])].remote) == (
        "shop-hotfix", "github.com/dev/shop-api")
    assert today[str(places["docs"])].remote == "github.com/dev/docs"
    assert "ghp_secret" not in json.dumps(reading.to_dict())
    assert today[str(places["gone"])].project == "old-tool" and today[str(places["gone"])].usage.spent is None
    assert today[""].project == _projects.NO_FOLDER
    assert_adds_up(reading, "today")
    assert_adds_up(reading, "month")
    month_docs = by(reading.projects, "month", "root")[str(places["docs"])]
    assert month_docs.usage.requests == 2 and today[str(places["docs"])].usage.requests == 1


def test_claude_sessions_carry_their_main_project_and_branch(tmp_path, places):
    reading = run_claude(claude_logs_in(tmp_path, places))
    today = by(reading.sessions, "today", "session")
    assert set(today) == {"s1", "s2", "s3", _breakdown.NO_SESSION}
    s1 = today["s1"]
    assert (s1.project, s1.branch, s1.usage.requests) == ("shop-api", "main", 3)
    assert (s1.first, s1.last) == (pytest.approx(NOW - 3000, abs=0.01), pytest.approx(NOW - 2800, abs=0.01))
    assert today["s2"].usage.requests == 1 and by(reading.sessions, "month", "session")["s2"].usage.requests == 2
    # Costliest first.
    spends = [s.usage.spent.amount if s.usage.spent else 0.0 for s in reading.sessions if s.period == "today"]
    assert spends == sorted(spends, reverse=True)


def test_codex_sessions_take_folder_and_branch_from_their_meta_and_turns(tmp_path, places):
    home = tmp_path / "codex"
    day = home / "sessions" / "2026" / "11" / "22"
    write_lines(day / "rollout-a.jsonl", [
        codex_meta(NOW - 4000, cwd=str(places["shop"]), session="cx-1", branch="main"),
        codex_turn(NOW - 3990, cwd=str(places["shop"])),
        codex_tokens(NOW - 3980, (1000, 200, 50, 10)),
        codex_turn(NOW - 3000, cwd=str(places["docs"])),  # the next turn runs in another repo
        codex_tokens(NOW - 2990, (3000, 1200, 150, 20)),
    ])
    write_lines(day / "rollout-b.jsonl", [
        codex_meta(NOW - 2000, cwd=str(places["scratch"]), session="cx-2"),
        codex_turn(NOW - 1990, cwd=str(places["scratch"])),
        codex_tokens(NOW - 1980, (500, 0, 25, 0)),
    ])
    reading, _ = codex_logs.run(ctx(codex_logs.Options(paths=str(home)), {"HOME": "/nonexistent"}, NOW, "cx"))
    projects = by(reading.projects, "today", "project")
    assert {name: p.usage.tokens.total for name, p in projects.items()} == {"shop-api": 1050, "docs": 2100,
                                                                           "scratch": 525}
    assert [b.branch for b in projects["shop-api"].branches] == ["main"]
    assert projects["scratch"].branches == ()
    sessions = by(reading.sessions, "today", "session")
    assert (sessions["cx-1"].project, sessions["cx-1"].branch, sessions["cx-1"].usage.requests) == ("docs", "main", 2)
    assert_adds_up(reading, "today")


def test_many_projects_and_sessions_are_capped_and_still_add_up(tmp_path):
    folder = tmp_path / "claude"
    rows = []
    for i in range(30):
        place = repo(tmp_path / "src" / f"p{i:02d}")
        rows.append(claude_row(f"m{i}", NOW - 100 * i, cwd=str(place), session=f"s{i}", output=10 + i))
    write_lines(folder / "projects" / "-p" / "many.jsonl", rows)
    reading = run_claude(folder)
    today = [p for p in reading.projects if p.period == "today"]
    assert len(today) == _breakdown.MAX_PROJECTS and today[-1].project == _breakdown.OTHER_PROJECTS
    assert today[-1].usage.requests == 30 - (_breakdown.MAX_PROJECTS - 1)
    sessions = [s for s in reading.sessions if s.period == "today"]
    assert len(sessions) == _breakdown.MAX_SESSIONS and sessions[-1].session == _breakdown.OTHER_SESSIONS
    assert_adds_up(reading, "today")
    assert len(json.dumps(reading.to_dict())) < 40_000  # the hot path reads it at every render


def test_efficiency_figures_match_hand_computed_values(tmp_path, places):
    folder = tmp_path / "claude"
    # input 6 + 20, cache writes 244 + 0, cache reads 87 250 + 1 000, output 12 + 30 on two priced requests.
    write_lines(folder / "projects" / "-p" / "e.jsonl", [
        claude_row("e1", NOW - 600, cwd=str(places["shop"])),
        claude_row("e2", NOW - 300, cwd=str(places["shop"]), input=20, write_5m=0, read=1000, output=30)])
    reading = run_claude(folder)
    today = {e.period: e for e in reading.efficiency}["today"]
    inputs = 6 + 20 + 244 + 87250 + 1000
    assert today.requests == 2
    assert today.cache_leverage == pytest.approx(88250 / inputs)
    assert today.output_share == pytest.approx(42 / (inputs + 42))
    assert today.cost_per_request.amount == pytest.approx(reading.spent["today"].amount / 2)


def test_efficiency_without_priced_requests_has_no_cost_per_request():
    rows = [_breakdown.Totals(3, 10, 0, 0, 0, 5, 0.0, 3)]
    figures = _breakdown.efficiency("today", rows)
    assert figures is not None and figures.cost_per_request is None and figures.cache_leverage == 0.0
    assert _breakdown.efficiency("today", []) is None


@pytest.mark.parametrize(("url", "name"), [
    ("git@github.com:dev/shop-api.git", "github.com/dev/shop-api"),
    ("https://github.com/dev/shop-api", "github.com/dev/shop-api"),
    ("https://user:token@gitlab.example.com:8443/group/sub/tool.git", "gitlab.example.com/group/sub/tool"),
    ("ssh://git@host.example/srv/repo.git/", "host.example/srv/repo"),
    ("/srv/git/mirror/tool.git", "mirror/tool"),
    ("file:///srv/git/tool.git", "git/tool"),  # a local path: its last two parts
])
def test_remotes_are_named_host_owner_repo_without_credentials(url, name):
    assert _projects.normalise_remote(url) == name


def test_odd_folders_in_a_log_are_no_project_not_a_crash(tmp_path):
    assert _projects.resolve("relative/path").name == _projects.NO_FOLDER
    assert _projects.resolve("").root == ""
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    (broken / ".git" / "config").write_bytes(b"\xff[remote \"origin\"\n url = \x00")
    assert _projects.resolve(str(broken)) == _projects.Project(str(broken), "broken", "")


def test_gemini_chats_take_their_project_from_the_folder_gemini_cli_notes(tmp_path):
    from tests.gemini_chats import generate, project_hash, tmp_dir
    from tokseg.sources import gemini_logs

    gemini = tmp_path / ".gemini"
    generate(gemini, [NOW - 3600 + 60 * i for i in range(12)])
    names = {project_hash(f"/home/dev/src/{name}"): name for name in ("shop-api", "infra")}
    for folder, name in names.items():
        (tmp_dir(gemini) / folder / ".project_root").write_text(f"/home/dev/src/{name}\n")
    reading, _ = gemini_logs.run(ctx(gemini_logs.Options(paths=str(gemini)), {"HOME": "/nonexistent"}, NOW, "gm"))
    today = by(reading.projects, "today", "project")
    assert {"shop-api", "infra"} <= set(today) <= {"shop-api", "infra", _projects.NO_FOLDER}
    assert today["shop-api"].root == "/home/dev/src/shop-api"
    assert all(s.session != _breakdown.NO_SESSION for s in reading.sessions)
    assert_adds_up(reading, "today")


@pytest.mark.parametrize("agent", ["opencode_logs", "amp_logs"])
def test_opencode_and_amp_fill_projects_and_sessions_that_add_up(tmp_path, agent):
    """Both agents name the folder (OpenCode per message, Amp per thread): every request lands in one project."""
    import importlib

    source = importlib.import_module(f"tokseg.sources.{agent}")
    store = importlib.import_module("tests.opencode_store" if agent == "opencode_logs" else "tests.amp_threads")
    store.generate(tmp_path / "data", [NOW - 3600 + 60 * i for i in range(16)])
    reading, _ = source.run(ctx(source.Options(paths=str(tmp_path / "data")), {"HOME": "/nonexistent"}, NOW, "a"))
    today = by(reading.projects, "today", "project")
    assert today and _projects.NO_FOLDER not in today, sorted(today)
    assert all(p.root.startswith("/") for p in today.values())
    assert _breakdown.NO_SESSION not in by(reading.sessions, "today", "session")
    assert_adds_up(reading, "today")
