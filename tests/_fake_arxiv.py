"""A local arXiv API: answers ``id_list`` and ``ti:`` queries from a real recorded Atom response."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ATOM = "{http://www.w3.org/2005/Atom}"


def _answer(feed: Path, query: dict[str, list[str]]) -> bytes:
    tree = ET.parse(feed)
    root = tree.getroot()
    ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
    words = [
        term.removeprefix("ti:").lower()
        for term in query.get("search_query", [""])[0].split(" AND ")
        if term.startswith("ti:")
    ]
    for entry in list(root.findall(f"{ATOM}entry")):
        entry_id = entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].split("v")[0]
        title = " ".join(entry.findtext(f"{ATOM}title", "").lower().split())
        if ids:
            keep = entry_id in {i.split("v")[0] for i in ids}
        else:
            keep = bool(words) and all(word in title for word in words)
        if not keep:
            root.remove(entry)
    return ET.tostring(root, xml_declaration=True, encoding="utf-8")


@contextmanager
def serve_api(answer: Callable[[dict[str, list[str]]], bytes]) -> Iterator[str]:
    """Serve Atom on 127.0.0.1, each GET answered by ``answer(query)``; yields the query URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answer(parse_qs(urlparse(self.path).query))
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def fake_arxiv_api(feed: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve ``feed`` filtered by the query; yields the query URL and the queries received."""
    seen: list[str] = []

    def answer(query: dict[str, list[str]]) -> bytes:
        seen.append(urlencode(query, doseq=True))
        return _answer(feed, query)

    with serve_api(answer) as url:
        yield url, seen
