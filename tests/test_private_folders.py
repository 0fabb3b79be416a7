"""Every folder tokseg creates is 0700, TOKSEG_HOME itself included, whichever command creates it first."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import run_tokseg, wait_for
from tokseg import dirs, locations


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("args", [(), ("refresh", "--quiet")])
def test_a_fresh_home_and_its_folders_are_private(tmp_path, args):
    home = tmp_path / "new" / "home"
    env = {"TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(tmp_path / "none.toml")}

    assert run_tokseg(*args, env=env).returncode == 0
    wait_for((home / "cache" / "snapshot.json").exists)

    for folder in (tmp_path / "new", home, home / "cache"):
        assert _mode(folder) == 0o700, folder


def test_ensure_private_makes_missing_parents_private_and_leaves_existing_ones(tmp_path):
    os.chmod(tmp_path, 0o755)
    target = tmp_path / "a" / "b" / "c"

    dirs.ensure_private(target)

    assert [_mode(p) for p in (tmp_path, tmp_path / "a", tmp_path / "a" / "b", target)] == [0o755, 0o700, 0o700, 0o700]


def test_make_private_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError):
        locations.make_private(str(tmp_path / "file"))
    with pytest.raises(OSError):
        locations.make_private(str(tmp_path / "file" / "cache"))


def test_config_written_by_add_lands_in_a_private_folder(home, config_file):
    os.rmdir(config_file.parent)
    os.rmdir(home)
    done = run_tokseg("add", "demo", "--name", "credits")
    assert done.returncode == 0, done.stderr
    assert _mode(home) == 0o700 and _mode(config_file.parent) == 0o700
