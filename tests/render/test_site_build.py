"""The static site written by ``papersift site build`` from the digests of real runs."""

from __future__ import annotations

import json
import logging
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from papersift.config import SiteSettings
from papersift.render._documents import load_digest_documents
from papersift.render.site import build_site
from web_support import HOSTILE_DAY, BuiltSite, papersift, write_config


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append((tag, value))


def _links(page: Path) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_site_has_a_page_per_day_month_and_year(built_site: BuiltSite) -> None:
    site = built_site.site
    for day in built_site.days:
        assert (site / day[:7] / f"{day}.html").is_file()
        assert (site / day[:7] / "index.html").is_file()
        assert (site / day[:4] / "index.html").is_file()
    for name in ["index.html", "archive.html", "search.html", "feed.xml", "search-index.js"]:
        assert (site / name).is_file(), name
    latest = built_site.days[-1]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"<title>papersift · {latest}</title>" in index
    month = (site / "2026-05" / "index.html").read_text(encoding="utf-8")
    for day in built_site.days:
        assert f'href="{day}.html"' in month


def test_every_relative_link_resolves_and_nothing_loads_from_elsewhere(
    built_site: BuiltSite,
) -> None:
    pages = sorted(built_site.site.rglob("*.html"))
    assert len(pages) == len(built_site.days) + 5  # days, index, archive, search, month, year
    for page in pages:
        for tag, link in _links(page):
            parts = urlsplit(link)
            if parts.scheme:
                # Only links a reader follows may leave the site; nothing is loaded from outside.
                assert tag == "a" and parts.scheme == "https", (page, link)
                assert parts.netloc == "arxiv.org", (page, link)
                continue
            if not parts.path:
                continue
            assert not parts.path.startswith("/"), (page, link)
            target = (page.parent / parts.path).resolve()
            assert target.is_file(), f"{page.relative_to(built_site.site)} links to missing {link}"


def test_katex_is_bundled_with_its_fonts(built_site: BuiltSite) -> None:
    katex = built_site.site / "assets" / "katex"
    assert (katex / "katex.min.js").stat().st_size > 100_000
    assert (katex / "contrib" / "auto-render.min.js").is_file()
    css = (katex / "katex.min.css").read_text(encoding="utf-8")
    fonts = {part.split(")")[0] for part in css.split("url(")[1:]}
    assert fonts, "the stylesheet names its fonts"
    for font in fonts:
        assert (katex / font).is_file(), font


def test_day_page_lists_the_digest_in_order(built_site: BuiltSite) -> None:
    document = built_site.document("2026-05-26")
    page = (built_site.site / "2026-05" / "2026-05-26.html").read_text(encoding="utf-8")
    positions = [page.index(f'id="paper-{paper["id"]}"') for paper in document["papers"]]
    assert len(document["papers"]) == 15
    assert positions == sorted(positions)
    first = document["papers"][0]
    assert first["abs_url"] in page and first["pdf_url"] in page
    assert f"local score {first['score']:.2f}" in page
    assert f"Best match: <strong>{first['topic']}</strong>" in page


def test_hostile_text_is_escaped_in_every_output(built_site: BuiltSite) -> None:
    day = (built_site.site / HOSTILE_DAY[:7] / f"{HOSTILE_DAY}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in day
    assert "&lt;img src=x onerror=alert(2)&gt;" in day
    assert "Eve &lt;script&gt;alert(4)&lt;/script&gt; Mallory" in day
    assert "&lt;b onmouseover=alert(6)&gt;" in day
    for raw in ["<script>alert", "<img", "<iframe", "<b onmouseover", '<a href="javascript']:
        assert raw not in day
        assert raw not in (built_site.site / "2026-05" / "index.html").read_text(encoding="utf-8")
    standalone = (built_site.out / "2026-05" / f"{HOSTILE_DAY}.html").read_text(encoding="utf-8")
    assert "<script>alert" not in standalone and "&lt;script&gt;alert(1)" in standalone


def test_search_index_covers_titles_authors_ids_and_comments(built_site: BuiltSite) -> None:
    index = json.loads((built_site.site / "search-index.json").read_text(encoding="utf-8"))
    script = (built_site.site / "search-index.js").read_text(encoding="utf-8")
    assert script.startswith("window.PAPERSIFT_INDEX = ")
    assert json.loads(script.removeprefix("window.PAPERSIFT_INDEX = ").rstrip(";\n")) == index
    expected = sum(len(built_site.document(day)["papers"]) for day in built_site.days)
    assert len(index["papers"]) == expected
    record = next(p for p in index["papers"] if p["id"] == "2605.99002")
    assert record["comments"].endswith("quokkalantern benchmark")
    assert "Carol Verity" in record["authors"]
    assert record["page"] == f"2026-05/{HOSTILE_DAY}.html#paper-2605.99002"
    assert index["papers"][0]["date"] == built_site.days[-1]


def test_atom_feed_parses_and_holds_the_latest_papers(built_site: BuiltSite) -> None:
    feed = feedparser.parse((built_site.site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "papersift"
    latest = built_site.document(built_site.days[-1])
    assert feed.entries[0].link == latest["papers"][0]["abs_url"]
    assert feed.entries[0].title == " ".join(latest["papers"][0]["title"].split())
    expected = sum(len(built_site.document(day)["papers"]) for day in built_site.days)
    assert len(feed.entries) == expected
    hostile = next(e for e in feed.entries if e.link.endswith("2605.99001"))
    assert hostile.title.startswith("<script>alert(1)</script> Sparse mixture")
    assert hostile.authors[0]["name"] == "Ada Quill"
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)


def test_feed_keeps_only_the_latest_days_and_links_to_the_site(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    settings = SiteSettings(feed_days=1, base_url="https://example.org/digest/", title="Mine")
    build_site(built_site.out, tmp_path, settings)
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    latest = built_site.days[-1]
    assert len(feed.entries) == len(built_site.document(latest)["papers"])
    assert feed.feed.title == "Mine"
    page = f"https://example.org/digest/{latest[:7]}/{latest}.html#paper-"
    assert (
        f'href="{page}{feed.entries[0].link.rsplit("/", 1)[1]}"' in feed.entries[0].content[0].value
    )
    assert feed.feed.links[0].href == "https://example.org/digest/feed.xml"


def test_site_build_without_digests_says_what_to_do(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = papersift("site", "build", "--config", str(config), check=False)
    assert result.returncode == 2
    assert "No digest JSON files under" in result.stderr
    assert "papersift run" in result.stderr


def test_unreadable_digest_files_are_skipped_with_a_warning(
    built_site: BuiltSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    month = tmp_path / "2026-05"
    month.mkdir()
    (month / "2026-05-26.json").write_text(
        json.dumps(built_site.document("2026-05-26")), encoding="utf-8"
    )
    (month / "2026-05-30.json").write_text("{not json", encoding="utf-8")
    (month / "notes.json").write_text('{"schema": "other/1"}', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        documents = load_digest_documents(tmp_path)
    assert [d["date"] for d in documents] == ["2026-05-26"]
    assert "2026-05-30.json" in caplog.text and "notes.json" in caplog.text
