"""Seeds from the reader's library: BibTeX, RIS, CSL-JSON or a list of arXiv ids, as positives.

Each format is parsed into :class:`Reference` values (an arXiv id, a DOI, a title, whichever the
entry has); a malformed entry is reported and skipped, never fatal. References are resolved
through the arXiv API: ids directly (in pages, one request at most every 3 seconds), arXiv DOIs
(``10.48550/arXiv.*``) as ids, any other DOI by arXiv's ``doi:`` search (many DOIs a query; the
answer must carry that DOI in its ``arxiv:doi``), and the rest, or a DOI arXiv does not know, by
a title search whose answer must carry the same title. What cannot be resolved is reported. A
Zotero library read through its web API gives the same references (see
:mod:`papersift.seed_zotero`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from papersift.errors import FeedError, InputError
from papersift.models import ArxivId, Paper
from papersift.profile import Example
from papersift.sources.api import ApiSource

logger = logging.getLogger(__name__)

SeedFormat = Literal["bibtex", "ris", "csl-json", "ids"]

_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:\s/]*|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of the reader's library, as far as it identifies a paper."""

    label: str
    """How the entry is named in messages: its key, or its position in the file."""
    arxiv_id: str | None = None
    doi: str | None = None
    title: str | None = None


@dataclass(slots=True)
class Parsed:
    """The references a file holds and the entries that could not be read."""

    references: list[Reference] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SeedResult:
    """What an import found, and what it could not."""

    papers: list[Paper] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A report for the terminal."""
        out = [
            f"Seeded {len(self.papers)} paper(s); {len(self.unmatched)} not matched; "
            f"{len(self.malformed)} malformed entr{'y' if len(self.malformed) == 1 else 'ies'}."
        ]
        out += [f"  not matched: {line}" for line in self.unmatched]
        out += [f"  malformed: {line}" for line in self.malformed]
        return out


def read_library(path: Path, kind: SeedFormat) -> Parsed:
    """Parse the library file ``path`` of the given format.

    Raises:
        InputError: the file cannot be read, or (CSL-JSON) is not JSON at all.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Library file {str(path)!r} cannot be read: {exc}.") from None
    parsers = {"bibtex": parse_bibtex, "ris": parse_ris, "csl-json": parse_csl_json}
    parsed = parsers[kind](text) if kind in parsers else parse_ids(text)
    logger.info(
        "Library %s: %d reference(s), %d malformed",
        path,
        len(parsed.references),
        len(parsed.malformed),
    )
    return parsed


def make_reference(label: str, arxiv: str | None, doi: str | None, title: str | None) -> Reference:
    """A reference from an entry's text: the first arXiv id found in ``arxiv`` or ``doi``."""
    arxiv_id = None
    for text in (arxiv, doi):
        if not text:
            continue
        arxiv_id = _arxiv_from(text)
        if arxiv_id:
            break
    return Reference(label, arxiv_id, (doi or "").strip() or None, _squash(title) or None)


def _arxiv_from(text: str) -> str | None:
    text = text.strip()
    doi = _ARXIV_DOI.match(text)
    candidate = doi.group("id") if doi else text
    try:
        return ArxivId.parse(candidate).id
    except ValueError:
        match = _ARXIV_IN_TEXT.search(text)
        return ArxivId.parse(match.group(1)).id if match else None


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[{}]", "", text or "")).strip()


def parse_ids(text: str) -> Parsed:
    """One arXiv id (or abstract URL) per line; ``#`` starts a comment."""
    parsed = Parsed()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        arxiv_id = _arxiv_from(line)
        if arxiv_id is None:
            parsed.malformed.append(f"line {number}: {line!r} is not an arXiv id")
        else:
            parsed.references.append(Reference(f"line {number}", arxiv_id))
    return parsed


def parse_ris(text: str) -> Parsed:
    """RIS records (``TY  -`` to ``ER  -``); a record lacking any id or title is malformed."""
    parsed = Parsed()
    record: dict[str, list[str]] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^([A-Z][A-Z0-9])  -\s?(.*)$", line)
        if not match:
            if line.strip() and record is None:
                parsed.malformed.append(f"line {number}: not a RIS tag line: {line[:60]!r}")
            continue
        tag, value = match.group(1), match.group(2).strip()
        if tag == "TY":
            if record is not None:
                parsed.malformed.append(f"record at line {start}: no ER line before line {number}")
            record, start = {}, number
        elif record is None:
            parsed.malformed.append(f"line {number}: {tag} outside a record (no TY line)")
        elif tag == "ER":
            _add_ris(parsed, record, f"record at line {start}")
            record = None
        else:
            record.setdefault(tag, []).append(value)
    if record is not None:
        parsed.malformed.append(f"record at line {start}: ends without an ER line")
    return parsed


def _add_ris(parsed: Parsed, record: dict[str, list[str]], label: str) -> None:
    def first(*tags: str) -> str | None:
        return next((record[t][0] for t in tags if record.get(t)), None)

    links = " ".join(record.get("UR", []) + record.get("L1", []) + record.get("N1", []))
    arxiv = first("AN") if (first("AN") or "").lower().startswith("arxiv") else None
    reference = make_reference(label, arxiv or links or None, first("DO"), first("TI", "T1"))
    keep_reference(parsed, reference)


def keep_reference(parsed: Parsed, reference: Reference) -> None:
    """Add ``reference`` to ``parsed``, or report it malformed when it identifies nothing."""
    if reference.arxiv_id or reference.doi or reference.title:
        parsed.references.append(reference)
    else:
        parsed.malformed.append(f"{reference.label}: no arXiv id, DOI or title")


def parse_csl_json(text: str) -> Parsed:
    """A CSL-JSON array of items (as Zotero and citation managers export).

    Raises:
        InputError: the text is not a JSON array.
    """
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise InputError(
            f"The CSL-JSON library is not valid JSON: {exc}.",
            "Export the library again as CSL JSON, or use --bibtex or --ris.",
        ) from None
    if isinstance(items, dict) and isinstance(items.get("items"), list):
        items = items["items"]
    if not isinstance(items, list):
        raise InputError("The CSL-JSON library is not a JSON array of items.")
    parsed = Parsed()
    for index, item in enumerate(items, 1):
        label = f"item {index}"
        if not isinstance(item, dict):
            parsed.malformed.append(f"{label}: not a JSON object")
            continue
        label = f"item {index} ({item['id']})" if item.get("id") else label
        arxiv = " ".join(
            str(item.get(key) or "")
            for key in ("arxiv", "number", "URL", "note", "archive_location")
        )
        title = item.get("title")
        keep_reference(parsed, make_reference(label, arxiv, _text(item.get("DOI")), _text(title)))
    return parsed


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_bibtex(text: str) -> Parsed:
    """BibTeX entries; an entry with unbalanced braces or no key is reported and skipped."""
    parsed = Parsed()
    for match in re.finditer(r"@\s*([A-Za-z]+)\s*([{(])", text):
        kind = match.group(1).lower()
        if kind in {"comment", "preamble", "string"}:
            continue
        line = text.count("\n", 0, match.start()) + 1
        body = _balanced(text, match.end(), "}" if match.group(2) == "{" else ")")
        if body is None or "@" in _strip_braced(body).split(",", 1)[0]:
            parsed.malformed.append(f"entry at line {line}: unbalanced braces")
            continue
        key, _, rest = body.partition(",")
        if not key.strip() or "=" in key:
            parsed.malformed.append(f"entry at line {line}: no citation key")
            continue
        fields = _bibtex_fields(rest)
        if fields is None:
            parsed.malformed.append(f"entry {key.strip()!r} at line {line}: unreadable fields")
            continue
        arxiv = " ".join(
            fields.get(name, "") for name in ("eprint", "arxiv", "url", "journal", "note")
        )
        if fields.get("archiveprefix", "").lower() == "arxiv" and fields.get("eprint"):
            arxiv = f"arXiv:{fields['eprint']}"
        keep_reference(
            parsed, make_reference(key.strip(), arxiv, fields.get("doi"), fields.get("title"))
        )
    return parsed


def _balanced(text: str, start: int, closer: str) -> str | None:
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
        elif char == closer and depth == 0:
            return text[start:index]
        elif char == "@" and depth == 0 and text[index - 1] == "\n":
            return None
    return None


def _strip_braced(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)


def _bibtex_fields(text: str) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    position = 0
    pattern = re.compile(r"\s*,?\s*([A-Za-z][\w\-]*)\s*=\s*")
    while position < len(text.rstrip(", \n\t")):
        match = pattern.match(text, position)
        if not match:
            return None
        name, position = match.group(1).lower(), match.end()
        value, position = _bibtex_value(text, position)
        if value is None:
            return None
        fields[name] = _squash(value)
    return fields


def _bibtex_value(text: str, position: int) -> tuple[str | None, int]:
    if position >= len(text):
        return None, position
    opener = text[position]
    if opener in '{"':
        closer = "}" if opener == "{" else '"'
        depth = 0
        for index in range(position + 1, len(text)):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}" and depth > 0 and not (closer == "}" and depth == 0):
                depth -= 1
            elif char == closer and depth == 0:
                return text[position + 1 : index], index + 1
        return None, position
    match = re.match(r"[\w\-.:/]+", text[position:])
    if not match:
        return None, position
    return match.group(0), position + match.end()


def resolve(parsed: Parsed, api: ApiSource, date: dt.date | None = None) -> SeedResult:
    """Resolve references to papers through the arXiv API; unresolved ones are reported.

    Raises:
        FeedError: the API cannot be reached or refuses a query.
    """
    result = SeedResult(malformed=list(parsed.malformed))
    by_id = [r for r in parsed.references if r.arxiv_id]
    if by_id:
        listing = api.fetch_ids(sorted({r.arxiv_id for r in by_id if r.arxiv_id}))
        for reference in by_id:
            paper = listing.papers.get(reference.arxiv_id or "")
            if paper is None:
                result.unmatched.append(f"{reference.label}: arXiv {reference.arxiv_id} not found")
            elif paper not in result.papers:
                result.papers.append(paper)
    by_doi = _by_doi(api, [r.doi for r in parsed.references if r.doi and not r.arxiv_id])
    for reference in parsed.references:
        if reference.arxiv_id:
            continue
        paper = by_doi.get((reference.doi or "").lower())
        if paper is None and reference.title:
            paper = _by_title(api, reference)
        if paper is None:
            result.unmatched.append(_unmatched(reference))
        elif paper not in result.papers:
            result.papers.append(paper)
    return result


def _unmatched(reference: Reference) -> str:
    parts = [f"no arXiv record carries DOI {reference.doi}" if reference.doi else "no arXiv id"]
    if reference.title:
        parts.append(f"no arXiv paper has the title {reference.title[:70]!r}")
    return f"{reference.label}: {', and '.join(parts)}"


def _by_doi(api: ApiSource, dois: list[str]) -> dict[str, Paper]:
    if not dois:
        return {}
    try:
        return api.fetch_dois(dois)
    except FeedError as exc:
        logger.warning("DOI search failed, titles are searched instead: %s", exc.message)
        return {}


# TODO(#7): titles are searched one per request, 3 s apart; a library of many title-only
# entries takes minutes to seed.
def _by_title(api: ApiSource, reference: Reference) -> Paper | None:
    title = reference.title or ""
    words = re.sub(r"[^\w\s\-]", " ", title).split()
    if not words:
        return None
    query = "ti:" + " AND ti:".join(words[:12])
    try:
        listing = api.fetch_query(query, max_results=5)
    except FeedError as exc:
        logger.warning("Title search for %s failed: %s", reference.label, exc.message)
        return None
    wanted = _normal(title)
    return next((p for p in listing.papers.values() if _normal(p.title) == wanted), None)


def _normal(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", _squash(title).lower()).strip()


def seed_examples(papers: list[Paper], date: dt.date) -> list[Example]:
    """The seeded papers as positive examples dated ``date``."""
    return [Example(paper, date, None, None, "seed") for paper in papers]
