"""The plain values that flow between the stages: papers, announcements, listings, digests.

They are frozen dataclasses rather than pydantic models: a day holds hundreds of papers and a
benchmark tens of thousands, and nothing here comes from the user, so nothing needs validating
beyond the parsing of arXiv identifiers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]
ANNOUNCE_TYPES: tuple[AnnounceType, ...] = ("new", "cross", "replace", "replace-cross")

JudgeStatus = Literal[
    "not judged", "judged", "judge failed", "dropped by title", "stopped by budget"
]

_NEW_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?")
_OLD_ID = re.compile(r"(?P<id>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?")
_PREFIXES = re.compile(
    r"^(?:oai:arxiv\.org:|arxiv:|https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An arXiv identifier split into the id proper and its version.

    Both styles parse: new-style ``2501.01234v2`` and old-style ``hep-th/9901001v2``. Prefixes
    seen in feeds (``oai:arXiv.org:``, ``arXiv:``, abstract and PDF URLs) are removed.
    """

    id: str
    """The identifier without its version, e.g. ``2501.01234`` or ``hep-th/9901001``."""
    version: int | None = None
    """The version number, or ``None`` when the text named no version."""

    @classmethod
    def parse(cls, text: str) -> ArxivId:
        """Parse ``text`` or raise ``ValueError`` naming it."""
        core = _PREFIXES.sub("", text.strip())
        core = core.removesuffix(".pdf")
        for pattern in (_NEW_ID, _OLD_ID):
            match = pattern.fullmatch(core)
            if match:
                version = match.group("version")
                return cls(match.group("id"), int(version) if version else None)
        raise ValueError(f"not an arXiv identifier: {text!r}")

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


NO_ABSTRACT = "No abstract in the feed."
"""What renderers show for a paper whose feed item had no abstract; the paper keeps an empty one."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One arXiv paper as a listing describes it."""

    id: str
    """The arXiv id without version."""
    version: int | None
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    """Every category the paper is listed in, the primary category first."""
    comments: str | None = None
    primary_category: str | None = None
    """The primary category when the source states it; otherwise the first of ``categories``."""

    @property
    def primary(self) -> str | None:
        """The primary category, stated or inferred."""
        if self.primary_category:
            return self.primary_category
        return self.categories[0] if self.categories else None

    @property
    def abs_url(self) -> str:
        """The paper's abstract page."""
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def pdf_url(self) -> str:
        """The paper's PDF."""
        return f"https://arxiv.org/pdf/{self.id}"

    @property
    def text(self) -> str:
        """Title and abstract, the text the rankers read."""
        return f"{self.title}. {self.abstract}"


@dataclass(frozen=True, slots=True)
class Announcement:
    """One appearance of a paper in a day's listing."""

    paper_id: str
    date: dt.date
    category: str
    """The feed's category (for a joined feed, the paper's first category among the feed's)."""
    announce_type: AnnounceType
    source: str
    """Where the listing came from: a feed URL, an API query or a local file."""
    version: int | None = None


@dataclass(slots=True)
class Listing:
    """All announcements of one day, with each paper once.

    ``items`` counts the entries the sources held before papers seen in several feeds were
    merged, so the digest can say how many were duplicates.
    """

    date: dt.date | None
    sources: list[str]
    papers: dict[str, Paper] = field(default_factory=dict)
    announcements: list[Announcement] = field(default_factory=list)
    items: int = 0
    skipped: list[str] = field(default_factory=list)
    """Warnings about entries that could not be read, each naming the entry and the reason."""
    problems: list[str] = field(default_factory=list)
    """Faults of whole feeds (malformed or truncated XML), each naming the source and the fault.

    The listing holds the items read whole; a run writes their digest and then fails.
    """

    def announce_types(self, paper_id: str) -> set[AnnounceType]:
        """The announce types under which ``paper_id`` was listed."""
        return {a.announce_type for a in self.announcements if a.paper_id == paper_id}


@dataclass(frozen=True, slots=True)
class Score:
    """A ranker's verdict on one paper."""

    paper_id: str
    score: float
    """Similarity to the interests, higher is better; comparable within one ranker only."""
    topic: str | None = None
    """The title of the best-matching interest topic."""


@dataclass(frozen=True, slots=True)
class Judgment:
    """The judge's relevance, novelty and comment for a paper under one prompt and model."""

    paper_id: str
    version: int | None
    model: str
    prompt_hash: str
    relevance: float | None
    novelty: float | None
    comment: str
    flags: tuple[str, ...] = ()
    """Remarks on the reply, e.g. ``relevance clamped from 12``."""
    prompt_tokens: int = 0
    """This paper's share of its request's prompt tokens."""
    completion_tokens: int = 0
    cost: float | None = None
    """This paper's share of the request's cost in US dollars; ``None`` when unpriced."""
    duration_ms: int = 0
    """Time of the request that produced the judgment."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and cost of one model in one run."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float | None = 0.0
    """US dollars; ``None`` when the model has no known price (shown as unpriced, not $0)."""
    prompt_cost: float | None = 0.0
    completion_cost: float | None = 0.0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One paper of a digest, with everything that placed it there."""

    paper: Paper
    score: float
    """The local ranker's score."""
    topic: str | None
    comment: str
    announce_type: AnnounceType
    relevance: float | None = None
    novelty: float | None = None
    status: JudgeStatus = "not judged"
    watched_authors: tuple[str, ...] = ()
    """Watchlist authors of this paper; a non-empty tuple ranks the paper first."""
    flags: tuple[str, ...] = ()


@dataclass(slots=True)
class Digest:
    """The ordered selection for one day and profile, with the totals and costs behind it."""

    date: dt.date
    profile: str
    entries: list[DigestEntry]
    total_papers: int
    """Distinct papers in the day's listing."""
    scanned_papers: int
    """Papers left after the filters, the ones the ranker read."""
    usage: list[Usage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Lines shown at the top of the digest, e.g. a budget that stopped the judge."""
    interests_text: str = ""
    criteria_text: str = ""
    ranker: str = ""
    backfilled: bool = False
    unselected: list[DigestEntry] = field(default_factory=list)
    """Scanned papers that did not make the selection, kept for the JSON so none is lost."""

    @property
    def relevant_papers(self) -> int:
        """Papers selected into the digest."""
        return len(self.entries)
