"""The reply parser: every loose shape a model's reply takes, matched by id."""

from __future__ import annotations

import pytest

from papersift.judge.parse import coerce_score, parse_reply

FIELDS = ("id", "relevance", "novelty", "comment")
ASKED = ["2602.00001", "2602.00002", "2602.00003"]


def scores(text: str, asked: list[str] = ASKED) -> dict[str, tuple[float | None, float | None]]:
    parsed = parse_reply(text, asked, FIELDS)
    return {pid: (item.relevance, item.novelty) for pid, item in parsed.items.items()}


def test_json_lines() -> None:
    text = (
        '{"id": "2602.00001", "relevance": 8, "novelty": 6, "comment": "Dwarfs."}\n'
        '{"id": "2602.00002", "relevance": 3, "novelty": 4, "comment": "Planets."}\n'
    )
    assert scores(text) == {"2602.00001": (8, 6), "2602.00002": (3, 4)}
    assert parse_reply(text, ASKED, FIELDS).items["2602.00001"].comment == "Dwarfs."


def test_structured_object_with_list() -> None:
    text = '{"judgments": [{"id": "2602.00003", "relevance": 9, "novelty": 7, "comment": "x"}]}'
    assert scores(text) == {"2602.00003": (9, 7)}


def test_code_fence_and_prose_around() -> None:
    text = (
        "Sure! Here are the scores:\n```json\n"
        '{"id": "2602.00001", "relevance": 5, "novelty": 5, "comment": "a"}\n'
        "```\nLet me know if you need more."
    )
    assert scores(text) == {"2602.00001": (5, 5)}


def test_reasoning_block_before_the_answer() -> None:
    text = (
        '<think>Paper 2602.00002 looks like {"id": "2602.00002", "relevance": 10}</think>\n'
        '{"id": "2602.00002", "relevance": 4, "novelty": 3, "comment": "b"}'
    )
    assert scores(text) == {"2602.00002": (4, 3)}


def test_unclosed_reasoning_block_yields_nothing() -> None:
    assert scores('<think>{"id": "2602.00002", "relevance": 9, "novelty": 9}') == {}


def test_one_array_instead_of_lines() -> None:
    text = (
        '[{"id": "2602.00001", "relevance": 2, "novelty": 3, "comment": "a"},'
        ' {"id": "2602.00002", "relevance": 7, "novelty": 8, "comment": "b"}]'
    )
    assert scores(text) == {"2602.00001": (2, 3), "2602.00002": (7, 8)}


def test_trailing_commas_and_single_quotes() -> None:
    text = (
        '{"id": "2602.00001", "relevance": 6, "novelty": 2, "comment": "a",}\n'
        "{'id': '2602.00002', 'relevance': 7, 'novelty': 5, 'comment': 'it is fine'}"
    )
    assert scores(text) == {"2602.00001": (6, 2), "2602.00002": (7, 5)}


def test_keys_in_any_case_and_aliases() -> None:
    text = (
        '{"ID": "2602.00001", "Relevance": 8, "NOVELTY": 6, "Comment": "a"}\n'
        '{"arxiv_id": "arXiv:2602.00002v2", "relevance score": 5, "novelty_score": 4}'
    )
    assert scores(text) == {"2602.00001": (8, 6), "2602.00002": (5, 4)}


def test_unquoted_keys() -> None:
    assert scores('{id: "2602.00003", relevance: 7, novelty: 7, comment: "c"}') == {
        "2602.00003": (7, 7)
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8", 8.0), ("7.5", 7.5), (6.0, 6.0), ("8/10", 8.0), ("9 out of 10", 9.0), (3, 3.0)],
)
def test_scores_as_strings_floats_fractions(value: object, expected: float) -> None:
    assert coerce_score(value, "relevance", []) == expected


@pytest.mark.parametrize("value", ["N/A", "", "high", None, True, float("nan"), [8]])
def test_unusable_scores_are_missing(value: object) -> None:
    assert coerce_score(value, "relevance", []) is None


def test_out_of_range_scores_are_clamped_and_flagged() -> None:
    parsed = parse_reply(
        '{"id": "2602.00001", "relevance": 12, "novelty": 0, "comment": "a"}', ASKED, FIELDS
    )
    item = parsed.items["2602.00001"]
    assert (item.relevance, item.novelty) == (10.0, 1.0)
    assert item.flags == ["relevance clamped from 12 to 10", "novelty clamped from 0 to 1"]


def test_na_relevance_counts_as_missing() -> None:
    parsed = parse_reply('{"id": "2602.00001", "relevance": "N/A", "novelty": 5}', ASKED, FIELDS)
    assert parsed.items == {}
    assert parsed.unusable == 1


def test_matched_by_id_never_by_position() -> None:
    text = (
        '{"id": "2602.00003", "relevance": 9, "novelty": 9, "comment": "third"}\n'
        '{"id": "2602.00001", "relevance": 1, "novelty": 1, "comment": "first"}'
    )
    parsed = parse_reply(text, ASKED, FIELDS)
    assert parsed.items["2602.00003"].comment == "third"
    assert parsed.items["2602.00001"].comment == "first"
    assert "2602.00002" not in parsed.items


def test_unknown_ids_are_ignored_and_listed() -> None:
    text = (
        '{"id": "9999.99999", "relevance": 10, "novelty": 10, "comment": "invented"}\n'
        '{"id": "2602.00002", "relevance": 4, "novelty": 4, "comment": "b"}'
    )
    parsed = parse_reply(text, ASKED, FIELDS)
    assert set(parsed.items) == {"2602.00002"}
    assert parsed.unknown == ["9999.99999"]


def test_cut_off_reply_keeps_its_whole_objects() -> None:
    text = (
        '{"judgments": [{"id": "2602.00001", "relevance": 8, "novelty": 6, "comment": "a"}, '
        '{"id": "2602.00002", "relevance": 5, "novelty": 4, "comment": "half a sen'
    )
    assert scores(text) == {"2602.00001": (8, 6)}


def test_cut_off_json_lines_keep_whole_lines() -> None:
    text = (
        '{"id": "2602.00001", "relevance": 8, "novelty": 6, "comment": "a"}\n'
        '{"id": "2602.00002", "relevance": 5, "nov'
    )
    assert scores(text) == {"2602.00001": (8, 6)}


def test_a_paper_named_twice_keeps_its_first_answer() -> None:
    text = (
        '{"id": "2602.00001", "relevance": 3, "novelty": 3, "comment": "a"}\n'
        '{"id": "2602.00001", "relevance": 10, "novelty": 10, "comment": "again"}'
    )
    assert scores(text) == {"2602.00001": (3, 3)}


def test_title_pass_fields_ignore_novelty() -> None:
    parsed = parse_reply('{"id": "2602.00001", "relevance": 2}', ASKED, ("id", "relevance"))
    assert parsed.items["2602.00001"].relevance == 2
    assert parsed.items["2602.00001"].novelty is None


@pytest.mark.parametrize("text", ["", "no json here", "{", "}{", "[1, 2, 3]", '{"id": null}'])
def test_garbage_never_raises(text: str) -> None:
    assert parse_reply(text, ASKED, FIELDS).items == {}
