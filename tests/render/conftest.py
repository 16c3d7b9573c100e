"""A site built by the real CLI from real days, served from a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"
DEMO_FEED = ROOT / "examples" / "2026-05-26" / "rss-cs.LG+cs.AI.xml"
HOSTILE_FEED = FIXTURES / "api-hostile.atom.xml"
HOSTILE_DAY = "2026-05-27"
DEMO_DAY = "2026-05-26"


def papersift(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, importing this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", "COLUMNS": "200"}
    for name in ("SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "SMTP_HOST", "SMTP_PASSWORD"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "papersift", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        command = " ".join(args)
        raise AssertionError(
            f"papersift {command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def write_config(folder: Path, extra: str = "") -> Path:
    """A config ranking with TF-IDF (quick) and writing every format under ``folder/out``."""
    config = folder / "papersift.toml"
    config.write_text(
        f"""
[profile]
name = "demo"
interests = {json.dumps(str(ROOT / "examples" / "interests.md"))}

[ranker]
kind = "tfidf"
top = 15
cache_dir = "cache"

[output]
dir = "out"
formats = ["markdown", "json", "html"]
{extra}
""",
        encoding="utf-8",
    )
    return config


def day_feeds() -> list[tuple[str, Path]]:
    """The days to build: the bundled demo day, the shared days when present, the hostile day."""
    days = [(DEMO_DAY, DEMO_FEED), (HOSTILE_DAY, HOSTILE_FEED)]
    if SHARED_FEEDS.is_dir():
        for folder in sorted(SHARED_FEEDS.iterdir()):
            feed = folder / "rss-cs.LG+cs.AI.xml"
            if feed.is_file() and folder.name != DEMO_DAY:
                days.append((folder.name, feed))
    return sorted(days)


@dataclass(frozen=True)
class BuiltSite:
    """The output folder of the runs and the site built from it."""

    config: Path
    out: Path
    site: Path
    days: list[str]

    def document(self, day: str) -> dict:
        """The digest document of ``day``."""
        return json.loads((self.out / day[:7] / f"{day}.json").read_text(encoding="utf-8"))


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
