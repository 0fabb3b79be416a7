"""`tokseg add --help` lists every provider's options; `tokseg add PROVIDER --help` explains that provider's."""

from __future__ import annotations

import dataclasses

from tests.conftest import run_tokseg
from tokseg import providers


def test_add_help_lists_each_providers_options():
    done = run_tokseg("add", "--help")
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("Provider options", 1)[1]
    for name in sorted(providers.PROVIDERS):
        fields = [f.name for f in dataclasses.fields(providers.load(name).Options)]
        line = next((row for row in listing.splitlines() if row.split()[:1] == [name]), None)
        assert line is not None, f"{name} missing from `tokseg add --help`"
        assert all(field in listing for field in fields), (name, fields)


def test_add_demo_help_explains_the_kind_option():
    done = run_tokseg("add", "demo", "--help")
    assert done.returncode == 0, done.stderr
    section = done.stdout.split("Options of demo (-o NAME=VALUE):", 1)[1]
    kind = " ".join(section.split())
    from tokseg.providers import demo

    *first, last = [f'"{choice}"' for choice in demo.CHOICES["kind"]]  # every kind, however many there are
    assert f'kind {", ".join(first)} or {last} (default "prepaid")' in kind, section
    assert "speed" in section and "Provider options" not in done.stdout


def test_add_provider_help_explains_a_key_providers_options():
    done = run_tokseg("add", "openrouter", "--help")
    section = " ".join(done.stdout.split("Options of openrouter", 1)[1].split())
    assert "base_url" in section and "(default \"https://" in section, section
