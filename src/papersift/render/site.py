"""The static archive site: every digest of an output folder as pages, a search and a feed.

``papersift site build`` reads the digest JSON files (``OUT/YYYY-MM/YYYY-MM-DD.json``, schema
``papersift.digest/1``) and writes::

    index.html                 the latest day
    YYYY-MM/YYYY-MM-DD.html    one page per day
    YYYY-MM/index.html         a month: its days and their first titles
    YYYY/index.html            a year: its months
    archive.html               every year and month
    search.html                client-side search over titles, authors, ids and comments
    search-index.js/.json      the index it reads (the .js form loads from file:// too)
    feed.xml                   the Atom feed of the latest days
    assets/                    stylesheet, scripts and KaTeX

Every link is relative and names its ``index.html``, so the site works from ``file://`` and from
any static host, GitHub Pages included.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from papersift.config import SiteSettings
from papersift.errors import InputError
from papersift.render._documents import load_digest_documents
from papersift.render._files import write_atomic
from papersift.render.feed import render_feed
from papersift.render.html import (
    SiteLinks,
    copy_assets,
    day_href,
    environment,
    paper_anchor,
    render_html,
)

logger = logging.getLogger(__name__)

_TITLES_PER_DAY = 3


@dataclass(slots=True)
class SiteResult:
    """What a site build wrote."""

    folder: Path
    days: list[dt.date] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)


def build_site(out_dir: Path, site_dir: Path, settings: SiteSettings) -> SiteResult:
    """Write the site of every digest under ``out_dir`` into ``site_dir``.

    Raises:
        InputError: ``out_dir`` holds no digest JSON file.
    """
    documents = load_digest_documents(out_dir)
    if not documents:
        raise InputError(
            f"No digest JSON files under {str(out_dir)!r}.",
            'Run `papersift run` with "json" in [output] formats first, or name the folder '
            "that holds YYYY-MM/YYYY-MM-DD.json with --digests.",
        )
    site_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(site_dir)
    result = SiteResult(site_dir, [dt.date.fromisoformat(d["date"]) for d in documents])
    pages: dict[Path, str] = {}
    pages.update(_day_pages(documents, settings.title))
    pages.update(_archive_pages(documents, settings.title))
    pages[Path("search.html")] = (
        environment()
        .get_template("search.html")
        .render(root="", site=SiteLinks(""), site_title=settings.title)
    )
    index = search_index(documents)
    pages[Path("search-index.json")] = json.dumps(index, ensure_ascii=False)
    pages[Path("search-index.js")] = (
        "window.PAPERSIFT_INDEX = " + json.dumps(index, ensure_ascii=False) + ";\n"
    )
    pages[Path("feed.xml")] = render_feed(documents, settings)
    for relative, text in pages.items():
        write_atomic(site_dir / relative, text)
        result.pages.append(site_dir / relative)
    logger.debug("Site of %d day(s) written to %s", len(documents), site_dir)
    return result


def _day_pages(documents: Sequence[Mapping[str, Any]], title: str) -> dict[Path, str]:
    pages: dict[Path, str] = {}
    for position, document in enumerate(documents):
        date = document["date"]
        before = documents[position - 1]["date"] if position > 0 else None
        after = documents[position + 1]["date"] if position + 1 < len(documents) else None
        for root in ("../", ""):
            links = SiteLinks(
                root,
                (root + day_href(before), before) if before else None,
                (root + day_href(after), after) if after else None,
                (f"{root}{date[:7]}/index.html", _month_label(date[:7])),
            )
            path = Path(day_href(date)) if root else Path("index.html")
            if root or position == len(documents) - 1:
                pages[path] = render_html(document, root=root, site=links, title=title)
    return pages


def _archive_pages(documents: Sequence[Mapping[str, Any]], title: str) -> dict[Path, str]:
    env = environment()
    pages: dict[Path, str] = {}
    years = []
    for year, in_year in groupby(documents, key=lambda d: d["date"][:4]):
        months = []
        for month, in_month in groupby(list(in_year), key=lambda d: d["date"][:7]):
            days = list(in_month)
            months.append(
                {
                    "label": _month_label(month),
                    "href": f"{month}/index.html",
                    "days": len(days),
                    "papers": sum(len(d.get("papers", [])) for d in days),
                }
            )
            pages[Path(month, "index.html")] = env.get_template("month.html").render(
                root="../",
                site=SiteLinks("../"),
                site_title=title,
                heading=_month_label(month),
                trail=[(f"../{year}/index.html", year), ("../archive.html", "Archive")],
                days=[_month_day(d) for d in reversed(days)],
            )
        years.append({"year": year, "href": f"{year}/index.html", "months": months[::-1]})
        pages[Path(year, "index.html")] = env.get_template("archive.html").render(
            root="../",
            site=SiteLinks("../"),
            site_title=title,
            heading=year,
            trail=[("../archive.html", "Archive")],
            years=[_relative_year(years[-1], "../")],
        )
    pages[Path("archive.html")] = env.get_template("archive.html").render(
        root="",
        site=SiteLinks(""),
        site_title=title,
        heading="Archive",
        trail=[],
        years=years[::-1],
    )
    return pages


def _relative_year(year: Mapping[str, Any], root: str) -> dict[str, Any]:
    months = [{**month, "href": root + month["href"]} for month in year["months"]]
    return {**year, "href": "index.html", "months": months}


def _month_day(document: Mapping[str, Any]) -> dict[str, Any]:
    papers = document.get("papers", [])
    return {
        "date": document["date"],
        "href": f"{document['date']}.html",
        "count": len(papers),
        "titles": [paper["title"] for paper in papers[:_TITLES_PER_DAY]],
    }


def _month_label(month: str) -> str:
    return f"{dt.date.fromisoformat(month + '-01'):%B %Y}"


def search_index(documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The search index: one record per selected paper of every day, newest day first."""
    papers = []
    for document in reversed(documents):
        for paper in document.get("papers", []):
            papers.append(
                {
                    "id": paper["id"],
                    "title": paper["title"],
                    "authors": list(paper.get("authors", [])),
                    "comments": paper.get("comments") or "",
                    "topic": paper.get("topic") or "",
                    "date": document["date"],
                    "page": f"{day_href(document['date'])}#{paper_anchor(paper['id'])}",
                }
            )
    return {"schema": "papersift.search/1", "papers": papers}
