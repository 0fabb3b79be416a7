"""Google Gemini API (AI Studio key): whether the key works, and where the published limits are.

The Gemini API has no usage, spend or quota endpoint for API keys, and sends
no rate-limit headers. So tokseg checks the key with the free model list and
says so in a note; it shows no figure it cannot read (no static limit table:
a tier's limits differ by model and change, and what is left is never known).

Options:
    base_url: API root (default "https://generativelanguage.googleapis.com/v1beta")
Reports:
    no figures: a note that the key works and that Google reports no usage for API keys, with the
    page of the published rate limits per tier
Needs:
    a Gemini API key from Google AI Studio (GEMINI_API_KEY; `tokseg discover` also offers
    GOOGLE_API_KEY). Checking it costs nothing: listing models is not a generation call.
Errors:
    400 (Google's answer to an invalid key, or a free tier not offered where you are), 401 and 403:
    auth, with Google's message; 429 rate_limited; 5xx server; an answer without a model list:
    bad_response
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, BadResponse
from tokseg.providers._base import Ctx, Run, SecretSpec, Source
from tokseg.providers._common import auth_hint, get_list, no_leak, require_secret
from tokseg.reading import Reading

NAME, TITLE = "gemini", "Google Gemini API (key check)"
KEYS_URL = "https://aistudio.google.com/apikey"
LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits"
SECRET = SecretSpec(env="GEMINI_API_KEY", hint=f"create a key at {KEYS_URL}")
OTHER_ENV = "GOOGLE_API_KEY"  # Google's SDKs read it too; GEMINI_API_KEY wins when both are set
PATH = "/models"
WHERE = "gemini models"
KEY_HINT = f"Google refused the key: it needs a Gemini API key from {KEYS_URL}"
VALID = ("key valid: the Gemini API answered. Google reports no usage, spend or quota for API keys, "
         f"so there is nothing to show; the published rate limits per tier are at {LIMITS_URL}")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://generativelanguage.googleapis.com/v1beta"


def fetch(ctx: Ctx[Options]) -> Reading:
    secret = require_secret(ctx.secret, NAME)
    with no_leak(secret):
        try:
            body = ctx.http.get_json(PATH, headers={"x-goog-api-key": secret, "Accept": "application/json"})
        except BadResponse as exc:
            if exc.status != 400:
                raise
            raise auth_hint(exc, KEY_HINT) from exc
        except AuthError as exc:
            raise auth_hint(exc, KEY_HINT) from exc
        return parse(body)


def parse(body: Any) -> Reading:
    """A model list means the key works; the list itself is not shown."""
    get_list(body, "models", WHERE)
    return Reading(notes=(VALID,))


def detect(env: Mapping[str, str], run: Run) -> list[Source]:
    """A key in $GOOGLE_API_KEY, unless $GEMINI_API_KEY is set (which discovery offers by itself)."""
    if not env.get(OTHER_ENV, "").strip() or env.get(SECRET.env or "", "").strip():
        return []
    return [Source(f"Google API key in ${OTHER_ENV} (Gemini API key check)", f"${OTHER_ENV}", NAME, NAME,
                   key_env=OTHER_ENV)]
