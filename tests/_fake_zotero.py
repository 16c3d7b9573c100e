"""A local Zotero web API (v3): libraries of JSON items, paged with ``Link`` and ``Total-Results``.

Only what a read of a library's items needs: ``/{users,groups}/ID/items`` and
``/{users,groups}/ID/collections/KEY/items`` (child items included), the same with ``/top``
(top-level items only), with ``start`` and ``limit``; the key checked as the real server does
(``Zotero-API-Key`` header, ``Authorization: Bearer`` or a ``key`` parameter; a wrong key is 403,
a library that does not exist is 404). The server caps ``limit`` at ``page_size`` as the real
one caps it at 100, so small libraries page.
Faults are queued with :meth:`FakeZotero.fail_next` and answer the next requests in order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class Fault:
    """One canned reply: a status, headers and a body, sent instead of the real answer."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"


@dataclass
class Library:
    """A library's items, its key (``None``: public), and its collections' item keys."""

    items: list[Any]
    key: str | None = None
    collections: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FakeZotero:
    """The server's state: libraries by ``users/ID`` or ``groups/ID``, and what it was asked."""

    libraries: dict[str, Library]
    page_size: int = 100
    url: str = ""
    origin: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    backoff: str | None = None
    """Sent as ``Backoff`` with every successful reply when set."""
    prefix: str = ""
    """A sub-path the API is served under, as a self-hosted server may be (``/zotero``)."""

    def fail_next(self, *faults: Fault) -> None:
        """Answer the next requests with ``faults``, one each, before serving normally again."""
        self.faults.extend(faults)


def _key_of(headers: Any, query: dict[str, list[str]]) -> str | None:
    if headers.get("Zotero-API-Key"):
        return headers["Zotero-API-Key"]
    bearer = headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ")
    return query.get("key", [None])[0]


def _route(fake: FakeZotero, path: str) -> tuple[Library | None, list[Any] | None]:
    if not path.startswith(fake.prefix + "/"):
        return None, None
    parts = path.removeprefix(fake.prefix).strip("/").split("/")
    top = parts[-2:] == ["items", "top"]
    if len(parts) < 3 or parts[0] not in {"users", "groups"} or not (top or parts[-1] == "items"):
        return None, None
    library = fake.libraries.get(f"{parts[0]}/{parts[1]}")
    if library is None:
        return None, None
    middle = parts[2:-2] if top else parts[2:-1]
    items = [i for i in library.items if not (top and i["data"].get("parentItem"))]
    if not middle:
        return library, items
    if len(middle) == 2 and middle[0] == "collections" and middle[1] in library.collections:
        wanted = set(library.collections[middle[1]])
        return library, [
            i for i in items if i.get("key") in wanted or i["data"].get("parentItem") in wanted
        ]
    return library, None


def _links(fake: FakeZotero, path: str, query: dict[str, str], start: int, limit: int, total: int):
    def link(at: int) -> str:
        return f"{fake.origin}{path}?{urlencode({**query, 'start': str(at), 'limit': str(limit)})}"

    links = []
    if start + limit < total:
        links.append(f'<{link(start + limit)}>; rel="next"')
        links.append(f'<{link(((total - 1) // limit) * limit)}>; rel="last"')
    if start > 0:
        links.insert(0, f'<{link(max(start - limit, 0))}>; rel="prev"')
        links.insert(0, f'<{link(0)}>; rel="first"')
    return ", ".join(links)


def _handler(fake: FakeZotero) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            query = parse_qs(parsed.query)
            flat = {name: values[0] for name, values in query.items()}
            fake.requests.append((self.path, dict(self.headers.items())))
            if fake.faults:
                fault = fake.faults.pop(0)
                return self._send(fault.status, fault.body, fault.content_type, fault.headers)
            library, items = _route(fake, parsed.path)
            if library is None:
                return self._send(404, b"Not found")
            if library.key is not None and _key_of(self.headers, query) != library.key:
                return self._send(403, b"Forbidden")
            if items is None:
                return self._send(404, b"Collection not found")
            start = int(flat.get("start", "0"))
            limit = min(int(flat.get("limit", "25")), fake.page_size)
            page = items[start : start + limit]
            headers = {
                "Total-Results": str(len(items)),
                "Last-Modified-Version": "4242",
                "Link": _links(fake, parsed.path, flat, start, limit, len(items)),
            }
            if fake.backoff:
                headers["Backoff"] = fake.backoff
            body = json.dumps(page).encode()
            return self._send(200, body, "application/json", headers)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/plain",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Zotero-API-Version", "3")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fake_zotero(
    libraries: dict[str, Library], page_size: int = 100, prefix: str = ""
) -> Iterator[FakeZotero]:
    """Serve ``libraries`` on 127.0.0.1 (a free port) under ``prefix``; yields the state, its
    ``url`` (the API's base address, prefix included) set."""
    fake = FakeZotero(libraries, page_size, prefix=prefix)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.origin = f"http://127.0.0.1:{server.server_address[1]}"
    fake.url = fake.origin + prefix
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
