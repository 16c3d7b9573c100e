"""The interests file: a Markdown document the researcher writes, parsed into topics.

The shape it understands::

    ## Topics
    1. Title of the topic
       - Relevant: what counts as relevant, in prose.
       - Irrelevant: what looks close but is not wanted.
       - Keywords: comma, separated, terms
    ## Keywords
    - Relevant: terms that mark a paper as interesting
    - Irrelevant: terms that mark it as not interesting
    ## Authors
    - Jane Doe

Headings may be Markdown headings or bold lines (``**Keywords:**``); anything else is kept as
free text for the judge's prompt but ignored by the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from papersift.errors import ConfigError

_TOPIC = re.compile(r"^\s*(\d+)[.)]\s+(?P<title>.+?)\s*$")
_NOTE = re.compile(
    r"^\s*[-*+]\s+\**(?P<kind>relevant|irrelevant|keywords?)\**\s*:\**\s*(?P<text>.*)$", re.I
)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+(?P<h>.+?)|\*\*(?P<b>[^*]+?)\*\*)\s*:?\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?P<text>.+?)\s*$")


@dataclass(slots=True)
class Topic:
    """One numbered topic of the interests file."""

    number: int
    title: str
    relevant: str = ""
    irrelevant: str = ""
    keywords: list[str] = field(default_factory=list)

    @property
    def query(self) -> str:
        """The text a ranker compares papers with: the title and what is relevant."""
        parts = [self.title, self.relevant, ", ".join(self.keywords)]
        return ". ".join(part for part in parts if part)


@dataclass(slots=True)
class Interests:
    """What the researcher wrote: topics, keywords and watched authors."""

    topics: list[Topic]
    keywords: list[str] = field(default_factory=list)
    """Terms that mark a paper as interesting."""
    negative_keywords: list[str] = field(default_factory=list)
    """Terms that mark a paper as not interesting."""
    authors: list[str] = field(default_factory=list)
    text: str = ""
    """The file as written, for the judge's prompt and the digest's closing section."""


def load_interests(path: Path) -> Interests:
    """Read and parse the interests file at ``path``.

    Raises:
        ConfigError: the file is missing, unreadable or holds no numbered topic.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Interests file {str(path)!r} does not exist.",
            "Write one (see `papersift init`) or set [profile] interests in the config.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Interests file {str(path)!r} cannot be read: {exc}") from None
    interests = parse_interests(text)
    if not interests.topics:
        raise ConfigError(
            f"Interests file {str(path)!r} has no numbered topic.",
            "Write each topic as a numbered line, e.g. '1. Graph neural networks'.",
        )
    return interests


def parse_interests(text: str) -> Interests:
    """Parse the Markdown ``text`` of an interests file."""
    interests = Interests(topics=[], text=text.strip())
    section = "topics"
    topic: Topic | None = None

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            section = _section_of(heading.group("h") or heading.group("b"))
            topic = None
            continue

        numbered = _TOPIC.match(line)
        if numbered and section == "topics":
            topic = Topic(int(numbered.group(1)), _plain(numbered.group("title")))
            interests.topics.append(topic)
            continue

        note = _NOTE.match(line)
        if note:
            _add_note(interests, topic, section, note.group("kind").lower(), note.group("text"))
            continue

        bullet = _BULLET.match(line)
        if bullet and section == "authors":
            interests.authors.append(_plain(bullet.group("text")))
        elif topic is not None and line.strip() and section == "topics":
            topic.relevant = f"{topic.relevant} {line.strip()}".strip()
    return interests


def _section_of(heading: str) -> str:
    lowered = heading.lower()
    if "author" in lowered:
        return "authors"
    if "keyword" in lowered:
        return "keywords"
    if "topic" in lowered or "interest" in lowered:
        return "topics"
    return "other"


def _add_note(
    interests: Interests, topic: Topic | None, section: str, kind: str, text: str
) -> None:
    text = _plain(text)
    if topic is not None and section == "topics":
        if kind == "relevant":
            topic.relevant = f"{topic.relevant} {text}".strip()
        elif kind == "irrelevant":
            topic.irrelevant = f"{topic.irrelevant} {text}".strip()
        else:
            topic.keywords.extend(_split_terms(text))
    elif section == "keywords":
        target = interests.negative_keywords if kind == "irrelevant" else interests.keywords
        target.extend(_split_terms(text))


def _split_terms(text: str) -> list[str]:
    return [term.strip() for term in re.split(r"[,;]", text) if term.strip()]


def _plain(text: str) -> str:
    return re.sub(r"\*\*|__|`", "", text).strip()
