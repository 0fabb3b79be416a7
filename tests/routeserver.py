"""A small real HTTP server on 127.0.0.1 driven by a route table, for the subscription providers' tests.

Each route answers with a fixed (status, headers, body) or a queue of them;
every request is recorded (method, path, query, headers, body) so a test
can assert what was, and what was not, called.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "text/html")
        return json.dumps(self.body).encode(), "application/json"


class RouteServer:
    """Routes are (METHOD, path) → a list of answers; the last one repeats once the others are used."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                answer = server._answer(request)
                payload, kind = answer.encoded()
                self.send_response(answer.status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    if name.lower() != "content-type":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def set(self, method: str, path: str, *answers: Answer) -> None:
        with self._lock:
            self.routes[(method, path)] = list(answers)

    def json(self, method: str, path: str, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.set(method, path, Answer(status, body, headers or {}))

    def calls(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            queue = self.routes.get((request.method, request.path))
            if not queue:
                return Answer(404, {"message": "Not Found"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[RouteServer]:
    fake = RouteServer()
    yield fake
    fake.close()
