"""The hot path's stdlib folder rule agrees with platformdirs' in every environment case."""

from __future__ import annotations

import pytest

from tokseg import dirs, locations


@pytest.mark.parametrize("xdg", [None, "", "   ", "/tmp/somewhere/cache"])
def test_cache_dir_matches_platformdirs(monkeypatch, tmp_path, xdg):
    monkeypatch.delenv("TOKSEG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert str(dirs.cache_dir()) == locations.cache_dir()


def test_home_override_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKSEG_HOME", str(tmp_path / "h"))
    assert locations.cache_dir() == str(tmp_path / "h" / "cache") == str(dirs.cache_dir())
    assert dirs.config_path() == tmp_path / "h" / "config" / "config.toml"


def test_blank_home_override_is_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKSEG_HOME", "  ")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert locations.cache_dir() == str(tmp_path / "x" / "tokseg") == str(dirs.cache_dir())
