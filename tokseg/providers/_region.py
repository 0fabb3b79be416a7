"""Currency from the API host, for providers whose balance carries no currency field."""

from __future__ import annotations

from urllib.parse import urlsplit

from tokseg.errors import ConfigError

CURRENCIES = ("auto", "CNY", "USD")


def currency_for(base_url: str, option: str, provider: str, hosts: dict[str, str]) -> str:
    """`option` unless "auto"; then the currency of the host's top-level domain (e.g. ".cn" → CNY)."""
    if option != "auto":
        return option
    host = urlsplit(base_url).hostname or ""
    for suffix, currency in hosts.items():
        if host.endswith(suffix):
            return currency
    known = ", ".join(f"*{suffix} → {currency}" for suffix, currency in hosts.items())
    raise ConfigError(f"{provider}: cannot tell the balance currency from host {host!r} ({known}); "
                      f'set currency = "CNY" or "USD" for this account')
