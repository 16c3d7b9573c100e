"""A real HTTP server on 127.0.0.1 that serves feeds, error pages and redirects in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One answer: status, headers, body, and an optional delay before it is sent."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Route = Callable[[dict[str, list[str]]], Reply]


@dataclass
class Request:
    """What the server saw."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


class FeedServer:
    """Routes map a path to replies served in turn (the last one repeats) or to a function."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def serve(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` with ``replies`` in turn."""
        self.routes[path] = list(replies)

    def route(self, path: str, function: Route) -> None:
        """Answer ``path`` with ``function(query)``."""
        self.routes[path] = function

    def hits(self, path: str) -> list[Request]:
        """The requests for ``path``."""
        return [request for request in self.requests if request.path == path]

    def _reply(self, path: str, query: dict[str, list[str]]) -> Reply:
        route = self.routes.get(path)
        if route is None:
            return Reply(404, b"<html><body>Not Found</body></html>")
        if callable(route):
            return route(query)
        with self._lock:
            return route.pop(0) if len(route) > 1 else route[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                with server._lock:
                    server.requests.append(
                        Request(parts.path, query, dict(self.headers), time.monotonic())
                    )
                reply = server._reply(parts.path, query)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[FeedServer]:
        """Serve in a thread until the block ends."""
        thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()
            thread.join(timeout=5)
