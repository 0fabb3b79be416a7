"""The hot path may import only light stdlib modules (ARCHITECTURE section 1)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import ROOT, write_config

FORBIDDEN = {
    "click", "requests", "urllib3", "keyring", "filelock", "platformdirs", "tomllib", "tomli", "sqlite3",
    "subprocess", "logging", "pathlib", "dataclasses", "typing", "datetime", "argparse", "threading",
    "shutil", "tempfile", "importlib.metadata", "genai_prices",
    "textual", "rich",  # `tokseg top`'s TUI library: that command imports it, nothing else
}
HOT_MODULES = [
    "tokseg/__init__.py", "tokseg/__main__.py", "tokseg/entry.py", "tokseg/hot.py", "tokseg/locations.py",
    "tokseg/snapshot.py", "tokseg/spawn.py", "tokseg/safe_text.py", "tokseg/statusline.py", "tokseg/atomic.py", "tokseg/defaults.py",
    "tokseg/config_file.py", "tokseg/errors.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tokseg" / "render").glob("*.py")),
]
STDLIB_ALLOWED = {"os", "sys", "json", "time", "errno", "stat", "re", "importlib", "__future__"}

DUMP = """
import sys, runpy
sys.argv = ["tokseg", *{args!r}]
try:
    runpy.run_module("tokseg", run_name="__main__")
except SystemExit:
    pass
print("\\nMODULES=" + ",".join(sorted(sys.modules)))
"""
BASELINE = 'import sys; print("MODULES=" + ",".join(sorted(sys.modules)))'


def modules_after(code: str) -> set[str]:
    """Modules loaded by `code` beyond what this interpreter loads at start-up anyway."""
    def loaded(source: str) -> set[str]:
        done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True)
        return set(done.stdout.rsplit("MODULES=", 1)[1].strip().split(","))

    return loaded(code) - loaded(BASELINE)


@pytest.fixture
def populated(config_file, home):
    """A real snapshot with a fetched demo account, so the render path is exercised fully."""
    write_config(config_file, '[accounts.credits]\nprovider = "demo"\n[accounts.claude]\nprovider = "demo"\nkind = "subscription"\n')
    subprocess.run([sys.executable, "-m", "tokseg", "refresh", "--quiet"], check=True, capture_output=True)
    return home


@pytest.mark.parametrize("args", [[], ["--json"], ["--format", "plain", "--account", "claude"],
                                  ["--template", "{credits.balance} {claude.5h.pct:.0f}"]])
def test_segment_call_imports_nothing_heavy(populated, args):
    modules = modules_after(DUMP.format(args=args))
    assert "tokseg.hot" in modules
    assert not (modules & FORBIDDEN), sorted(modules & FORBIDDEN)
    assert not any(m.startswith(("tokseg.cli", "tokseg.refresh", "tokseg.store", "tokseg.config")) for m in modules)


def test_importtime_of_the_console_call_lists_nothing_heavy(populated):
    def imported(*args: str) -> set[str]:
        done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True)
        return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if "|" in line}

    imported = imported("-m", "tokseg") - imported("-c", "pass")
    assert "tokseg.hot" in imported
    assert not (imported & FORBIDDEN), sorted(imported & FORBIDDEN)


def test_missing_snapshot_path_imports_nothing_heavy(home):
    modules = modules_after(DUMP.format(args=[]))
    assert "tokseg.hot" in modules
    assert not (modules & FORBIDDEN), sorted(modules & FORBIDDEN)


def runtime_imports(tree: ast.AST):
    """Import nodes that run: those under `if TYPE_CHECKING:` only inform type checkers."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


@pytest.mark.parametrize("relpath", HOT_MODULES)
def test_hot_module_source_imports_only_allowed_names(relpath):
    tree = ast.parse((ROOT / relpath).read_text())
    for node in runtime_imports(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            # `from tokseg import defaults` imports the module tokseg/defaults.py, which must be hot too.
            names += [f"{node.module}.{alias.name}" for alias in node.names
                      if (ROOT / (node.module or "").replace(".", "/") / f"{alias.name}.py").exists()]
        for name in names:
            top = name.split(".")[0]
            if relpath == "tokseg/entry.py" and name == "tokseg.cli":
                continue  # the fall-through to the CLI, taken only when argv is not a segment call
            if relpath == "tokseg/entry.py" and name == "tokseg.refresh":
                continue  # the detached refresher, taken only by `refresh --detached` (the spawned child)
            if relpath == "tokseg/config_file.py" and name == "tokseg._toml":
                continue  # the TOML check, taken only by the segment call right after a config edit
            if top == "tokseg":
                assert f"{name.replace('.', '/')}.py" in HOT_MODULES or f"{name.replace('.', '/')}/__init__.py" in HOT_MODULES, (relpath, name)
            else:
                assert top in STDLIB_ALLOWED, (relpath, name)


def test_package_init_has_no_imports():
    tree = ast.parse((ROOT / "tokseg/__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
