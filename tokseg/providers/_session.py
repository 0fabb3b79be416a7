"""Web-session accounts: what nebius, perplexity and mistral share.

Some vendors show balances and plan usage only to their own web console, never to an API key. For
those, the account's secret is a small JSON document (cookies, a CSRF token, ids) that a one-line
snippet prints in the browser console of the vendor's page. `tokseg add PROVIDER` prints the
snippet, reads the JSON it printed (hidden input or stdin) and keeps it, compact, in the keyring
like any key. So the session never reaches argv, the config, logs or the snapshot.

Session cookies are HttpOnly: page scripts cannot read them, so the snippet asks for one request
of the page copied as cURL (the Network panel's "Copy as cURL (bash)", which carries them) and keeps
only the fields the provider declares; cookies that page scripts can see come from
`document.cookie` too. Nothing leaves the browser but the printed line.

A session ends (sign-out, expiry): the provider's request is refused, and the error is `auth`
with the command that replaces it, `tokseg add PROVIDER --name ACCOUNT --reconnect`, which keeps
the account's config.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tokseg.errors import AuthError, FetchError, TokError
from tokseg.net import scrub

TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what a cookie, header value or id can hold; no spaces
MIN_SCRUBBED = 8  # shorter values (a flag, a small id) are not secrets worth hiding in a message
# The snippet's shared part: the pasted cURL `t`, cookies `k`; c(name) a cookie's value, p(name) its
# name=value pair (name is a regex: Ory's cookie name has a per-project suffix), h(name) a request
# header, b(name) a string field of the request body. PRINT is replaced by the provider's object.
PRELUDE = (
    "(()=>{const t=(prompt('tokseg: paste the REQUEST request, copied as cURL (bash)')||'')"
    ".replace(/\\\\\\s+/g,' '),"
    "k=document.cookie+'; '+((t.match(/(?:-b|--cookie) '([^']*)'|-H '[Cc]ookie: ?([^']*)'/)||[]).slice(1).join('')),"
    "p=n=>(k.match(new RegExp('(?:^|; *)('+n+'=[^;]*)'))||[])[1]||'',"
    "c=n=>p(n).replace(/^[^=]*=/,''),"
    "h=n=>(t.match(new RegExp(\"-H '\"+n+': ?([^\\']*)\\'','i'))||[])[1]||'',"
    "b=n=>(t.match(new RegExp('\"'+n+'\" *: *\"([^\"]*)\"'))||[])[1]||'';"
    "console.log(JSON.stringify(PRINT))})()"
)


class SessionProblem(ValueError):
    """The pasted text is not a usable session; the message is one line naming the fix."""


@dataclass(frozen=True)
class Field:
    """One string the session must hold: its JSON name and where the snippet takes it from."""

    name: str
    source: str


@dataclass(frozen=True)
class SessionSpec:
    """A provider's session: the page to open, the request to copy, the fields, the snippet's output."""

    provider: str
    page: str
    request: str
    fields: tuple[Field, ...]
    prints: str  # a JavaScript object literal over c(), p(), h() and b(); see PRELUDE

    @property
    def snippet(self) -> str:
        """The one line the user runs in the page's browser console."""
        return PRELUDE.replace("REQUEST", self.request).replace("PRINT", self.prints)

    def compact(self, text: str) -> str:
        """The pasted session as compact JSON holding only the declared fields; SessionProblem if unusable."""
        values = self.parse(text)
        return json.dumps(values, separators=(",", ":"))

    def parse(self, text: str) -> dict[str, str]:
        """The declared fields of a session document; SessionProblem naming the first missing or odd one."""
        try:
            data = _document(text, self.provider)
        except SessionProblem as exc:
            raise SessionProblem(f"{exc}; {self.again}") from None
        values: dict[str, str] = {}
        for spec in self.fields:
            value = data.get(spec.name)
            if not isinstance(value, str) or not value.strip():
                raise SessionProblem(f"the {self.provider} session has no {spec.name!r} ({spec.source}); "
                                     f"{self.again}")
            if not TOKEN.fullmatch(value.strip()):
                raise SessionProblem(f"the {self.provider} session's {spec.name!r} holds spaces or other "
                                     f"characters no cookie or header has; {self.again}")
            values[spec.name] = value.strip()
        return values

    @property
    def again(self) -> str:
        return f"run the snippet `tokseg add {self.provider}` prints on {self.page} and paste what it prints"

    def problem(self, secret: str) -> str | None:
        """The `key_problem` hook of a session provider: why `secret` is not a session, else None."""
        try:
            self.parse(secret)
        except SessionProblem as exc:
            return str(exc)
        return None

    def instructions(self) -> str:
        """What `tokseg add` prints before it reads the session."""
        return "\n".join((
            f"{self.provider} reads the web console's session, not an API key. In the browser signed in to it:",
            f"  1. open {self.page} and its developer tools (F12), Network panel; reload the page",
            f"  2. right-click the {self.request} request > Copy > Copy as cURL (bash)",
            "  3. in the Console panel run this line (Chrome asks you to type `allow pasting` first) and "
            "paste the cURL into the box it opens:",
            f"     {self.snippet}",
            "  4. paste the one line of JSON it prints below (or pipe it to this command's stdin)",
        ))

    def values(self, secret: str | None, account: str) -> dict[str, str]:
        """The stored session of `account`; an unusable one is `auth` with the command that replaces it."""
        try:
            return self.parse(secret or "")
        except SessionProblem as exc:
            raise AuthError(f"{exc}; then {self.reconnect(account)}") from None

    def reconnect(self, account: str) -> str:
        return f"reconnect in a minute: `tokseg add {self.provider} --name {account} --reconnect`"

    def expired(self, exc: FetchError, account: str) -> AuthError:
        """An AuthError for a refused session, keeping `exc`'s status and naming the fix."""
        refined = AuthError(f"the {self.provider} web session has expired or was signed out ({exc}); "
                            f"{self.reconnect(account)}")
        refined.status = exc.status
        return refined


def _document(text: str, provider: str) -> dict[str, Any]:
    """The JSON object in `text`; the console may have printed it in quotes."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"`":
        text = text[1:-1]
    try:
        data = json.loads(text)
    except ValueError:
        cut = " (it looks cut short: pipe it in instead of typing it)" if text.startswith("{") else ""
        raise SessionProblem(f"the {provider} session is not the JSON line the snippet prints{cut}") from None
    if not isinstance(data, dict):
        raise SessionProblem(f"the {provider} session is not the JSON object the snippet prints")
    return data


@contextmanager
def no_leak(values: dict[str, str], secret: str | None) -> Iterator[None]:
    """Like `_common.no_leak`, for the document and each of its values (a server may echo a cookie)."""
    try:
        yield
    except TokError as exc:
        text = scrub(str(exc), secret)
        for value in sorted(values.values(), key=len, reverse=True):
            if len(value) >= MIN_SCRUBBED:
                text = text.replace(value, "[session]")
        exc.args = (text,)
        raise


def cookie_header(pairs: dict[str, str]) -> str:
    """A Cookie header from name → value."""
    return "; ".join(f"{name}={value}" for name, value in pairs.items())


def spec_of(module: object) -> SessionSpec | None:
    """The module's SESSION, or None for providers that take a key."""
    found = getattr(module, "SESSION", None)
    return found if isinstance(found, SessionSpec) else None


def no_account(provider: str, name: str) -> str:
    """Why `--reconnect` cannot work for a name that has no account."""
    return f"no account named {name!r} to reconnect; add it with `tokseg add {provider} --name {name}`"
