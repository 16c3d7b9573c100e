"""``--from-file``: a file, a folder or a glob, in either shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from feeds import rss_facts

from papersift.errors import InputError, ParseError
from papersift.sources import load_listing_files
from papersift.sources.files import listing_paths


def test_one_file(demo_day: Path) -> None:
    listing = load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")
    assert listing.items == 307 and len(listing.papers) == 307


def test_a_folder_merges_rss_and_api_files(demo_day: Path) -> None:
    listing = load_listing_files(demo_day, ["cs.LG", "cs.AI"])
    assert len(listing.sources) == 4
    lg, ai = rss_facts(demo_day / "rss-cs.LG.xml"), rss_facts(demo_day / "rss-cs.AI.xml")
    joined = rss_facts(demo_day / "rss-cs.LG+cs.AI.xml")
    assert listing.items == lg.items + ai.items + joined.items + 307
    assert set(listing.papers) == set(lg.ids) | set(ai.ids) == set(joined.ids)
    for paper_id, categories in joined.categories.items():
        assert set(listing.papers[paper_id].categories) == set(categories)


def test_a_glob_takes_the_two_category_feeds(demo_day: Path) -> None:
    listing = load_listing_files(str(demo_day / "rss-cs.??.xml"))
    lg, ai = rss_facts(demo_day / "rss-cs.LG.xml"), rss_facts(demo_day / "rss-cs.AI.xml")
    assert listing.items == lg.items + ai.items
    duplicates = len(set(lg.ids) & set(ai.ids))
    assert duplicates > 0
    assert len(listing.papers) == listing.items - duplicates
    both = next(iter(set(lg.ids) & set(ai.ids)))
    assert {a.category for a in listing.announcements if a.paper_id == both} == {"cs.LG", "cs.AI"}


def test_folder_ignores_other_files(demo_day: Path, tmp_path: Path) -> None:
    shutil.copy(demo_day / "rss-cs.LG.xml", tmp_path)
    (tmp_path / "notes.txt").write_text("not a feed")
    assert listing_paths(tmp_path) == [tmp_path / "rss-cs.LG.xml"]


def test_nothing_found_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No feed file found") as caught:
        load_listing_files(tmp_path / "missing-*.xml")
    assert "glob" in (caught.value.hint or "")


def test_a_file_that_is_not_a_feed_is_bad_input(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_text("<html><body>Not found</body></html>")
    with pytest.raises(InputError, match="HTML page"):
        load_listing_files(page)


def test_a_broken_file_is_a_parse_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss version='2.0'><channel><item><title>Half")
    with pytest.raises(ParseError, match="broken.xml"):
        load_listing_files(broken)
