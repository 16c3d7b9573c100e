"""What the site and delivery tests share: running the real CLI, a config, the days, a digest."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from papersift.models import Digest, DigestEntry, Paper, Usage

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium; the browser tests never use one that Playwright downloads."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # The machines that run the tests have no network: no background or update traffic.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
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

[store]
path = "papersift.sqlite3"
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


def _paper(number: int, title: str, **changes: object) -> Paper:
    values: dict[str, object] = {
        "id": f"2605.0000{number}",
        "version": 2,
        "title": title,
        "authors": ("Ada Quill", "Bo Rampart"),
        "abstract": "An abstract with $x^2$ and <b>bold</b> & more.",
        "categories": ("cs.LG", "stat.ML"),
        "comments": None,
    }
    return Paper(**(values | changes))  # type: ignore[arg-type]


def sample_digest() -> Digest:
    """A two-paper digest with a judged entry, a watched author and markup in its text."""
    judged = DigestEntry(
        paper=_paper(1, 'Judged <em>paper</em> "quoted"', comments="10 pages <i>x</i>"),
        score=0.4321,
        topic="Efficient <training>",
        comment="Strong fit & novel.",
        announce_type="cross",
        relevance=8,
        novelty=6.5,
        status="judged",
        watched_authors=("Bo Rampart",),
    )
    local = DigestEntry(
        paper=_paper(2, "Local only"),
        score=0.12,
        topic=None,
        comment="",
        announce_type="new",
    )
    return Digest(
        date=dt.date(2026, 5, 26),
        profile="team <a>",
        entries=[judged, local],
        total_papers=300,
        scanned_papers=120,
        usage=[Usage("gpt-4.1-mini", 1000, 200, cost=0.0123)],
        notices=["Budget <reached>"],
        ranker="tfidf",
    )
