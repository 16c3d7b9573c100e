"""The Markdown digest: the known layout, TeX kept, titles that cannot break it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from digests import sections, toc_links

from papersift.models import Digest, DigestEntry, Paper, Usage
from papersift.render import render_markdown

TRICKY = [
    r"$\mathcal{O}(n^2)$ attention with $[0,1]$-valued gates",
    "Unbalanced [bracket in a title",
    "A closing] bracket",
    "Code `spans` and ``LaTeX quotes''",
    "Links [inside](http://example.com) titles",
    "Tags <b>bold</b> and a < b > c",
    r"A trailing backslash \\",
    r"Escaped \[x\] and *stars* and _under_ |pipes|",
    "# Not a heading",
]


def _entry(number: int, title: str, **extra) -> DigestEntry:
    paper = Paper(
        f"2605.{number:05d}",
        1,
        title,
        ("Ana Mart\\'inez", "Bo Li"),
        r"We prove $\|x\|_2 \le \epsilon$ for $x<y$ and cite [1].",
        ("cs.LG",),
    )
    return DigestEntry(paper, 0.5 - number / 100, "Topic", "Best match: Topic.", "new", **extra)


def _digest(titles: list[str], **extra) -> Digest:
    entries = [_entry(i, title) for i, title in enumerate(titles, 1)]
    return Digest(
        date=dt.date(2026, 5, 26),
        profile="p",
        entries=entries,
        total_papers=307,
        scanned_papers=250,
        interests_text="# My interests\n\n## Topics\n\n1. Topic\n   - Relevant: things",
        ranker="embedding:m",
        **extra,
    )


def test_layout_matches_the_reference_digest(shared_data: Path) -> None:
    reference = (shared_data.parent / "examples/digest-2025-04-07.md").read_text()
    ours = render_markdown(_digest(["First", "Second"]))
    patterns = [
        r"^# Personalized Daily ArXiv Papers \d{4}-\d{2}-\d{2}$",
        r"^\| \*\[[^\]]+\]\* +\| Prompt +\| Completion +\| Total +\|$",
        r"^\| \*\*Token\*\* +\| \d+ +\| \d+ +\| \d+ +\|$",
        r"^\| \*\*Cost\*\* +\| \$\d+\.\d\d +\| \$\d+\.\d\d +\| \$\d+\.\d\d +\|$",
        r"^Total arXiv papers: \d+$",
        r"^Total scanned papers: \d+$",
        r"^Total relevant papers: \d+$",
        r"^\*\*Table of contents with paper titles:\*\*$",
        r"^1\. \[.+\]\(#user-content-link1\)$",
        r"^\*\*Authors:\*\* .+$",
        r'^## 1\. \[.+\]\(https://arxiv\.org/abs/[\d.]+\) <a id="link1"></a>$',
        r"^\*\*ArXiv ID:\*\* [\d.]+$",
        r"^\*\*Abstract:\*\* .+$",
        r"^\*\*Comment:\*\* .+$",
        r"^\*\*Relevance:\*\* .+$",
        r"^---$",
        r"^# Paper Selection Prompt$",
    ]
    for pattern in patterns:
        assert re.search(pattern, reference, re.MULTILINE), pattern
        assert re.search(pattern, ours, re.MULTILINE), pattern
    order = [
        "# Personalized",
        "| **Token**",
        "Total arXiv",
        "**Table of contents",
        "## 1. ",
        "# Paper Selection",
    ]
    assert [ours.index(mark) for mark in order] == sorted(ours.index(mark) for mark in order)


def test_local_mode_has_zero_tokens_and_cost() -> None:
    text = render_markdown(_digest(["One"]))
    assert "| *[embedding:m]* | Prompt | Completion | Total |" in text
    assert "| **Token** | 0 | 0 | 0 |" in text and "| **Cost** | $0.00 | $0.00 | $0.00 |" in text
    assert (
        "Total arXiv papers: 307\n\nTotal scanned papers: 250\n\nTotal relevant papers: 1\n" in text
    )
    assert "**Relevance:** 0.49 (local score, not judged)" in text


def test_judged_entries_show_relevance_and_novelty_and_usage() -> None:
    digest = _digest([])
    digest.entries = [_entry(1, "Judged", relevance=9.0, novelty=7.5, status="judged")]
    digest.usage = [
        Usage("gpt-x", 1200, 300, cost=0.0123, prompt_cost=0.01, completion_cost=0.0023)
    ]
    text = render_markdown(digest)
    assert "**Relevance:** 9\n**Novelty:** 7.5" in text
    assert "| **Token** | 1200 | 300 | 1500 |" in text and "| $0.0123 |" in text


def test_costs_under_a_dollar_keep_four_decimals_so_the_parts_add_up() -> None:
    digest = _digest([])
    digest.usage = [
        Usage("gpt-x", 19818, 3944, cost=0.0139, prompt_cost=0.0076, completion_cost=0.0063),
        Usage("gpt-y", 10, 5, cost=2.5, prompt_cost=2.0, completion_cost=0.5),
    ]
    text = render_markdown(digest)
    assert "| **Cost** | $0.0076 | $0.0063 | $0.0139 |" in text
    assert "| **Cost** | $2.00 | $0.5000 | $2.50 |" in text


def test_unpriced_model_is_not_shown_as_free() -> None:
    digest = _digest(
        ["x"], usage=[Usage("local-llm", 10, 5, cost=None, prompt_cost=None, completion_cost=None)]
    )
    assert "| **Cost** | unpriced | unpriced | unpriced |" in render_markdown(digest)


def test_tex_is_kept_as_written() -> None:
    text = render_markdown(_digest([TRICKY[0]]))
    assert r"$\mathcal{O}(n^2)$ attention with $[0,1]$-valued gates" in text
    assert r"**Abstract:** We prove $\|x\|_2 \le \epsilon$ for $x<y$ and cite [1]." in text
    assert "Ana Mart\\'inez" in text


@pytest.mark.parametrize("title", TRICKY)
def test_markdown_special_titles_keep_the_layout(title: str) -> None:
    text = render_markdown(_digest(["Plain first", title, "Plain last"]))
    found = sections(text)
    assert [s.number for s in found] == [1, 2, 3]
    assert [s.anchor for s in found] == ["link1", "link2", "link3"]
    assert [s.arxiv_id for s in found] == ["2605.00001", "2605.00002", "2605.00003"]
    assert [s.href for s in found] == [f"https://arxiv.org/abs/2605.0000{i}" for i in (1, 2, 3)]
    assert found[0].title_text == "Plain first" and found[2].title_text == "Plain last"
    toc = toc_links(text)
    assert [href for _, href in toc] == [f"#user-content-link{i}" for i in (1, 2, 3)]
    shown = re.sub(r"[*_\\]", "", found[1].title_text)
    assert shown.split()[0] == re.sub(r"[*_\\]", "", title).split()[0]
    assert "<b>" not in text


def test_interests_close_the_digest_below_their_heading() -> None:
    text = render_markdown(_digest(["x"]))
    tail = text.split("# Paper Selection Prompt", 1)[1]
    assert (
        "## Interests\n\n### My interests\n\n#### Topics\n\n1. Topic\n   - Relevant: things" in tail
    )


def test_notices_and_an_empty_day() -> None:
    digest = _digest(
        [], notices=["No announcements on 2026-05-30: arXiv does not announce on weekends."]
    )
    text = render_markdown(digest)
    assert "> **Note:** No announcements on 2026-05-30" in text
    assert "Total relevant papers: 0" in text and "Table of contents" not in text
