"""Example provider plugins, really installed by the tests with this Python's pip, as a user would.

`tokseg_example` is a working plugin (provider `example`, HTTP to its base_url);
`tokseg_broken` declares one plugin that fails to import, one that breaks the
contract and one that a built-in name shadows. Both go into one folder of
their own (`pip install --target`), which tests put on sys.path or PYTHONPATH.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGES = ("tokseg_example", "tokseg_broken")
EXAMPLE = "example"
EXAMPLE_KEY = "exk-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"
EXAMPLE_PATH = "/example/v1/balance"
EXAMPLE_ANSWER = {"balance": 42.5, "spent_today": 1.25, "currency": "USD"}

_site: list[Path] = []


def install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding both installed packages, made once per test run (about a second)."""
    if _site:
        return _site[0]
    if importlib.util.find_spec("pip") is None:
        pytest.skip("this Python has no pip to install the example plugins with")
    work = tmp_path_factory.mktemp("plugins")
    # pip builds in the source folder (build/, *.egg-info): copies keep the work tree clean.
    sources = [str(shutil.copytree(HERE / name, work / "src" / name)) for name in PACKAGES]
    site = work / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(site), *sources],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    _site.append(site)
    return site
