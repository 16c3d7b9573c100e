"""Reading the judge's replies, however loosely they follow the asked-for format.

A reply is searched for JSON objects (a structured reply's ``judgments`` list, an array, or one
object per line, inside code fences or prose, after a ``<think>`` block). Objects that do not
parse as JSON are repaired where the intent is plain: trailing commas, single quotes, unquoted
keys. Keys are matched in any case and under common aliases (the short ``rel``, ``nov`` and
``note`` the prompt asks for, the long names, and others); scores given as strings, floats or
``8/10`` are read, ``N/A`` counts as missing, and a score out of 1-10 is clamped and flagged.
Objects are matched to papers by id, never by their position in the reply.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from papersift.models import ArxivId

logger = logging.getLogger(__name__)

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_OPEN_THINK = re.compile(r"^\s*<(think|thinking|reasoning)>", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][\w \-]*?)\s*:")
_FRACTION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*10|out of 10)?\s*$", re.IGNORECASE)
_ALIASES = {
    "id": "id",
    "arxiv_id": "id",
    "arxivid": "id",
    "arxiv": "id",
    "paper_id": "id",
    "paper": "id",
    "relevance": "relevance",
    "relevance_score": "relevance",
    "rel": "relevance",
    "r": "relevance",
    "novelty": "novelty",
    "novelty_score": "novelty",
    "nov": "novelty",
    "n": "novelty",
    "comment": "comment",
    "note": "comment",
    "c": "comment",
    "why": "comment",
    "reason": "comment",
    "reasoning": "comment",
    "explanation": "comment",
    "justification": "comment",
}
_LOW, _HIGH = 1.0, 10.0


@dataclass(slots=True)
class ReplyItem:
    """One paper's scores as read from a reply."""

    paper_id: str
    relevance: float | None
    novelty: float | None
    comment: str
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedReply:
    """What one reply said about the papers it was asked about."""

    items: dict[str, ReplyItem]
    """Paper id to its scores, for the asked-about papers the reply named."""
    unknown: list[str] = field(default_factory=list)
    """Ids in the reply that were not asked about."""
    unusable: int = 0
    """Objects that named an asked-about paper but had no usable score."""


def parse_reply(text: str, asked: Iterable[str], fields: tuple[str, ...]) -> ParsedReply:
    """Read the objects of ``text`` that answer for the paper ids in ``asked``.

    Only complete objects count, so a reply cut off mid-object yields its whole objects and
    the papers after them are simply missing. A paper named twice keeps its first answer.
    """
    wanted = set(asked)
    parsed = ParsedReply(items={})
    for record in _records(_strip_reasoning(text)):
        item = _item(record, fields)
        if item is None:
            continue
        if item.paper_id not in wanted:
            parsed.unknown.append(item.paper_id)
            continue
        if item.paper_id in parsed.items:
            logger.debug("Reply names %s twice; the first answer is kept", item.paper_id)
            continue
        if item.relevance is None:
            parsed.unusable += 1
            continue
        parsed.items[item.paper_id] = item
    if parsed.unknown:
        logger.warning("Reply named papers not asked about, ignored: %s", ", ".join(parsed.unknown))
    return parsed


def coerce_score(value: object, name: str, flags: list[str]) -> float | None:
    """A 1-10 score from a number or text such as ``"8"``, ``"7.5"``, ``"8/10"``.

    Unusable values (``"N/A"``, empty, booleans) give ``None``; a value out of range is clamped
    and a flag says so.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _FRACTION.match(value)
        if not match:
            return None
        number = float(match.group(1))
    else:
        return None
    if number != number:  # NaN
        return None
    if number < _LOW or number > _HIGH:
        clamped = min(max(number, _LOW), _HIGH)
        flags.append(f"{name} clamped from {number:g} to {clamped:g}")
        return clamped
    return number


def _strip_reasoning(text: str) -> str:
    text = _THINK.sub("", text)
    if _OPEN_THINK.match(text):
        # An unclosed reasoning block: nothing after it is an answer.
        return ""
    return text


def _records(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``text``, outermost first, descending into wrappers and arrays."""
    for segment in _segments(text):
        value = _load(segment)
        if value is None:
            # An object that does not parse even after repair may still hold whole ones.
            yield from _records(segment[1:])
            continue
        yield from _flatten(value)


def _flatten(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for element in value:
            yield from _flatten(element)
    elif isinstance(value, dict):
        keys = {_key(k) for k in value}
        if "id" in keys:
            yield value
        else:
            for inner in value.values():
                if isinstance(inner, list | dict):
                    yield from _flatten(inner)


def _segments(text: str) -> Iterator[str]:
    """Balanced ``{...}`` spans at the outermost level; an unbalanced start is skipped past."""
    position = 0
    while True:
        start = text.find("{", position)
        if start < 0:
            return
        end = _match_brace(text, start)
        if end is None:
            position = start + 1
            continue
        yield text[start : end + 1]
        position = end + 1


def _match_brace(text: str, start: int) -> int | None:
    depth = 0
    quote: str | None = None
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote or char == "\n":
                quote = None
            continue
        if char in "\"'" and _opens_string(text, index):
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _opens_string(text: str, index: int) -> bool:
    """Whether a quote starts a string rather than being an apostrophe inside a word."""
    if text[index] == '"':
        return True
    before = text[index - 1] if index else " "
    return not before.isalnum()


def _load(segment: str) -> Any:
    try:
        return json.loads(segment)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", segment)
    try:
        return json.loads(repaired)
    except ValueError:
        pass
    pythonic = re.sub(r"\btrue\b", "True", repaired)
    pythonic = re.sub(r"\bfalse\b", "False", pythonic)
    pythonic = re.sub(r"\bnull\b", "None", pythonic)
    for candidate in (pythonic, _BARE_KEY.sub(r'\1"\2":', pythonic)):
        try:
            return ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None


def _key(name: object) -> str:
    text = re.sub(r"[\s\-]+", "_", str(name).strip().lower())
    return _ALIASES.get(text, text)


def _item(record: dict[str, Any], fields: tuple[str, ...]) -> ReplyItem | None:
    values = {_key(k): v for k, v in record.items()}
    paper_id = _paper_id(values.get("id"))
    if paper_id is None:
        return None
    flags: list[str] = []
    relevance = coerce_score(values.get("relevance"), "relevance", flags)
    novelty = coerce_score(values.get("novelty"), "novelty", flags) if "novelty" in fields else None
    comment = values.get("comment")
    return ReplyItem(
        paper_id, relevance, novelty, "" if comment is None else str(comment).strip(), flags
    )


def _paper_id(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().strip("[]()<>")
    if not text:
        return None
    try:
        return ArxivId.parse(text).id
    except ValueError:
        return text
