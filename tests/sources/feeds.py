"""Reading real feed files independently of feedparser, as an oracle for the parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ARXIV = "{http://arxiv.org/schemas/atom}"
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class FeedFacts:
    """What a feed file holds, read with ElementTree."""

    items: int
    ids: list[str]
    """Paper ids without version, in file order."""
    types: Counter[str]
    categories: dict[str, list[str]]


def rss_facts(path: Path) -> FeedFacts:
    """Items, ids, announce types and categories of an RSS file."""
    root = ET.parse(path).getroot()
    items = root.findall("./channel/item")
    ids = [item.findtext("guid", "").split(":")[-1].rsplit("v", 1)[0] for item in items]
    types = Counter(item.findtext(f"{ARXIV}announce_type", "") for item in items)
    categories = {
        paper_id: [c.text or "" for c in item.findall("category")]
        for paper_id, item in zip(ids, items, strict=True)
    }
    return FeedFacts(len(items), ids, types, categories)


def shared_days(shared: Path) -> list[Path]:
    """The folders of the shared real days."""
    return sorted(path for path in (shared / "feeds").iterdir() if path.is_dir())
