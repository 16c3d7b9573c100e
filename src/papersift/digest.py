"""Building the digest: ordering the scanned papers and keeping the few worth reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from papersift.filters import FilterOutcome
from papersift.models import Digest, DigestEntry, Judgment, Paper, Score, Usage


@dataclass(slots=True)
class Selection:
    """How many papers the digest keeps and which pass the cut."""

    top: int = 20
    threshold: float | None = None
    """Local score below which a paper is not kept (local mode only)."""
    min_relevance: float | None = None
    """Judge's relevance below which a judged paper is not kept."""
    min_novelty: float | None = None
    relevance_weight: float = 1.0
    novelty_weight: float = 0.0


@dataclass(slots=True)
class DigestInputs:
    """What the stages before the digest produced for one day."""

    date: dt.date
    profile: str
    papers: Sequence[Paper]
    """The scanned papers (after the filters)."""
    scores: Mapping[str, Score]
    filters: FilterOutcome
    total_papers: int
    ranker: str
    judgments: Mapping[str, Judgment] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    """Papers the judge was asked about but never answered for."""
    usage: list[Usage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    interests_text: str = ""
    criteria_text: str = ""
    backfilled: bool = False


def build_digest(inputs: DigestInputs, selection: Selection) -> Digest:
    """Order every scanned paper and split them into selected and unselected.

    Watched authors rank first. Judged papers are ordered by their weighted judge scores, then
    papers without a judgment by their local score. No scanned paper is lost: those not selected
    are kept in ``Digest.unselected``.
    """
    entries = [_entry(paper, inputs) for paper in inputs.papers]
    entries.sort(key=lambda entry: _order(entry, selection))
    selected: list[DigestEntry] = []
    unselected: list[DigestEntry] = []
    for entry in entries:
        keep = len(selected) < selection.top and _passes(entry, selection, bool(inputs.judgments))
        (selected if keep or entry.watched_authors else unselected).append(entry)
    return Digest(
        date=inputs.date,
        profile=inputs.profile,
        entries=selected,
        unselected=unselected,
        total_papers=inputs.total_papers,
        scanned_papers=len(inputs.papers),
        usage=list(inputs.usage),
        notices=list(inputs.notices),
        interests_text=inputs.interests_text,
        criteria_text=inputs.criteria_text,
        ranker=inputs.ranker,
        backfilled=inputs.backfilled,
    )


def judged_score(entry: DigestEntry, selection: Selection) -> float:
    """The weighted judge score that orders judged papers."""
    relevance = entry.relevance or 0.0
    novelty = entry.novelty or 0.0
    return selection.relevance_weight * relevance + selection.novelty_weight * novelty


def _entry(paper: Paper, inputs: DigestInputs) -> DigestEntry:
    score = inputs.scores.get(paper.id) or Score(paper.id, 0.0, None)
    judgment = inputs.judgments.get(paper.id)
    watched = inputs.filters.watched.get(paper.id, ())
    announce_type = inputs.filters.announce_type.get(paper.id, "new")
    if judgment is not None:
        return DigestEntry(
            paper=paper,
            score=score.score,
            topic=score.topic,
            comment=judgment.comment,
            announce_type=announce_type,
            relevance=judgment.relevance,
            novelty=judgment.novelty,
            status="judged",
            watched_authors=watched,
            flags=judgment.flags,
        )
    comment = f"Best match: {score.topic} (local score {score.score:.2f})." if score.topic else ""
    if watched:
        comment = f"By watched author {', '.join(watched)}. {comment}".strip()
    return DigestEntry(
        paper=paper,
        score=score.score,
        topic=score.topic,
        comment=comment,
        announce_type=announce_type,
        status="judge failed" if paper.id in inputs.failed else "not judged",
        watched_authors=watched,
    )


def _order(entry: DigestEntry, selection: Selection) -> tuple[int, int, float, float, str]:
    judged = entry.status == "judged"
    judge_key = judged_score(entry, selection) if judged else 0.0
    watched = 0 if entry.watched_authors else 1
    return (watched, 0 if judged else 1, -judge_key, -entry.score, entry.paper.id)


def _passes(entry: DigestEntry, selection: Selection, judging: bool) -> bool:
    if entry.status == "judged":
        if selection.min_relevance is not None and (entry.relevance or 0) < selection.min_relevance:
            return False
        return selection.min_novelty is None or (entry.novelty or 0) >= selection.min_novelty
    if judging:
        return False
    return selection.threshold is None or entry.score >= selection.threshold
