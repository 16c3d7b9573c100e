"""A site built by the real CLI from real days, served from a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest

from web_support import BuiltSite, day_feeds, papersift, write_config


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """Digests of every day made by ``papersift run``, then ``papersift site build``."""
    folder = tmp_path_factory.mktemp("site-build")
    config = write_config(folder)
    days = day_feeds()
    for _, feed in days:
        papersift("-q", "run", "--from-file", str(feed), "--config", str(config))
    site = folder / "site"
    papersift("site", "build", "--config", str(config), "--out", str(site))
    return BuiltSite(config, folder / "out", site, [day for day, _ in days])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_server(built_site: BuiltSite) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)
