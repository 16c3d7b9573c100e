"""``papersift export``: the papers shown in past digests as JSON Lines, CSV or BibTeX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence

from papersift.store.history import ExportRow, dumps, export_dict

_CSV_FIELDS = [
    "date",
    "profile",
    "position",
    "id",
    "version",
    "title",
    "authors",
    "primary_category",
    "categories",
    "score",
    "relevance",
    "novelty",
    "abs_url",
]


def render_jsonl(rows: Sequence[ExportRow]) -> str:
    """One JSON object per line, one line per paper and digest."""
    return "".join(dumps(export_dict(row)) + "\n" for row in rows)


def render_csv(rows: Sequence[ExportRow]) -> str:
    """A header and one row per paper and digest; lists are joined with ``; ``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = export_dict(row)
        values["authors"] = "; ".join(values["authors"])
        values["categories"] = "; ".join(values["categories"])
        writer.writerow({name: values[name] for name in _CSV_FIELDS})
    return buffer.getvalue()


def render_bibtex(rows: Sequence[ExportRow]) -> str:
    """One ``@misc`` entry per paper (the first digest it appeared in), keyed by its arXiv id."""
    seen: set[str] = set()
    entries = []
    for row in rows:
        if row.paper.id in seen:
            continue
        seen.add(row.paper.id)
        entries.append(_bibtex_entry(row))
    return "\n".join(entries)


def _bibtex_entry(row: ExportRow) -> str:
    paper = row.paper
    fields = [
        ("title", _braced(paper.title)),
        ("author", " and ".join(_braced(name) for name in paper.authors)),
        ("year", _year(paper.id, row)),
        ("eprint", paper.id if paper.version is None else f"{paper.id}v{paper.version}"),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary or ""),
        ("url", paper.abs_url),
        ("note", f"Shown in the papersift digest of {row.date.isoformat()} ({row.profile})"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    key = "arxiv:" + re.sub(r"[^A-Za-z0-9.:-]", "-", paper.id)
    return f"@misc{{{key},\n{body}\n}}\n"


def _year(paper_id: str, row: ExportRow) -> str:
    match = re.fullmatch(r"(\d\d)\d\d\.\d{4,5}", paper_id)
    return f"20{match.group(1)}" if match else str(row.date.year)


def _braced(text: str) -> str:
    """``text`` on one line, its braces dropped when unbalanced (BibTeX would misread them)."""
    text = " ".join(text.split())
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    return text if depth == 0 else text.replace("{", "").replace("}", "")


EXPORTERS: dict[str, Callable[[Sequence[ExportRow]], str]] = {
    "jsonl": render_jsonl,
    "csv": render_csv,
    "bibtex": render_bibtex,
}
"""The export formats by name."""
