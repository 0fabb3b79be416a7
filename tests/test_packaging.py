"""The release as a user or packager gets it: a wheel and an sdist that build, pass `twine check`, and carry
the snippets, the TPM plugin, the license and the changelog."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build from a copy of the tracked files (a build writes `build/` and egg-info next to its source)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        path = ROOT / name
        if path.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(path.read_bytes())
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return out


def test_twine_check_passes(dist):
    artefacts = sorted(str(p) for p in dist.iterdir())
    assert sorted(Path(p).suffix for p in artefacts) == [".gz", ".whl"], artefacts
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *artefacts], capture_output=True,
                             text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_wheel_carries_every_snippet_and_the_license(dist):
    wheel = next(dist.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    snippets = {str(p.relative_to(ROOT)) for p in (ROOT / "tokseg" / "integrations").rglob("*") if p.is_file()
                and "__pycache__" not in p.parts}
    assert snippets and snippets <= names, snippets - names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert {f"tokseg/schemas/{n}.schema.json" for n in ("segment", "export", "history")} <= names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: click" in metadata and "Description-Content-Type: text/markdown" in metadata
    assert "tokseg = tokseg.entry:main" in zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()


def test_the_sdist_carries_docs_changelog_and_the_tpm_plugin(dist):
    sdist = next(dist.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for wanted in ("README.md", "CHANGELOG.md", "LICENSE", "tokseg.tmux", "docs/robustness.md", "pyproject.toml",
                   "tokseg/integrations/tmux/tokseg.tmux.conf"):
        assert wanted in names, wanted
