"""The RSS parser on arXiv's real feeds and on items made from them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from feeds import rss_facts, shared_days

from papersift.errors import FeedError, ParseError
from papersift.sources import parse_rss


def _rss_files(demo_day: Path, shared: Path | None) -> list[Path]:
    days = [demo_day] + (shared_days(shared) if shared else [])
    return [path for day in days for path in sorted(day.glob("rss-*.xml"))]


@pytest.fixture
def shared_or_none(request: pytest.FixtureRequest) -> Path | None:
    try:
        return request.getfixturevalue("shared_data")
    except pytest.skip.Exception:
        return None


def test_every_real_feed_parses_completely(demo_day: Path, shared_or_none: Path | None) -> None:
    for path in _rss_files(demo_day, shared_or_none):
        facts = rss_facts(path)
        listing = parse_rss(path.read_bytes(), str(path))
        assert listing.items == facts.items, path
        assert list(listing.papers) == list(dict.fromkeys(facts.ids)), path
        assert not listing.skipped and not listing.problems, path
        types = {t: 0 for t in facts.types}
        for announcement in listing.announcements:
            types[announcement.announce_type] += 1
        assert types == dict(facts.types), path
        assert listing.date == dt.date.fromisoformat(path.parent.name), path
        for paper in listing.papers.values():
            assert list(paper.categories) == facts.categories[paper.id]


def test_a_paper_has_its_fields_without_the_prefix(demo_day: Path) -> None:
    listing = parse_rss((demo_day / "rss-cs.LG+cs.AI.xml").read_bytes(), "cs.LG+cs.AI")
    paper = listing.papers["2605.23908"]
    assert paper.version == 1
    assert paper.title.startswith("In Search of the Ingredients of Open-Endedness")
    assert paper.authors[:3] == ("Sam Earle", "Kay Arulkumaran", "Andrew Dai")
    assert paper.categories == ("cs.AI", "cs.CL", "cs.CV", "cs.NE")
    assert paper.primary == "cs.AI"
    assert paper.abstract.startswith("We are in the midst of large-scale industrial")
    for other in listing.papers.values():
        assert not re.match(r"\s*(arXiv:|Announce Type|Abstract:)", other.abstract), other.id
        assert other.abstract and other.title and other.authors


def _item(announce_type: str, paper_id: str = "2605.99999v3", title: str = "A title") -> str:
    return f"""
    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{paper_id}</link>
      <description>arXiv:{paper_id} Announce Type: {announce_type}
Abstract: We show that $\\mathcal{{O}}(n^2)$ is enough.</description>
      <guid isPermaLink="false">oai:arXiv.org:{paper_id}</guid>
      <category>cs.LG</category>
      <category>stat.ML</category>
      <arxiv:announce_type>{announce_type}</arxiv:announce_type>
      <dc:creator>Ana Mart\\'inez, Bo Li and Carl M{{\\"u}}ller</dc:creator>
    </item>"""


def feed(*items: str, date: str = "Tue, 26 May 2026 00:00:00 -0400") -> bytes:
    """An RSS feed in arXiv's shape holding ``items``."""
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <pubDate>{date}</pubDate>
    {"".join(items)}
  </channel>
</rss>""".encode()


@pytest.mark.parametrize("announce_type", ["new", "cross", "replace", "replace-cross"])
def test_announce_types(announce_type: str) -> None:
    listing = parse_rss(feed(_item(announce_type)), "made")
    (announcement,) = listing.announcements
    assert announcement.announce_type == announce_type
    assert announcement.category == "cs.LG"
    paper = listing.papers["2605.99999"]
    assert paper.version == 3
    assert paper.abstract == r"We show that $\mathcal{O}(n^2)$ is enough."
    assert paper.authors == ("Ana Mart\\'inez", "Bo Li", 'Carl M{\\"u}ller')


def test_announce_type_from_the_description_when_the_element_is_missing() -> None:
    item = re.sub(r"<arxiv:announce_type>.*</arxiv:announce_type>", "", _item("replace"))
    listing = parse_rss(feed(item), "made")
    assert listing.announcements[0].announce_type == "replace"


def test_one_broken_item_is_skipped_and_named_the_rest_kept() -> None:
    broken = _item("new", paper_id="not-an-id")
    unknown = _item("withdrawn", paper_id="2605.88888v1")
    listing = parse_rss(feed(_item("new", "2605.00001v1"), broken, unknown, _item("cross")), "f")
    assert list(listing.papers) == ["2605.00001", "2605.99999"]
    assert listing.items == 4
    assert len(listing.skipped) == 2
    assert "item 2" in listing.skipped[0] and "not-an-id" in listing.skipped[0]
    assert "withdrawn" in listing.skipped[1]
    assert not listing.problems


def test_empty_channel_is_an_empty_listing_with_its_date() -> None:
    listing = parse_rss(feed(date="Sat, 30 May 2026 00:00:00 -0400"), "weekend")
    assert listing.papers == {} and listing.items == 0
    assert listing.date == dt.date(2026, 5, 30)


def test_truncated_real_feed_keeps_the_items_read_whole(demo_day: Path) -> None:
    data = (demo_day / "rss-cs.LG.xml").read_bytes()
    cut = data[: len(data) // 2]
    whole = cut.count(b"</item>")
    listing = parse_rss(cut, "cs.LG")
    assert len(listing.papers) == whole
    assert listing.items == whole
    (problem,) = listing.problems
    assert "'cs.LG'" in problem and "no element found" in problem
    assert "1 item(s) cut off" in problem
    complete = parse_rss(data, "cs.LG")
    for paper_id, paper in listing.papers.items():
        assert complete.papers[paper_id] == paper


def test_malformed_real_feed_names_the_fault_and_keeps_items(demo_day: Path) -> None:
    data = (demo_day / "rss-cs.LG.xml").read_bytes().replace(b"<item>", b"<item><x>&</x>", 1)
    listing = parse_rss(data, "cs.LG")
    assert len(listing.papers) == 88
    (problem,) = listing.problems
    assert "malformed XML at line" in problem


def test_malformed_feed_with_nothing_readable_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"'broken'.*not a readable feed"):
        parse_rss(b"<?xml version='1.0'?><rss version='2.0'><channel><title>x", "broken")


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"<!DOCTYPE html><html><body><h1>Rate exceeded</h1></body></html>", "HTML page"),
        (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'></html>", "HTML"),
        (b"Rate exceeded.", "text that is not a feed"),
        (b"<error><code>500</code></error>", "root is <error>"),
        (b"   \n", "empty body"),
    ],
)
def test_what_is_not_a_feed_is_a_feed_error(body: bytes, what: str) -> None:
    with pytest.raises(FeedError, match="'https://rss.example/cs.LG'") as caught:
        parse_rss(body, "https://rss.example/cs.LG")
    assert what in caught.value.message
    assert caught.value.source == "https://rss.example/cs.LG"


def test_fast_reader_and_feedparser_agree_on_every_real_feed(
    demo_day: Path, shared_or_none: Path | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papersift.sources import rss

    files = _rss_files(demo_day, shared_or_none)
    fast = [parse_rss(path.read_bytes(), str(path)) for path in files]
    monkeypatch.setattr(rss, "read_wellformed_rss", lambda data: None)
    slow = [parse_rss(path.read_bytes(), str(path)) for path in files]
    for path, one, other in zip(files, fast, slow, strict=True):
        assert one.papers == other.papers, path
        assert one.announcements == other.announcements, path
        assert (one.date, one.items, one.skipped) == (other.date, other.items, other.skipped)


def test_fast_reader_and_feedparser_agree_on_made_items(monkeypatch: pytest.MonkeyPatch) -> None:
    from papersift.sources import rss

    data = feed(_item("new"), _item("replace-cross", "2605.11111v2", "T &amp; $x&lt;y$"))
    fast = parse_rss(data, "made")
    monkeypatch.setattr(rss, "read_wellformed_rss", lambda data: None)
    assert parse_rss(data, "made") == fast
    assert fast.papers["2605.11111"].title == "T & $x<y$"
