"""A feed item without an abstract is kept, with a warning naming it, by both RSS readers and the
API reader."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from papersift.sources import parse_rss
from papersift.sources.api import parse_atom

_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <pubDate>Tue, 26 May 2026 00:00:00 -0400</pubDate>
"""


def _item(paper_id: str, description: str | None, title: str = "A title") -> str:
    body = "" if description is None else f"<description>{description}</description>"
    return f"""
    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{paper_id}</link>
      {body}
      <guid isPermaLink="false">oai:arXiv.org:{paper_id}</guid>
      <category>cs.LG</category>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:creator>Ana Lopez</dc:creator>
    </item>"""


def _feed(*items: str) -> bytes:
    return (_HEAD + "".join(items) + "\n  </channel>\n</rss>\n").encode()


ITEMS = (
    _item("2605.00001v1", "arXiv:2605.00001v1 Announce Type: new\nAbstract: We show a thing."),
    _item("2605.00002v1", None),
    _item("2605.00003v1", "arXiv:2605.00003v1 Announce Type: new\nAbstract: "),
)


@pytest.mark.parametrize(
    "reader",
    ["fast", "feedparser"],
)
def test_item_without_abstract_is_kept_with_a_warning(
    reader: str, caplog: pytest.LogCaptureFixture
) -> None:
    items = list(ITEMS)
    if reader == "feedparser":
        # A bare ampersand is not well-formed XML: the fast reader gives up and feedparser reads it.
        items.append(
            _item("2605.00004v1", "arXiv:2605.00004v1 Announce Type: new\nAbstract: x", "A & B")
        )
    with caplog.at_level(logging.WARNING, logger="papersift.sources"):
        listing = parse_rss(_feed(*items), "made")
    assert listing.papers["2605.00001"].abstract == "We show a thing."
    assert listing.papers["2605.00002"].abstract == ""
    assert listing.papers["2605.00003"].abstract == ""
    assert listing.papers["2605.00002"].title == "A title"
    assert not listing.skipped
    warnings = [r.getMessage() for r in caplog.records if "no abstract" in r.getMessage()]
    assert len(warnings) == 2
    assert "2605.00002" in warnings[0] and "2605.00003" in warnings[1]
    if reader == "feedparser":
        assert "2605.00004" in listing.papers


def test_fast_reader_declines_the_malformed_feed() -> None:
    from papersift.sources._fastrss import read_wellformed_rss

    bad = _item("2605.00004v1", "arXiv:2605.00004v1 Announce Type: new\nAbstract: x", "A & B")
    assert read_wellformed_rss(_feed(*ITEMS)) is not None
    assert read_wellformed_rss(_feed(*ITEMS, bad)) is None


def test_api_entry_without_abstract_is_kept_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    atom = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2605.00005v2</id>
    <title>No abstract here</title>
    <author><name>Ana Lopez</name></author>
    <arxiv:primary_category term="cs.LG"/>
    <category term="cs.LG"/>
  </entry>
</feed>"""
    with caplog.at_level(logging.WARNING, logger="papersift.sources"):
        listing = parse_atom(atom, "made", date=dt.date(2026, 5, 26))
    assert listing.papers["2605.00005"].abstract == ""
    assert any("2605.00005" in r.getMessage() for r in caplog.records)
