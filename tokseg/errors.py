"""The small error tree every provider and command speaks.

Each class maps to one error class recorded in the snapshot (`kind`), so a
bar can show a one-word marker and `doctor` can name the fix.
"""

from __future__ import annotations


class TokError(Exception):
    """Base of all expected failures; its message is one line a user can act on."""

    kind = "error"


class ConfigError(TokError):
    """The config file (or a value in it) is invalid; the message names file, line, key and fix."""

    kind = "config"


class UsageError(TokError):
    """A command-line argument names something that is not there: that command fails (exit 2), nothing is recorded."""

    kind = "usage"


class NoSecret(TokError):
    """No key could be found for an account."""

    kind = "auth"


class FetchError(TokError):
    """A provider fetch failed; subclasses say why. `status` is the HTTP code, if any."""

    status: int | None = None


class AuthError(FetchError):
    """The key was refused (401/403) or is of the wrong type; retried only after it changes."""

    kind = "auth"


class RateLimited(FetchError):
    """429: the provider asked us to slow down, maybe saying for how long."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NetworkError(FetchError):
    """Connection refused, DNS failure, or a timeout."""

    kind = "network"


class ServerError(FetchError):
    """5xx from the provider."""

    kind = "server"


class BadResponse(FetchError):
    """The body was not the JSON we expected; the message names the missing field."""

    kind = "bad_response"


ERROR_KINDS = ("auth", "rate_limited", "network", "server", "bad_response", "config")
