"""``digest.json``: the digest for machines, in a versioned schema.

The schema is ``papersift.digest/1``; a change that removes or renames a field bumps the number,
one that adds a field does not. The README documents every field.
"""

from __future__ import annotations

import json
from typing import Any

from papersift.models import Digest, DigestEntry

SCHEMA = "papersift.digest/1"


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    """The digest as plain JSON-ready values."""
    return {
        "schema": SCHEMA,
        "date": digest.date.isoformat(),
        "profile": digest.profile,
        "ranker": digest.ranker,
        "backfilled": digest.backfilled,
        "notices": list(digest.notices),
        "totals": {
            "arxiv_papers": digest.total_papers,
            "scanned_papers": digest.scanned_papers,
            "relevant_papers": digest.relevant_papers,
        },
        "usage": [
            {
                "model": usage.model,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cached_tokens": usage.cached_tokens,
                "total_tokens": usage.total_tokens,
                "cost_usd": usage.cost,
            }
            for usage in digest.usage
        ],
        "papers": [_entry(rank, entry) for rank, entry in enumerate(digest.entries, 1)],
        "unselected": [_entry(None, entry) for entry in digest.unselected],
    }


def render_json(digest: Digest) -> str:
    """The digest as indented JSON text, keys in a fixed order."""
    return json.dumps(digest_to_dict(digest), indent=2, ensure_ascii=False) + "\n"


def _entry(rank: int | None, entry: DigestEntry) -> dict[str, Any]:
    paper = entry.paper
    return {
        "rank": rank,
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        "primary_category": paper.primary,
        "comments": paper.comments,
        "announce_type": entry.announce_type,
        "score": round(entry.score, 6),
        "topic": entry.topic,
        "comment": entry.comment,
        "relevance": entry.relevance,
        "novelty": entry.novelty,
        "status": entry.status,
        "watched_authors": list(entry.watched_authors),
        "flags": list(entry.flags),
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
    }
