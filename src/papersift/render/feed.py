"""The Atom feed of the digest, so a feed reader can subscribe to the selected papers.

One entry per selected paper of the latest days (``[site] feed_days``); the entry links to the
paper's abstract page; when ``[site] base_url`` is set, its content also links to the paper's
place on the day page (feedgen 1.0 writes no ``rel`` on entry links, so an entry keeps one
link). The text of papers goes in as text, or as HTML escaped by the templates: never as markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from papersift.config import SiteSettings
from papersift.models import NO_ABSTRACT
from papersift.render.html import day_href, environment, paper_anchor

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry; they are dropped rather than failing the feed."""


def render_feed(documents: Sequence[Mapping[str, Any]], settings: SiteSettings) -> str:
    """The Atom document of the latest ``settings.feed_days`` digests, newest day first.

    ``documents`` are the digest documents, oldest first.
    """
    recent = list(documents)[-settings.feed_days :]
    base = settings.base_url.rstrip("/") + "/" if settings.base_url else ""
    generator = FeedGenerator()
    generator.id(f"{base}feed.xml" if base else f"urn:papersift:{_profile(recent)}")
    generator.title(_clean(settings.title))
    generator.subtitle(f"The arXiv papers selected for {_clean(_profile(recent))}")
    generator.author({"name": "papersift"})
    generator.generator("papersift")
    generator.language("en")
    if base:
        generator.link(href=f"{base}feed.xml", rel="self", type="application/atom+xml")
        generator.link(href=f"{base}index.html", rel="alternate", type="text/html")
    generator.updated(_moment(recent[-1]["date"], 0) if recent else dt.datetime.now(dt.UTC))
    template = environment().get_template("feed_entry.html")
    for document in reversed(recent):
        for rank, paper in enumerate(document.get("papers", []), 1):
            page = f"{base}{day_href(document['date'])}#{paper_anchor(paper['id'])}" if base else ""
            content = template.render(paper=paper, page=page)
            _add_entry(generator, document, rank, paper, content)
    atom: bytes = generator.atom_str(pretty=True)
    return atom.decode("utf-8")


def _add_entry(
    generator: FeedGenerator,
    document: Mapping[str, Any],
    rank: int,
    paper: Mapping[str, Any],
    content: str,
) -> None:
    date = document["date"]
    entry = generator.add_entry(order="append")
    entry.id(f"urn:papersift:{_clean(document.get('profile', ''))}:{date}:{paper['id']}")
    entry.title(_clean(paper["title"]))
    entry.link(href=paper["abs_url"])
    for name in paper.get("authors", []):
        entry.author({"name": _clean(name)})
    for category in paper.get("categories", []):
        entry.category(term=_clean(category))
    moment = _moment(date, rank)
    entry.published(moment)
    entry.updated(moment)
    entry.summary(_clean(paper.get("abstract") or NO_ABSTRACT))
    entry.content(_clean(content), type="html")


def _moment(date: str, rank: int) -> dt.datetime:
    """Noon UTC of the day, less a second per rank, so feed readers keep the digest's order."""
    day = dt.date.fromisoformat(date)
    return dt.datetime.combine(day, dt.time(12), dt.UTC) - dt.timedelta(seconds=rank)


def _profile(documents: Sequence[Mapping[str, Any]]) -> str:
    return str(documents[-1].get("profile", "default")) if documents else "default"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", str(text))
