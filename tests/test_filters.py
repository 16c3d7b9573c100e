"""The filters before ranking: announce types, categories, keywords and the author watchlist."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from papersift.config import FilterSettings
from papersift.digest import DigestInputs, Selection, build_digest
from papersift.errors import ConfigError
from papersift.filters import compile_keywords, filter_listing
from papersift.models import Announcement, AnnounceType, Listing, Paper, Score
from papersift.sources import load_listing_files

DAY = dt.date(2026, 5, 26)


def _paper(paper_id: str, title: str, categories=("cs.LG",), authors=("A. Author",), abstract=""):
    return Paper(paper_id, 1, title, tuple(authors), abstract or title, tuple(categories))


def _listing(*entries: tuple[Paper, AnnounceType]) -> Listing:
    listing = Listing(date=DAY, sources=["made"], items=len(entries))
    for paper, kind in entries:
        listing.papers[paper.id] = paper
        listing.announcements.append(Announcement(paper.id, DAY, paper.categories[0], kind, "x"))
    return listing


@pytest.fixture
def real_listing(demo_day: Path) -> Listing:
    return load_listing_files(demo_day / "rss-cs.LG+cs.AI.xml")


def test_announce_types_default_new_and_cross() -> None:
    listing = _listing(
        (_paper("2605.00001", "a"), "new"),
        (_paper("2605.00002", "b"), "cross"),
        (_paper("2605.00003", "c"), "replace"),
        (_paper("2605.00004", "d"), "replace-cross"),
    )
    outcome = filter_listing(listing, FilterSettings(), ["cs.LG"])
    assert [p.id for p in outcome.kept] == ["2605.00001", "2605.00002"]
    assert outcome.dropped["2605.00003"] == "announce type replace not kept"
    every = FilterSettings(announce_types=["new", "cross", "replace", "replace-cross"])
    assert len(filter_listing(listing, every, ["cs.LG"]).kept) == 4
    only = FilterSettings(announce_types=["replace-cross"])
    assert [p.id for p in filter_listing(listing, only, ["cs.LG"]).kept] == ["2605.00004"]


def test_categories_on_the_real_day(real_listing: Listing) -> None:
    followed = ["cs.LG", "cs.AI"]
    everything = filter_listing(real_listing, FilterSettings(), followed)
    assert len(everything.kept) == len(real_listing.papers)

    no_vision = filter_listing(real_listing, FilterSettings(exclude_categories=["cs.CV"]), followed)
    assert no_vision.kept and all("cs.CV" not in p.categories for p in no_vision.kept)
    assert len(no_vision.kept) + len(no_vision.dropped) == len(real_listing.papers)

    only_cl = filter_listing(real_listing, FilterSettings(include_categories=["cs.CL"]), followed)
    assert only_cl.kept and all("cs.CL" in p.categories for p in only_cl.kept)

    primary = filter_listing(real_listing, FilterSettings(primary_only=True), followed)
    assert primary.kept and all(p.primary in followed for p in primary.kept)
    assert any(p.primary not in followed for p in real_listing.papers.values())
    assert len(primary.kept) < len(real_listing.papers)


def test_keywords_are_whole_words_case_insensitive_and_regex() -> None:
    listing = _listing(
        (_paper("2605.00001", "Sparse Mixture of Experts at scale"), "new"),
        (_paper("2605.00002", "Sparsely gated layers"), "new"),
        (_paper("2605.00003", "Graph transformers for molecules"), "new"),
        (_paper("2605.00004", "GNNs for traffic forecasting"), "new"),
    )
    settings = FilterSettings(keywords_include=["sparse", r"graph\w*|GNNs?"])
    kept = filter_listing(listing, settings, ["cs.LG"]).kept
    assert [p.id for p in kept] == ["2605.00001", "2605.00003", "2605.00004"]

    settings = FilterSettings(keywords_exclude=["TRAFFIC FORECASTING", "mixture"])
    outcome = filter_listing(listing, settings, ["cs.LG"])
    assert [p.id for p in outcome.kept] == ["2605.00002", "2605.00003"]
    assert outcome.dropped["2605.00004"] == "excluded keyword 'TRAFFIC FORECASTING'"


def test_keywords_read_the_abstract_too() -> None:
    paper = _paper("2605.00001", "A title", abstract="We study conformal prediction.")
    outcome = filter_listing(
        _listing((paper, "new")), FilterSettings(keywords_include=["conformal"]), []
    )
    assert outcome.kept == [paper]


def test_bad_regex_is_a_config_error_naming_key_and_pattern() -> None:
    with pytest.raises(
        ConfigError, match="'filters.keywords_include': .* is not a valid"
    ) as caught:
        compile_keywords(["C\\+\\+("], "filters.keywords_include")
    assert repr("C\\+\\+(") in caught.value.message
    with pytest.raises(ConfigError):
        filter_listing(_listing(), FilterSettings(keywords_exclude=["[unclosed"]), [])


def test_watchlist_on_normalised_names_beats_keywords() -> None:
    listing = _listing(
        (_paper("2605.00001", "Unrelated", authors=["Javier Mart\\'inez", "Bo Li"]), "new"),
        (_paper("2605.00002", "Also unrelated", authors=['Klaus M{\\"u}ller']), "cross"),
        (_paper("2605.00003", "Sparse models", authors=["Samy Bengio"]), "new"),
    )
    settings = FilterSettings(
        keywords_include=["sparse"], authors=["Martínez, J."], announce_types=["new", "cross"]
    )
    outcome = filter_listing(listing, settings, ["cs.LG"], watchlist=["K. Müller", "Y. Bengio"])
    assert [p.id for p in outcome.kept] == ["2605.00001", "2605.00002", "2605.00003"]
    assert outcome.watched == {"2605.00001": ("Martínez, J.",), "2605.00002": ("K. Müller",)}


def test_watchlist_does_not_override_announce_type_or_category() -> None:
    paper = _paper("2605.00001", "t", categories=("cs.CV",), authors=["Y. Bengio"])
    outcome = filter_listing(
        _listing((paper, "replace")), FilterSettings(authors=["Yoshua Bengio"]), ["cs.LG"]
    )
    assert outcome.kept == []


def test_watchlist_in_a_collaboration_of_hundreds(real_listing: Listing) -> None:
    names = list(dict.fromkeys(a for p in real_listing.papers.values() for a in p.authors))
    assert len(names) > 600
    crowd = [*names[:300], "Ana Mart\\'{\\i}nez", *names[300:600]]
    big = _paper("2605.00009", "A collaboration paper", authors=crowd)
    listing = _listing((big, "new"))
    outcome = filter_listing(listing, FilterSettings(authors=["Ana Martínez"]), [])
    assert outcome.watched == {"2605.00009": ("Ana Martínez",)}
    nobody = filter_listing(listing, FilterSettings(authors=["Zzyzx Qwerty"]), [])
    assert nobody.watched == {}


def test_watched_papers_reach_the_digest_and_rank_first(real_listing: Listing) -> None:
    papers = list(real_listing.papers.values())
    watched_paper = dataclasses.replace(papers[-1], authors=("Yoshua Bengio", *papers[-1].authors))
    real_listing.papers[watched_paper.id] = watched_paper
    outcome = filter_listing(real_listing, FilterSettings(), ["cs.LG", "cs.AI"], ["Y. Bengio"])
    scores = {p.id: Score(p.id, 1.0 - i / 1000, "t") for i, p in enumerate(outcome.kept)}
    scores[watched_paper.id] = Score(watched_paper.id, -1.0, "t")
    inputs = DigestInputs(DAY, "p", outcome.kept, scores, outcome, len(real_listing.papers), "r")
    digest = build_digest(inputs, Selection(top=3, threshold=0.5))
    assert digest.entries[0].paper.id == watched_paper.id
    assert digest.entries[0].watched_authors == ("Y. Bengio",)
    assert "watched author" in digest.entries[0].comment
    # The watched paper takes one of the three places; the best-scored papers fill the rest.
    assert [e.paper.id for e in digest.entries[1:]] == [p.id for p in outcome.kept[:2]]
    many = [dataclasses.replace(p, authors=("Y. Bengio",)) for p in papers[:5]]
    for paper in many:
        real_listing.papers[paper.id] = paper
    outcome = filter_listing(real_listing, FilterSettings(), ["cs.LG", "cs.AI"], ["Y. Bengio"])
    inputs = DigestInputs(DAY, "p", outcome.kept, scores, outcome, len(real_listing.papers), "r")
    digest = build_digest(inputs, Selection(top=3))
    assert len(digest.entries) == 6  # every watched paper, even past the top 3
    assert all(entry.watched_authors for entry in digest.entries)
