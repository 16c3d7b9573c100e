"""A local arXiv API: answers ``id_list``, ``ti:`` and ``doi:`` queries from a recorded response."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def _answer(feed: Path, query: dict[str, list[str]]) -> bytes:
    tree = ET.parse(feed)
    root = tree.getroot()
    ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
    terms = query.get("search_query", [""])[0].split(" AND ")
    words = [term.removeprefix("ti:").lower() for term in terms if term.startswith("ti:")]
    alternatives = query.get("search_query", [""])[0].split(" OR ")
    dois = [t.removeprefix("doi:").strip('"').lower() for t in alternatives if t.startswith("doi:")]
    for entry in list(root.findall(f"{ATOM}entry")):
        entry_id = entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].split("v")[0]
        title = " ".join(entry.findtext(f"{ATOM}title", "").lower().split())
        carried = entry.findtext(f"{ARXIV}doi", "").lower().split()
        if ids:
            keep = entry_id in {i.split("v")[0] for i in ids}
        elif dois:
            keep = any(doi in carried for doi in dois)
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


def with_dois(feed: Path, dois: dict[str, str], out: Path) -> Path:
    """A copy of ``feed`` at ``out`` whose entries carry ``arxiv:doi`` as arXiv gives it for papers
    published in a journal (``dois`` maps paper ids to DOIs), placed where arXiv places it."""
    ET.register_namespace("", ATOM[1:-1])
    ET.register_namespace("arxiv", ARXIV[1:-1])
    ET.register_namespace("opensearch", "http://a9.com/-/spec/opensearch/1.1/")
    tree = ET.parse(feed)
    for entry in tree.getroot().findall(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].split("v")[0]
        if entry_id not in dois:
            continue
        element = ET.Element(f"{ARXIV}doi")
        element.text = dois[entry_id]
        links = [i for i, child in enumerate(entry) if child.tag == f"{ATOM}link"]
        entry.insert(links[0] if links else len(entry), element)
        link = ET.Element(f"{ATOM}link", title="doi", rel="related")
        link.set("href", f"https://doi.org/{dois[entry_id]}")
        entry.insert((links[0] if links else len(entry)) + 1, link)
    tree.write(out, xml_declaration=True, encoding="utf-8")
    return out
