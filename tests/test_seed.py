"""Seeds from a library: each format parsed, malformed entries reported, ids resolved locally."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from _fake_arxiv import fake_arxiv_api
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
    # One id query and two title searches, each after the 3-second spacing.
    assert len(seen) == 3
    assert "id_list=" in seen[0]
    assert pauses and all(pause == pytest.approx(2.0) for pause in pauses)
