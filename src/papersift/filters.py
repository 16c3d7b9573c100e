"""The deterministic rules applied before ranking: announce types, categories, keywords, authors.

A paper is ``kept`` or ``dropped`` with the reason; papers by a watched author are kept whatever
the keyword rules say, and rank first in the digest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from papersift._names import name_key, same_author
from papersift.config import FilterSettings
from papersift.errors import ConfigError
from papersift.models import ANNOUNCE_TYPES, AnnounceType, Listing, Paper


@dataclass(slots=True)
class FilterOutcome:
    """The papers kept, those dropped with their reason, and the watchlist hits."""

    kept: list[Paper] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    watched: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Paper id to the watched authors found in it."""
    announce_type: dict[str, AnnounceType] = field(default_factory=dict)
    """Paper id to its main announce type (new before cross before replacements)."""


def compile_keywords(patterns: Iterable[str], key: str) -> list[re.Pattern[str]]:
    """Whole-word, case-insensitive patterns; each entry may be a regular expression.

    Raises:
        ConfigError: an entry is not a valid regular expression.
    """
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(
                f"Config key {key!r}: {pattern!r} is not a valid regular expression ({exc}).",
                "Escape special characters with a backslash, e.g. 'C\\+\\+'.",
            ) from None
    return compiled


def filter_listing(
    listing: Listing,
    settings: FilterSettings,
    followed: list[str],
    watchlist: Iterable[str] = (),
) -> FilterOutcome:
    """Split the listing's papers into kept and dropped."""
    include = compile_keywords(settings.keywords_include, "filters.keywords_include")
    exclude = compile_keywords(settings.keywords_exclude, "filters.keywords_exclude")
    watched_names = [*settings.authors, *watchlist]
    watched_surnames = {name_key(name)[0] for name in watched_names}
    types_by_paper: dict[str, set[AnnounceType]] = {}
    for announcement in listing.announcements:
        types_by_paper.setdefault(announcement.paper_id, set()).add(announcement.announce_type)

    outcome = FilterOutcome()
    for paper in listing.papers.values():
        types = types_by_paper.get(paper.id, {"new"})
        outcome.announce_type[paper.id] = min(types, key=ANNOUNCE_TYPES.index)
        hits = _watched(paper, watched_names, watched_surnames)
        reason = _drop_reason(paper, types, settings, followed, include, exclude, bool(hits))
        if reason:
            outcome.dropped[paper.id] = reason
            continue
        outcome.kept.append(paper)
        if hits:
            outcome.watched[paper.id] = hits
    return outcome


def _drop_reason(
    paper: Paper,
    types: set[AnnounceType],
    settings: FilterSettings,
    followed: list[str],
    include: list[re.Pattern[str]],
    exclude: list[re.Pattern[str]],
    watched: bool,
) -> str | None:
    if not types & set(settings.announce_types):
        return f"announce type {', '.join(sorted(types))} not kept"
    if settings.primary_only and paper.primary not in followed:
        return f"primary category {paper.primary} not followed"
    if settings.include_categories and not set(paper.categories) & set(settings.include_categories):
        return "no included category"
    excluded = set(paper.categories) & set(settings.exclude_categories)
    if excluded:
        return f"excluded category {sorted(excluded)[0]}"
    if watched:
        return None
    text = f"{paper.title}\n{paper.abstract}"
    lowered = text.lower()
    if include and not any(_found(pattern, text, lowered) for pattern in include):
        return "no included keyword"
    for pattern in exclude:
        if _found(pattern, text, lowered):
            return f"excluded keyword {_keyword(pattern)!r}"
    return None


def _keyword(pattern: re.Pattern[str]) -> str:
    """The keyword as written in the config, without the whole-word guards around it."""
    return pattern.pattern[len("(?<!\\w)(?:") : -len(")(?!\\w)")]


@functools.lru_cache(maxsize=1024)
def _literal(pattern: re.Pattern[str]) -> str | None:
    keyword = _keyword(pattern)
    return keyword.lower() if re.escape(keyword) == keyword else None


def _found(pattern: re.Pattern[str], text: str, lowered: str) -> bool:
    # A plain word that is not in the text at all needs no regular expression: most papers
    # lack most keywords, and the whole-word search is the slow part of the filters.
    literal = _literal(pattern)
    if literal is not None and literal not in lowered:
        return False
    return pattern.search(text) is not None


def _watched(paper: Paper, names: list[str], surnames: set[str]) -> tuple[str, ...]:
    if not names:
        return ()
    hits = []
    for author in paper.authors:
        # Collaboration papers list hundreds of names: compare surnames before anything slower.
        if name_key(author)[0] not in surnames:
            continue
        hits.extend(name for name in names if same_author(name, author))
    return tuple(dict.fromkeys(hits))
