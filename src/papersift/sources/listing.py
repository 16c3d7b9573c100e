"""Merging the listings of several feeds into one, each paper once."""

from __future__ import annotations

import dataclasses

from papersift.models import Listing, Paper


def merge_listings(listings: list[Listing]) -> Listing:
    """One listing holding every paper once, with every category it was listed in.

    The date is the latest date among the parts; announcements keep their own source.
    """
    dates = [listing.date for listing in listings if listing.date is not None]
    merged = Listing(date=max(dates) if dates else None, sources=[])
    for listing in listings:
        merged.sources.extend(listing.sources)
        merged.items += listing.items
        merged.skipped.extend(listing.skipped)
        merged.problems.extend(listing.problems)
        merged.announcements.extend(listing.announcements)
        for paper_id, paper in listing.papers.items():
            known = merged.papers.get(paper_id)
            merged.papers[paper_id] = paper if known is None else _merged_paper(known, paper)
    return merged


def _merged_paper(known: Paper, other: Paper) -> Paper:
    categories = known.categories + tuple(c for c in other.categories if c not in known.categories)
    newer = other if (other.version or 0) > (known.version or 0) else known
    return dataclasses.replace(
        newer,
        categories=categories,
        comments=known.comments or other.comments,
        primary_category=known.primary_category or other.primary_category,
        authors=newer.authors or known.authors or other.authors,
    )
