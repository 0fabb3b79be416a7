"""What every HTTP provider shares: safe field access, money units, UTC periods, no key in messages.

Providers read untrusted JSON; these helpers turn every surprise (missing
field, wrong type, NaN, a number too large for a float) into a BadResponse
that names the field, so a parser can only fail with a tokseg error.
"""

from __future__ import annotations

import calendar
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

from tokseg.errors import (
    AuthError,
    BadResponse,
    ConfigError,
    FetchError,
    NoSecret,
    RateLimited,
    TokError,
)

if TYPE_CHECKING:
    from tokseg.providers._base import Ctx
from tokseg.net import check_base_url, scrub
from tokseg.safe_text import line

DAY = 86400
MAX_PAGES = 20
MAX_MESSAGE = 160  # a vendor's own error message is cut here: it is shown on one line


def vendor_message(message: Any) -> str:
    """A vendor's error message made safe for one line and cut; "no message" when it gave none."""
    return line(message, MAX_MESSAGE) if isinstance(message, str) and message.strip() else "no message"


def raise_coded(text: str, code: Any, auth_codes: frozenset, rate_codes: frozenset, key_hint: str) -> NoReturn:
    """The error a vendor's error code in an answer (often sent with HTTP 200) stands for: a refused key is
    auth (with the hint), a rate code rate_limited, anything else bad_response; `text` names where and what."""
    if code in auth_codes:
        raise AuthError(f"{key_hint} ({text})")
    if code in rate_codes:
        raise RateLimited(text)
    raise BadResponse(text)


def require_secret(secret: str | None, provider: str) -> str:
    if not secret:
        raise NoSecret(f"{provider}: no key given")
    return secret


def prefix_problem(secret: str, prefix: str, brand: str, keys_url: str) -> str | None:
    """One line when `secret` lacks the provider's documented key prefix, else None (for `tokseg add`)."""
    if secret.startswith(prefix):
        return None
    article = "an" if brand[0] in "AEIOU" else "a"
    return f"this does not look like {article} {brand} key (they start {prefix}…); create one at {keys_url}"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def checked_url(url: str, option: str, account: str) -> str:
    """A second base URL (besides base_url, which config checks) gets the same https rule."""
    try:
        return check_base_url(url, f"account {account!r}")
    except ConfigError as exc:
        raise ConfigError(f"{exc} (option {option})") from None


@contextmanager
def no_leak(secret: str | None) -> Iterator[None]:
    """Providers echo keys in error messages ("Incorrect API key provided: sk-…"); strip them here."""
    try:
        yield
    except TokError as exc:
        exc.args = (scrub(str(exc), secret),)
        raise


def auth_hint(exc: FetchError, hint: str) -> AuthError:
    """An AuthError that keeps the status of `exc` and says which key is needed."""
    refined = AuthError(f"{hint} ({exc})")
    refined.status = exc.status
    return refined


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def get(body: Any, path: str, where: str, *, required: bool = True) -> Any:
    """`body["a"]["b"]` for path "a.b"; a missing field is a BadResponse (or None if not required)."""
    node = body
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        if not isinstance(node, dict):
            shown = ".".join(walked[:-1]) or "the body"
            raise BadResponse(f"{where}: {shown} is not an object ({type(node).__name__})")
        if part not in node or node[part] is None:
            if required:
                state = "is missing" if part not in node else "is null"
                raise BadResponse(f"{where}: field {'.'.join(walked)} {state}")
            return None
        node = node[part]
    return node


def get_list(body: Any, path: str, where: str, *, required: bool = True) -> list:
    value = get(body, path, where, required=required)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadResponse(f"{where}: field {path} is not a list ({type(value).__name__})")
    return value


def model_name(result: Any, where: str) -> str | None:
    """A result's `model`; None when null or blank (not grouped by model: it counts in totals only)."""
    value = get(result, "model", where, required=False)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"{where}: field model is not a model name ({_describe(value)})")
    return value.strip() or None


def decimal(value: Any, name: str, where: str) -> Decimal:
    """A finite number from a JSON number or a numeric string; anything else names the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadResponse(f"{where}: field {name} is not a number ({_describe(value)})")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise BadResponse(f"{where}: field {name} is not a number ({_describe(value)})") from None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        raise BadResponse(f"{where}: field {name} is out of range ({_describe(value)})")
    return number


@overload
def number(body: Any, path: str, where: str) -> Decimal: ...
@overload
def number(body: Any, path: str, where: str, *, required: Literal[True]) -> Decimal: ...
@overload
def number(body: Any, path: str, where: str, *, required: bool) -> Decimal | None: ...


def number(body: Any, path: str, where: str, *, required: bool = True) -> Decimal | None:
    """The decimal at `path`; None only when it may be absent (`required=False`) and is."""
    value = get(body, path, where, required=required)
    return None if value is None else decimal(value, path, where)


def count(value: Any, name: str, where: str) -> int:
    """A non-negative whole number: a token count or a Unix timestamp."""
    number = decimal(value, name, where)
    if number < 0 or number != number.to_integral_value():
        raise BadResponse(f"{where}: field {name} is not a whole number ≥ 0 ({_describe(value)})")
    return int(number)


def as_float(value: Decimal) -> float:
    result = float(value)
    if not math.isfinite(result):
        raise BadResponse(f"amount {value} is out of range")
    return result


def currency_code(value: Any, name: str, where: str) -> str:
    """An ISO 4217 code in upper case; OpenAI sends "usd"."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise BadResponse(f"{where}: field {name} is not a currency code ({_describe(value)})")
    return value.strip().upper()


def day_start(now: float) -> int:
    return int(now // DAY * DAY)


def month_start(now: float) -> int:
    t = time.gmtime(now)
    return calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0))


def rfc3339(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_rfc3339(value: Any, name: str, where: str) -> float:
    """Seconds since the epoch from "2026-03-02T00:00:00Z" (fraction and offset allowed)."""
    if not isinstance(value, str):
        raise BadResponse(f"{where}: field {name} is not a timestamp ({_describe(value)})")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadResponse(f"{where}: field {name} is not a timestamp ({_describe(value)})") from None
    if parsed.tzinfo is None:
        raise BadResponse(f"{where}: field {name} has no time zone ({_describe(value)})")
    return parsed.timestamp()


def all_pages(ctx: Ctx[Any], path: str, query: dict[str, Any], headers: dict[str, str], where: str) -> list[Any]:
    """Every page of a cursor-paged GET (OpenAI and Anthropic style: has_more + next_page → page=)."""
    pages: list[Any] = []
    seen: set[str] = set()
    params = dict(query)
    while True:
        body = ctx.http.get_json(path, params=params, headers=headers)
        pages.append(body)
        cursor = next_cursor(body, seen, where)
        if cursor is None:
            return pages
        params = {**query, "page": cursor}


def next_cursor(body: Any, seen: set[str], where: str) -> str | None:
    """The `next_page` cursor when `has_more`; a repeated cursor or too many pages is a BadResponse."""
    if not get(body, "has_more", where, required=False):
        return None
    cursor = get(body, "next_page", where)
    if not isinstance(cursor, str) or not cursor:
        raise BadResponse(f"{where}: field next_page is not a cursor ({_describe(cursor)})")
    if cursor in seen or len(seen) >= MAX_PAGES:
        raise BadResponse(f"{where}: paging does not end (cursor {_describe(cursor)} after {len(seen)} pages)")
    seen.add(cursor)
    return cursor
