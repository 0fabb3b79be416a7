"""A real HTTP server on 127.0.0.1 that plays the providers' APIs for tests.

    server = start_fake_server()          # every provider's endpoints, under /<provider>/...
    server.url + "/openrouter/api/v1"     # a provider's base_url
    server.route("GET", "/claude/api/oauth/usage", {"five_hour": {...}})   # add or replace a route
    server.fault("/openrouter/api/v1/key", "429", retry_after="7")        # switch a fault on
    server.require_key("/openrouter/", "Authorization", "Bearer sk-or-…")  # other keys get 401
    server.calls("/openrouter/api/v1/key")[-1].headers["authorization"]  # what the client sent
    server.stop()

Routes are a generic table (method + path pattern with `{name}` parts →
a JSON body, a Reply, or a function of the Request), so new endpoints are
one `route()` call. Paged endpoints with `group_by` answer per group only
when asked to group (`grouped_by`), as the real APIs do. Faults are per route pattern (or "*" for all) and
cover what a status bar meets in the wild: 401, 402, 403, 404, 429 with
Retry-After (seconds or an HTTP date), 500/503/529, an answer slower than
the client's timeout, a body cut short, an HTML page, a non-JSON type,
and a redirect.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> Any:
    """A JSON fixture by its path under tests/fixtures, e.g. "openrouter/key.json"."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Reply:
    """One scripted answer. `body` may be JSON-able data, text or bytes."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0
    truncate: bool = False

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), self.content_type or "text/plain; charset=utf-8"
        if self.body is None and self.status in (204, 301, 302, 303, 307, 308):
            return b"", self.content_type or "text/plain"
        return json.dumps(self.body).encode(), self.content_type or "application/json"


@dataclass
class Request:
    """What the client sent: query values are lists, header names lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Responder = Reply | dict | list | Callable[[Request], Any]

ENVELOPES: dict[str, Callable[[int, str], Any]] = {
    "openai": lambda code, msg: {"error": {"message": msg, "type": "invalid_request_error", "code": str(code)}},
    "anthropic": lambda code, msg: {"type": "error", "error": {"type": _ANTHROPIC_KIND.get(code, "api_error"),
                                                               "message": msg}, "request_id": "req_fake01"},
    "openrouter": lambda code, msg: {"error": {"code": code, "message": msg, "metadata": {}}},
    "plain": lambda code, msg: {"message": msg, "code": code},
    "minimax": lambda code, msg: {"base_resp": {"status_code": code, "status_msg": msg}},
    "opencode": lambda code, msg: {"type": "error", "error": {"type": "AuthError" if code in (401, 403) else "error",
                                                              "message": msg}},
    "nebius": lambda code, msg: {"statusCode": code, "message": msg},
    "mistral": lambda code, msg: {"detail": msg},
    "zai": lambda code, msg: {"code": code, "msg": msg, "success": False},
    "google": lambda code, msg: {"error": {"code": code, "message": msg,
                                           "status": _GOOGLE_STATUS.get(code, "UNKNOWN")}},
    "cline": lambda code, msg: {"success": False, "error": msg},
    "amp": lambda code, msg: {"ok": False, "error": {"code": "auth-required" if code in (401, 403) else "error",
                                                     "message": msg}},
    "prometheus": lambda code, msg: {"status": "error", "errorType": "bad_data" if code < 500 else "internal",
                                     "error": msg},
}
_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
_ANTHROPIC_KIND = {401: "authentication_error", 403: "permission_error", 404: "not_found_error",
                   429: "rate_limit_error", 529: "overloaded_error"}
_MESSAGES = {401: "Invalid API key provided", 402: "Insufficient credits", 403: "This key may not read billing",
             404: "Not found", 429: "Rate limit reached", 500: "Internal server error", 503: "Service unavailable",
             529: "Overloaded"}
HTML_PAGE = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
FAULTS = ("body", "401", "402", "403", "404", "429", "500", "503", "529", "slow", "truncated", "html", "wrong_type",
          "redirect")


@dataclass
class _Route:
    method: str
    pattern: str
    regex: re.Pattern
    responder: Responder
    errors: str


@dataclass
class _Fault:
    kind: str
    options: dict[str, Any]
    times: int | None


def _compile(pattern: str) -> re.Pattern:
    parts = re.split(r"(\{[a-z_]+\})", pattern)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # A refresh opens one connection per account at once (the fault matrix has dozens): the default listen
    # backlog of 5 can drop some on a busy machine, and a dropped SYN waits a second, past the client's timeout.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) breaks the pipe; that is expected, not news."""


class FakeServer:
    """A threaded stdlib HTTP server with a route table, faults and a request log."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.faults: dict[str, _Fault] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.fake = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="fake-provider-server")
        self._thread.start()

    # -- scripting -------------------------------------------------------
    def route(self, method: str, pattern: str, responder: Responder, *, errors: str = "openai") -> None:
        """Serve `responder` for `method pattern`, replacing an earlier route with the same key."""
        with self._lock:
            self.routes = [r for r in self.routes if (r.method, r.pattern) != (method, pattern)]
            self.routes.append(_Route(method, pattern, _compile(pattern), responder, errors))

    def fault(self, pattern: str, kind: str, *, times: int | None = None, **options: Any) -> None:
        """Make requests matching `pattern` ("*" = all) fail as `kind` (see FAULTS), `times` times or until cleared.

        Options: retry_after (429; seconds or "date" with at=now), delay (slow, seconds), status (body, html,
        wrong_type, truncated), message (error text), location (redirect target), body (body: any JSON).
        """
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        with self._lock:
            self.faults[pattern] = _Fault(kind, options, times)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def require_key(self, prefix: str, header: str, value: str) -> None:
        """Answer 401 (in the route's envelope) to requests under `prefix` whose `header` is not `value`.

        E.g. require_key("/openrouter/", "Authorization", "Bearer sk-or-v1-…") makes a wrong key fail
        the way the provider would, for tests of key validation.
        """
        with self._lock:
            self.keys[prefix] = (header.lower(), value)

    def reset(self, routes: list[tuple[str, str, Responder, str]] | None = None) -> None:
        """Back to a fresh state: these routes only, no faults, key checks or recorded requests."""
        with self._lock:
            self.routes, self.faults, self.keys, self.requests = [], {}, {}, []
        for method, pattern, responder, errors in routes or ():
            self.route(method, pattern, responder, errors=errors)

    def calls(self, path: str | None = None) -> list[Request]:
        """Recorded requests, optionally only those to `path` (a pattern with `{name}` parts allowed)."""
        with self._lock:
            done = list(self.requests)
        if path is None:
            return done
        regex = _compile(path)
        return [r for r in done if regex.match(r.path)]

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------
    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            route = next((r for r in reversed(self.routes)
                          if r.method == request.method and r.regex.match(request.path)), None)
            fault = self._take_fault(request.path)
            wrong_key = any(request.path.startswith(prefix) and request.headers.get(header) != value
                            for prefix, (header, value) in self.keys.items())
        errors = route.errors if route else "openai"
        if fault:
            return self._fault_reply(fault, errors)
        if wrong_key:
            return Reply(401, ENVELOPES[errors](401, _MESSAGES[401]))
        if route is None:
            return Reply(404, ENVELOPES[errors](404, f"no route for {request.method} {request.path}"))
        responder = route.responder
        result = responder(request) if callable(responder) else responder
        return result if isinstance(result, Reply) else Reply(200, result)

    def _take_fault(self, path: str) -> _Fault | None:
        for pattern, fault in list(self.faults.items()):
            if pattern == "*" or _compile(pattern).match(path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        del self.faults[pattern]
                return fault
        return None

    @staticmethod
    def _fault_reply(fault: _Fault, errors: str) -> Reply:
        kind, opts = fault.kind, fault.options
        if kind.isdigit():
            code = int(kind)
            headers = {}
            if code == 429:
                retry = opts.get("retry_after", "7")
                # "date": an HTTP date 30 s after `at` (the client's clock), to test the date form.
                date = formatdate(opts.get("at", 0) + 30, usegmt=True)
                headers["Retry-After"] = date if retry == "date" else str(retry)
            return Reply(code, ENVELOPES[errors](code, opts.get("message", _MESSAGES.get(code, "error"))), headers)
        if kind == "body":
            return Reply(opts.get("status", 200), opts["body"])
        if kind == "slow":
            return Reply(200, {"slow": True}, delay=float(opts.get("delay", 3.0)))
        if kind == "truncated":
            return Reply(opts.get("status", 200), opts.get("body", {"data": {"partial": "x" * 64}}), truncate=True)
        if kind == "html":
            return Reply(opts.get("status", 200), HTML_PAGE, content_type="text/html; charset=utf-8")
        if kind == "wrong_type":
            return Reply(opts.get("status", 200), "upstream connect error or disconnect/reset before headers",
                         content_type="text/plain")
        return Reply(opts.get("status", 302), None, {"Location": opts["location"]})

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-provider/1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                          {k.lower(): v for k, v in self.headers.items()}, body)
        reply = fake._answer(request)
        if reply.delay:
            fake._sleep(reply.delay)
            if fake._stopping.is_set():
                return
        payload, content_type = reply.encoded()
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload[: len(payload) // 2] if reply.truncate else payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class Paged:
    """A responder that picks the body by a cursor parameter (None = first page), or by `key(request)`."""

    def __init__(self, param: str, pages: dict[str | None, Any],
                 key: Callable[[Request], str | None] | None = None) -> None:
        self.param, self.pages, self.key = param, pages, key

    def __call__(self, request: Request) -> Any:
        cursor = self.key(request) if self.key else request.param(self.param)
        if cursor not in self.pages:
            return Reply(400, {"error": {"message": f"unknown {self.param} cursor {cursor!r}"}})
        return self.pages[cursor]


def grouped_by(param: str, value: str, cursor: str = "page") -> Callable[[Request], str | None]:
    """A Paged key for endpoints with `group_by`: the cursor when `value` is among the `param` values
    (per-group pages), else "ungrouped <cursor>" (the pages that sum every group into one result)."""
    def key(request: Request) -> str | None:
        page = request.param(cursor)
        return page if value in request.query.get(param, []) else f"ungrouped {page or 'first'}"
    return key


def start_fake_server(defaults: bool = True) -> FakeServer:
    """A running server; with `defaults`, every provider's documented endpoints under /<provider>."""
    server = FakeServer()
    server.reset(default_routes() if defaults else None)
    return server


def _one_day_or_more(request: Request) -> str:
    """Fireworks windows: "today" when startTime is the day before the exclusive endTime, else "month"."""
    start, end = (request.param(name) or "" for name in ("startTime", "endTime"))
    try:
        days = (datetime.fromisoformat(end[:10]) - datetime.fromisoformat(start[:10])).days
    except ValueError:
        return "bad window"
    return "today" if days == 1 else "month"


GROQ_LIMITS = {"x-ratelimit-limit-requests": "14400", "x-ratelimit-remaining-requests": "14370",
               "x-ratelimit-reset-requests": "2m59.56s", "x-ratelimit-limit-tokens": "18000",
               "x-ratelimit-remaining-tokens": "17997", "x-ratelimit-reset-tokens": "7.66s"}


ANTHROPIC_LIMITS = {"anthropic-ratelimit-requests-limit": "100", "anthropic-ratelimit-requests-remaining": "99",
                    "anthropic-ratelimit-requests-reset": "2026-03-02T12:00:01Z",
                    "anthropic-ratelimit-tokens-limit": "500000", "anthropic-ratelimit-tokens-remaining": "499000",
                    "anthropic-ratelimit-tokens-reset": "2026-03-02T12:00:00.5Z",
                    "anthropic-ratelimit-input-tokens-limit": "400000",
                    "anthropic-ratelimit-input-tokens-remaining": "399000",
                    "anthropic-ratelimit-input-tokens-reset": "2026-03-02T12:00:00.5Z",
                    "anthropic-ratelimit-output-tokens-limit": "100000",
                    "anthropic-ratelimit-output-tokens-remaining": "100000",
                    "anthropic-ratelimit-output-tokens-reset": "2026-03-02T12:00:00Z",
                    "request-id": "req_fake01"}


def _prometheus_query(request: Request) -> Any:
    """A per-host query gets the per-host vector, any other the summed one (tests/fixtures/prometheus/)."""
    query = request.param("query") or ""
    return fixture("prometheus/by_host.json" if "by (host)" in query else "prometheus/sum.json")


def default_routes() -> list[tuple[str, str, Responder, str]]:
    """Each provider's endpoints, with the bodies of tests/fixtures/<provider>/."""
    return [
        ("GET", "/anthropic/v1/organizations/cost_report", Paged("page", {
            None: fixture("anthropic/cost_by_description_page1.json"),
            "page_cost_2": fixture("anthropic/cost_by_description_page2.json"),
            "ungrouped first": fixture("anthropic/cost_page1.json"),
            "ungrouped page_cost_2": fixture("anthropic/cost_page2.json")},
            key=grouped_by("group_by[]", "description")),
         "anthropic"),
        ("GET", "/anthropic/v1/organizations/usage_report/messages", Paged("page", {
            None: fixture("anthropic/usage_by_model_page1.json"),
            "page_usage_2": fixture("anthropic/usage_by_model_page2.json"),
            "ungrouped first": fixture("anthropic/usage_page1.json"),
            "ungrouped page_usage_2": fixture("anthropic/usage_page2.json")},
            key=grouped_by("group_by[]", "model")),
         "anthropic"),
        ("POST", "/anthropic_limits/v1/messages/count_tokens",
         Reply(200, fixture("anthropic_limits/count_tokens.json"), ANTHROPIC_LIMITS), "anthropic"),
        ("GET", "/openrouter/api/v1/key", fixture("openrouter/key.json"), "openrouter"),
        ("GET", "/openrouter/api/v1/auth/key", fixture("openrouter/key.json"), "openrouter"),
        ("GET", "/openrouter/api/v1/credits", fixture("openrouter/credits.json"), "openrouter"),
        ("GET", "/siliconflow/v1/user/info", fixture("siliconflow/user_info.json"), "plain"),
        ("GET", "/xai-management/v1/billing/teams/{team}/prepaid/balance", fixture("xai/prepaid_balance.json"),
         "plain"),
        ("POST", "/xai-management/v1/billing/teams/{team}/usage", fixture("xai/usage.json"), "plain"),
        ("GET", "/xai/v1/api-key", fixture("xai/api_key.json"), "openai"),
        ("GET", "/deepinfra/payment/checklist", fixture("deepinfra/checklist.json"), "plain"),
        ("GET", "/deepinfra/payment/usage", fixture("deepinfra/usage.json"), "plain"),
        ("GET", "/deepseek/user/balance", fixture("deepseek/balance.json"), "openai"),
        ("GET", "/factory/api/api/billing/limits", fixture("factory/billing_limits.json"), "plain"),
        ("GET", "/factory/app/api/organization/subscription/usage", fixture("factory/subscription_usage.json"),
         "plain"),
        ("GET", "/fireworks/v1/accounts", fixture("fireworks/accounts.json"), "plain"),
        ("GET", "/fireworks/v1/accounts/{account}/billing/summary", Paged("startTime", {
            "month": fixture("fireworks/summary_month.json"),
            "today": fixture("fireworks/summary_today.json")}, key=_one_day_or_more), "plain"),
        ("GET", "/gemini/v1beta/models", fixture("gemini/models.json"), "google"),
        ("POST", "/gemini/v1internal:loadCodeAssist", fixture("gemini/load_code_assist.json"), "google"),
        ("POST", "/gemini/v1internal:retrieveUserQuota", fixture("gemini/retrieve_user_quota.json"), "google"),
        ("POST", "/antigravity/v1internal:loadCodeAssist", fixture("antigravity/load_code_assist.json"), "google"),
        ("POST", "/antigravity/v1internal:fetchAvailableModels", fixture("antigravity/available_models.json"),
         "google"),
        ("GET", "/groq/openai/v1/models", fixture("groq/models.json"), "openai"),
        ("POST", "/groq/openai/v1/chat/completions", Reply(200, fixture("groq/completion.json"), GROQ_LIMITS),
         "openai"),
        ("GET", "/minimax/v1/api/openplatform/coding_plan/remains", fixture("minimax/remains.json"), "minimax"),
        ("GET", "/minimax/v1/token_plan/remains", fixture("minimax/token_plan_remains.json"), "minimax"),
        ("GET", "/mistral/api/billing/credits", fixture("mistral/credits.json"), "mistral"),
        ("GET", "/mistral/api/billing/v2/usage", fixture("mistral/usage.json"), "mistral"),
        ("GET", "/mistral-console/api-ui/trpc/billing.vibeUsage", fixture("mistral/vibe.json"), "mistral"),
        ("GET", "/moonshot/v1/users/me/balance", fixture("moonshot/balance.json"), "openai"),
        ("POST", "/nebius/api-mfe/billing/gateway/root/customers/getBalance", fixture("nebius/balance.json"),
         "nebius"),
        ("POST", "/nebius/api-mfe/billing/gateway/root/billingActs/getCurrentTrial", fixture("nebius/trial.json"),
         "nebius"),
        ("GET", "/novita/openapi/v1/billing/balance/detail", fixture("novita/balance.json"), "plain"),
        ("GET", "/opencode/zen/go/v1/usage", fixture("opencode/usage.json"), "opencode"),
        ("GET", "/openai/v1/organization/costs", Paged("page", {
            None: fixture("openai/costs_page1.json"), "page_costs_2": fixture("openai/costs_page2.json")}), "openai"),
        ("GET", "/openai/v1/organization/usage/completions", Paged("page", {
            None: fixture("openai/usage_by_model_page1.json"),
            "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=": fixture("openai/usage_by_model_page2.json"),
            "ungrouped first": fixture("openai/usage_page1.json"),
            "ungrouped page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=": fixture("openai/usage_page2.json")},
            key=grouped_by("group_by", "model")), "openai"),
        ("GET", "/perplexity/rest/billing/credits", fixture("perplexity/credits.json"), "plain"),
        ("GET", "/claude/api/oauth/usage", fixture("claude/usage.json"), "anthropic"),
        ("GET", "/codex/backend-api/wham/usage", fixture("codex/wham_usage.json"), "openai"),
        ("GET", "/copilot/copilot_internal/user", fixture("copilot/user.json"), "plain"),
        ("GET", "/zai/api/monitor/usage/quota/limit", fixture("zai/quota_limit.json"), "zai"),
        ("GET", "/zai/api/biz/account/query-customer-account-report", fixture("zai/account_report.json"), "zai"),
        ("GET", "/kimi/coding/v1/usages", fixture("kimi/usages.json"), "openai"),
        ("GET", "/cursor/api/usage-summary", fixture("cursor/usage_summary.json"), "plain"),
        ("GET", "/cline/api/v1/users/me", fixture("cline/me.json"), "cline"),
        ("GET", "/cline/api/v1/users/{user}/balance", fixture("cline/balance.json"), "cline"),
        ("GET", "/cline/api/v1/users/{user}/usages", fixture("cline/usages.json"), "cline"),
        ("GET", "/cline/api/v1/users/me/plan/usage-limits", fixture("cline/usage_limits.json"), "cline"),
        ("GET", "/cline/api/v1/organizations/{org}/balance", fixture("cline/organization_balance.json"), "cline"),
        ("GET", "/cline/api/v1/organizations/{org}/members/{member}/usages", fixture("cline/member_usages.json"),
         "cline"),
        ("POST", "/amp/api/internal", fixture("amp/balance.json"), "amp"),
        ("GET", "/prometheus/api/v1/query", _prometheus_query, "prometheus"),
    ]
