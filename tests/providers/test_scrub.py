"""Messages keep key-prefix hints but never a key, whole or cut short."""

from __future__ import annotations

from tokseg.net import scrub

SECRET = "sk-proj-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi"


def test_hint_prefixes_survive():
    text = "needs an Admin key sk-admin-… or sk-ant-admin…"
    assert scrub(text, SECRET) == text


def test_whole_and_cut_keys_are_removed():
    assert SECRET not in scrub(f"Incorrect API key provided: {SECRET}.", SECRET)
    assert scrub(f"bad key {SECRET[:14]}…", SECRET) == "bad key sk-……"
    assert scrub("leaked sk-live-abcdefghijklmnopqrstuvwxyz", None) == "leaked sk-…"
