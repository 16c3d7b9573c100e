"""The Markdown digest, in the layout readers of the GPT paper assistant digests know.

Text from papers is kept as written, TeX included, with the few changes that keep the layout
whole: in titles, backticks and unbalanced square brackets are escaped (a backslash before
either, or at the end, is doubled) so the linked title stays one link; anywhere, a ``<`` that
would open an HTML tag or comment is written ``&lt;``; and runs of whitespace become one space.
The interests closing the digest keep their text, their headings moved below ``## Interests``.
"""

from __future__ import annotations

import re

from papersift.models import NO_ABSTRACT, Digest, DigestEntry, Usage
from papersift.render.money import format_usd

_TAG_START = re.compile(
    r"<(?=[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|/[A-Za-z][A-Za-z0-9-]*\s*>|!--|\?|!\[CDATA\[)"
)
_HEADING = re.compile(r"^(#{1,4}) ", re.MULTILINE)


def render_markdown(digest: Digest) -> str:
    """The whole digest as Markdown."""
    parts = [f"# Personalized Daily ArXiv Papers {digest.date.isoformat()}", ""]
    if digest.backfilled:
        parts += ["> Backfilled: this day was filled in later from the arXiv API.", ""]
    parts += [f"> **Note:** {_inline(notice)}" for notice in digest.notices]
    if digest.notices:
        parts.append("")
    for usage in digest.usage or [Usage(model=digest.ranker or "local")]:
        parts += [*_usage_table(usage), ""]
    parts += [
        f"Total arXiv papers: {digest.total_papers}",
        "",
        f"Total scanned papers: {digest.scanned_papers}",
        "",
        f"Total relevant papers: {digest.relevant_papers}",
        "",
    ]
    if digest.entries:
        parts += ["**Table of contents with paper titles:**", ""]
        for number, entry in enumerate(digest.entries, 1):
            parts += [
                f"{number}. [{_title(entry.paper.title)}](#user-content-link{number})",
                f"**Authors:** {_authors(entry)}",
                "",
            ]
        parts += ["---", ""]
        for number, entry in enumerate(digest.entries, 1):
            parts += [*_section(number, entry), "---", ""]
    parts += _selection_prompt(digest)
    return "\n".join(parts).rstrip() + "\n"


def _usage_table(usage: Usage) -> list[str]:
    return [
        f"| *[{usage.model}]* | Prompt | Completion | Total |",
        "|:---:|:---:|:---:|:---:|",
        f"| **Token** | {usage.prompt_tokens} | {usage.completion_tokens} | {usage.total_tokens} |",
        f"| **Cost** | {_money(usage.prompt_cost)} | {_money(usage.completion_cost)} "
        f"| {_money(usage.cost)} |",
    ]


def _money(value: float | None) -> str:
    return format_usd(value)


def _section(number: int, entry: DigestEntry) -> list[str]:
    paper = entry.paper
    lines = [
        f'## {number}. [{_title(paper.title)}]({paper.abs_url}) <a id="link{number}"></a>',
        "",
        f"**ArXiv ID:** {paper.id}",
        "",
        f"**Authors:** {_authors(entry)}",
        "",
        f"**Abstract:** {_inline(paper.abstract) or f'*{NO_ABSTRACT}*'}",
        "",
    ]
    if entry.comment:
        lines += [f"**Comment:** {_inline(entry.comment)}", ""]
    if entry.relevance is not None or entry.novelty is not None:
        lines += [
            f"**Relevance:** {_score(entry.relevance)}",
            f"**Novelty:** {_score(entry.novelty)}",
        ]
    else:
        lines.append(f"**Relevance:** {entry.score:.2f} (local score, not judged)")
    if entry.flags:
        lines += ["", f"**Flags:** {_inline('; '.join(entry.flags))}"]
    return [*lines, ""]


def _selection_prompt(digest: Digest) -> list[str]:
    lines = ["# Paper Selection Prompt", ""]
    if digest.criteria_text:
        lines += ["## Scoring Criteria", "", digest.criteria_text.strip(), ""]
    interests = _HEADING.sub(r"##\1 ", digest.interests_text.strip())
    lines += ["## Interests", "", interests or "(none)", ""]
    return lines


def _score(value: float | None) -> str:
    if value is None:
        return "n/a"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _authors(entry: DigestEntry) -> str:
    names = [_inline(name) for name in entry.paper.authors]
    watched = set(entry.watched_authors)
    if watched:
        return ", ".join(names) + f" (watched: {_inline(', '.join(sorted(watched)))})"
    return ", ".join(names)


def _title(text: str) -> str:
    text = _inline(text)
    specials = "`" if _balanced(text) else "`[]"
    text = re.sub(rf"\\(?=\\*(?:[{re.escape(specials)}]|$))", r"\\\\", text)
    return re.sub(f"([{re.escape(specials)}])", r"\\\1", text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\.", "", text):
        depth += (char == "[") - (char == "]")
        if depth < 0:
            return False
    return depth == 0 and "](" not in text


def _inline(text: str) -> str:
    return _TAG_START.sub("&lt;", " ".join(text.split()))
