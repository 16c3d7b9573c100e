"""arXiv identifiers: both styles, versions, the prefixes feeds put before them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from papersift.models import ArxivId


@pytest.mark.parametrize(
    ("text", "paper_id", "version"),
    [
        ("2501.01234", "2501.01234", None),
        ("2501.01234v2", "2501.01234", 2),
        ("0704.0001v1", "0704.0001", 1),
        ("1412.6980v9", "1412.6980", 9),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v2", "hep-th/9901001", 2),
        ("math.GT/0309136v1", "math.GT/0309136", 1),
        ("cond-mat/0001001v12", "cond-mat/0001001", 12),
        ("oai:arXiv.org:2605.23908v1", "2605.23908", 1),
        ("arXiv:2605.23908v3", "2605.23908", 3),
        ("https://arxiv.org/abs/2605.23908", "2605.23908", None),
        ("http://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
        ("https://arxiv.org/pdf/2605.23908v1.pdf", "2605.23908", 1),
        ("http://export.arxiv.org/abs/2605.23908v2", "2605.23908", 2),
        ("  2605.23908v1\n", "2605.23908", 1),
    ],
)
def test_parse_known_forms(text: str, paper_id: str, version: int | None) -> None:
    parsed = ArxivId.parse(text)
    assert (parsed.id, parsed.version) == (paper_id, version)


@pytest.mark.parametrize(
    "text",
    ["", "2501.123", "2501.123456", "v2", "hep-th/990100", "2501.01234v", "HEP-TH/9901001", "x"],
)
def test_parse_refuses_what_is_not_an_id(text: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv identifier"):
        ArxivId.parse(text)


def test_str_joins_id_and_version() -> None:
    assert str(ArxivId("2501.01234", 2)) == "2501.01234v2"
    assert str(ArxivId("hep-th/9901001")) == "hep-th/9901001"


new_ids = st.builds(
    lambda yymm, number, width: f"{yymm:04d}.{number:0{width}d}",
    st.integers(701, 9912),
    st.integers(0, 9999),
    st.sampled_from([4, 5]),
)
old_ids = st.builds(
    lambda archive, sub, number: f"{archive}{sub}/{number:07d}",
    st.sampled_from(["hep-th", "math", "cond-mat", "astro-ph", "q-bio", "nlin"]),
    st.sampled_from(["", ".GT", ".AG", ".CO"]),
    st.integers(0, 9_999_999),
)
versions = st.one_of(st.none(), st.integers(1, 99))
prefixes = st.sampled_from(
    ["", "arXiv:", "oai:arXiv.org:", "https://arxiv.org/abs/", "http://export.arxiv.org/abs/"]
)


@given(st.one_of(new_ids, old_ids), versions, prefixes)
def test_round_trip_keeps_id_and_version_apart(
    paper_id: str, version: int | None, prefix: str
) -> None:
    text = paper_id if version is None else f"{paper_id}v{version}"
    parsed = ArxivId.parse(prefix + text)
    assert parsed.id == paper_id
    assert parsed.version == version
    assert str(parsed) == text
    assert ArxivId.parse(str(parsed)) == parsed


@given(st.one_of(new_ids, old_ids), st.integers(1, 99), st.integers(1, 99))
def test_versions_of_one_paper_share_the_id(paper_id: str, first: int, second: int) -> None:
    assert ArxivId.parse(f"{paper_id}v{first}").id == ArxivId.parse(f"{paper_id}v{second}").id
