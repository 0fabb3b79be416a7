"""Example: the prepaid balance and today's spend of an account at a small JSON API.

Options:
    base_url: API root; GET {base_url}/balance answers the figures (default "https://api.example.com/v1")
Reports:
    balance and spend today, in the currency the API names
Needs:
    an Example API key (EXAMPLE_API_KEY), sent as a bearer token
Errors:
    401/403 key refused (auth); 429 rate_limited; 5xx server; a missing or non-numeric field is bad_response
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokseg.errors import BadResponse, NoSecret
from tokseg.providers._base import SecretSpec
from tokseg.reading import Headline, Money, Reading

if TYPE_CHECKING:
    from tokseg.providers._base import Ctx

NAME, TITLE = "example", "Example"
SECRET = SecretSpec(env="EXAMPLE_API_KEY", hint="create a key at https://example.com/account/keys")


@dataclass(frozen=True)
class Options:
    base_url: str = "https://api.example.com/v1"


def key_problem(secret: str) -> str | None:
    """Optional hook: `tokseg add` explains a key of the wrong shape before any request."""
    if secret.startswith("exk-"):
        return None
    return "this does not look like an Example key (they start exk-…); create one at https://example.com/account/keys"


def fetch(ctx: Ctx) -> Reading:
    """One GET through ctx.http, which applies base_url, timeouts and the error classes."""
    if not ctx.secret:
        raise NoSecret("example: no key given")
    return parse(ctx.http.get_json("/balance", headers={"Authorization": f"Bearer {ctx.secret}"}))


def parse(body: Any) -> Reading:
    if not isinstance(body, dict):
        raise BadResponse("example /balance: the answer is not an object")
    currency = body.get("currency")
    if not (isinstance(currency, str) and currency.isalpha() and len(currency) == 3):
        raise BadResponse("example /balance: currency is not a three-letter code")
    money = {key: Money(_number(body, key), currency.upper()) for key in ("balance", "spent_today")}
    return Reading(headline=Headline("balance"), balance=(money["balance"],), spent={"today": money["spent_today"]})


def _number(body: dict, key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BadResponse(f"example /balance: {key} is not a number")
    return float(value)
