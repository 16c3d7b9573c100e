"""Seeds from a library: each format parsed, malformed entries reported, ids resolved locally."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from _fake_arxiv import ATOM, fake_arxiv_api, serve_api, with_dois
from papersift._http import Spacing, make_client
from papersift.errors import InputError
from papersift.seed import parse_bibtex, parse_csl_json, parse_ids, parse_ris, read_library, resolve
from papersift.sources.api import ApiSource

SEEDS = Path(__file__).parent / "fixtures" / "seed"


def test_bibtex_entries_and_malformed_ones() -> None:
    parsed = parse_bibtex((SEEDS / "library.bib").read_text())
    by_label = {r.label: r for r in parsed.references}
    assert by_label["ovcharov2026tokenizer"].arxiv_id == "2605.14890"
    assert by_label["earle2026picbreeder"].arxiv_id == "2605.23908"
    assert by_label["michael2026calibration"].arxiv_id is None
    assert (
        by_label["michael2026calibration"].title
        == "Confidence Calibration in Large Language Models"
    )
    assert by_label["unknown2019"].doi == "10.1000/xyz123"
    assert by_label["raon2026"].arxiv_id == "2605.23912"
    assert "Ukrainian Legal Text" in (by_label["ovcharov2026tokenizer"].title or "")
    assert len(parsed.malformed) == 2
    assert any("unbalanced" in line for line in parsed.malformed)
    assert any("no citation key" in line for line in parsed.malformed)


def test_ris_records_and_malformed_ones() -> None:
    parsed = parse_ris((SEEDS / "library.ris").read_text())
    assert [r.arxiv_id for r in parsed.references] == ["2605.14890", None, "2605.23912"]
    assert parsed.references[1].title == "Confidence Calibration in Large Language Models"
    assert len(parsed.malformed) == 2
    assert any("no arXiv id, DOI or title" in line for line in parsed.malformed)
    assert any("no ER line" in line for line in parsed.malformed)


def test_csl_json_items_and_malformed_ones() -> None:
    parsed = parse_csl_json((SEEDS / "library.csl.json").read_text())
    ids = [r.arxiv_id for r in parsed.references]
    assert ids == ["2605.14890", None, None, "2605.23926"]
    assert parsed.references[2].doi == "10.1000/xyz123"
    assert len(parsed.malformed) == 2


def test_csl_json_that_is_not_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "lib.json"
    path.write_text("[{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_library(path, "csl-json")


def test_id_list() -> None:
    parsed = parse_ids((SEEDS / "ids.txt").read_text())
    assert [r.arxiv_id for r in parsed.references] == [
        "2605.14890",
        "2605.23908",
        "2605.23926",
        "2605.99999",
    ]
    assert parsed.malformed == ["line 5: 'not-an-id' is not an arXiv id"]


def test_resolving_through_a_local_api_spaces_requests(demo_day: Path) -> None:
    pauses: list[float] = []
    clock = iter(float(n) for n in range(1000))
    parsed = parse_bibtex((SEEDS / "library.bib").read_text())
    with fake_arxiv_api(demo_day / "api-query.atom.xml") as (url, seen), make_client() as client:
        spacing = Spacing(3.0, clock=lambda: next(clock), sleep=pauses.append)
        api = ApiSource(client, url, [], spacing=spacing)
        result = resolve(parsed, api, dt.date(2026, 5, 27))

    found = {paper.id for paper in result.papers}
    assert found == {"2605.14890", "2605.23908", "2605.23912", "2605.23909"}
    titles = {paper.id: paper.title for paper in result.papers}
    assert titles["2605.23909"] == "Confidence Calibration in Large Language Models"
    assert [line.split(":")[0] for line in result.unmatched] == ["unknown2019"]
    assert len(result.malformed) == 2
    # One id query, one DOI search for the entry with a journal DOI, then a title search for
    # each entry still unmatched, each after the 3-second spacing.
    assert len(seen) == 4
    assert "id_list=" in seen[0]
    assert parse_qs(seen[1])["search_query"] == ['doi:"10.1000/xyz123"']
    assert result.unmatched == [
        "unknown2019: no arXiv record carries DOI 10.1000/xyz123, and no arXiv paper has the "
        "title 'A Paper That Was Never on arXiv'"
    ]
    assert pauses and all(pause == pytest.approx(2.0) for pause in pauses)


JOURNAL_ENTRY = """@article{redundancy2026,
  title = {Redundant Reasoning in Language Models, Measured},
  journal = {Journal of Machine Learning Examples},
  doi = {10.5555/JMLE.2026.0117},
  year = {2026}
}
"""


def test_a_journal_doi_is_matched_through_the_arxiv_record_that_carries_it(
    demo_day: Path, tmp_path: Path
) -> None:
    feed = with_dois(
        demo_day / "api-query.atom.xml",
        {"2605.23926": "10.5555/jmle.2026.0117 10.48550/arXiv.2605.23926"},
        tmp_path / "feed.xml",
    )
    parsed = parse_bibtex(JOURNAL_ENTRY)
    clock = iter(float(n) for n in range(100))
    with fake_arxiv_api(feed) as (url, seen), make_client() as client:
        spacing = Spacing(3.0, clock=lambda: next(clock), sleep=lambda _: None)
        result = resolve(parsed, ApiSource(client, url, [], spacing=spacing))
    # The journal's title differs from the arXiv title, so only the DOI can find the paper.
    assert [paper.id for paper in result.papers] == ["2605.23926"]
    assert result.unmatched == []
    assert [parse_qs(query)["search_query"] for query in seen] == [['doi:"10.5555/jmle.2026.0117"']]


def test_an_answer_without_the_doi_is_not_taken_and_the_title_search_follows(
    demo_day: Path, tmp_path: Path
) -> None:
    # A search that answers loosely: every query gets the record of 2605.23926, which carries
    # another DOI. Neither its DOI nor its title is the entry's, so nothing is seeded.
    feed = with_dois(
        demo_day / "api-query.atom.xml", {"2605.23926": "10.5555/other.1"}, tmp_path / "f.xml"
    )
    one = _only(feed, "2605.23926", tmp_path / "one.xml")
    asked: list[str] = []

    def answer(query: dict[str, list[str]]) -> bytes:
        asked.append(query["search_query"][0])
        return one.read_bytes()

    clock = iter(float(n) for n in range(100))
    with serve_api(answer) as url, make_client() as client:
        spacing = Spacing(3.0, clock=lambda: next(clock), sleep=lambda _: None)
        result = resolve(parse_bibtex(JOURNAL_ENTRY), ApiSource(client, url, [], spacing=spacing))
    assert result.papers == []
    assert result.unmatched == [
        "redundancy2026: no arXiv record carries DOI 10.5555/JMLE.2026.0117, and no arXiv paper "
        "has the title 'Redundant Reasoning in Language Models, Measured'"
    ]
    assert [query.split(":")[0] for query in asked] == ["doi", "ti"]


def _only(feed: Path, paper_id: str, out: Path) -> Path:
    tree = ET.parse(feed)
    root = tree.getroot()
    for entry in root.findall(f"{ATOM}entry"):
        if paper_id not in entry.findtext(f"{ATOM}id", ""):
            root.remove(entry)
    tree.write(out, xml_declaration=True, encoding="utf-8")
    return out


def test_many_dois_go_twenty_to_a_query(demo_day: Path, tmp_path: Path) -> None:
    carried = {"2605.23908": "10.7/a.8", "2605.23926": "10.7/a.26", "2605.23912": "10.7/A.41"}
    feed = with_dois(demo_day / "api-query.atom.xml", carried, tmp_path / "feed.xml")
    asked = [f"10.7/a.{n}" for n in range(45)]
    clock = iter(float(n) for n in range(100))
    with fake_arxiv_api(feed) as (url, seen), make_client() as client:
        spacing = Spacing(3.0, clock=lambda: next(clock), sleep=lambda _: None)
        found = ApiSource(client, url, [], spacing=spacing).fetch_dois(asked)
    assert {doi: paper.id for doi, paper in found.items()} == {
        "10.7/a.8": "2605.23908",
        "10.7/a.26": "2605.23926",
        "10.7/a.41": "2605.23912",
    }
    assert [parse_qs(query)["search_query"][0].count("doi:") for query in seen] == [20, 20, 5]
