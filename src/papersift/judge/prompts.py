"""The judge's prompts: the default files, the user's overrides, and how a request is laid out.

A request has two messages. The system message is the static part (the judge's role, the
researcher's interests, the scoring criteria and the task with its reply format); it is the same
for every batch of a pass and every day with the same interests, so providers that cache prompt
prefixes bill it once. The user message holds the batch's papers, each as quoted data between
delimiters that carry its id: the title, the first authors and the abstract, one line each and no
labels, since the static part describes the layout once. The reply's keys are short (``rel``,
``nov``, ``note``), as each is written once per paper; the parser takes the long names too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from papersift.config import JudgeSettings
from papersift.errors import ConfigError
from papersift.models import Paper

PassName = Literal["title", "abstract"]

ABSTRACT_FIELDS = ("id", "relevance", "novelty", "comment")
TITLE_FIELDS = ("id", "relevance")
REPLY_KEYS = {"id": "id", "relevance": "rel", "novelty": "nov", "comment": "note"}
"""The key each field has in the reply format the prompt asks for."""
_EXAMPLE = {"id": "2501.01234", "relevance": 7, "novelty": 5, "comment": "Matches <topic>."}
_LEGEND = {
    "relevance": "rel = relevance",
    "novelty": "nov = novelty",
    "comment": "note = the sentence",
}


@dataclass(frozen=True, slots=True)
class PromptTexts:
    """The four prompt texts: defaults, or the files the settings name."""

    system: str
    criteria: str
    title: str
    abstract: str


@dataclass(frozen=True, slots=True)
class PassPrompt:
    """Everything fixed about one pass's requests."""

    name: PassName
    static: str
    """The system message."""
    fields: tuple[str, ...]
    """The keys each reply object carries."""
    structured: bool
    """Whether a JSON-schema reply format is asked for."""
    prompt_hash: str
    """Hash of the full static text, part of every cached judgment's key."""
    texts: PromptTexts
    interests_text: str
    max_authors: int = 3
    """Authors shown per paper in the abstract pass."""

    def user_message(self, papers: Sequence[Paper]) -> str:
        """The batch's papers, quoted between delimiters."""
        if self.name == "abstract":
            return render_papers(papers, with_abstract=True, max_authors=self.max_authors)
        return render_papers(papers, with_abstract=False)

    def without_structure(self) -> PassPrompt:
        """The same pass asking for JSON Lines instead of a JSON-schema reply."""
        return build_pass_prompt(
            self.texts, self.interests_text, self.name, False, max_authors=self.max_authors
        )

    def response_format(self) -> dict[str, Any] | None:
        """The ``response_format`` request field, or ``None`` for JSON Lines replies."""
        if not self.structured:
            return None
        return {"type": "json_schema", "json_schema": response_schema(self.fields)}


def load_prompt_texts(settings: JudgeSettings) -> PromptTexts:
    """Read the default prompt files, replaced by any the settings name.

    Raises:
        ConfigError: a prompt file named in the settings cannot be read.
    """
    return PromptTexts(
        system=_read(settings.system_prompt, "system.md", "system_prompt"),
        criteria=_read(settings.criteria, "criteria.md", "criteria"),
        title=_read(settings.title_prompt, "title.md", "title_prompt"),
        abstract=_read(settings.abstract_prompt, "abstract.md", "abstract_prompt"),
    )


def build_pass_prompt(
    texts: PromptTexts,
    interests_text: str,
    name: PassName,
    structured: bool,
    *,
    max_authors: int = 3,
) -> PassPrompt:
    """The static part of one pass's requests and its hash.

    The hash covers what the papers are shown with, so a change of ``max_authors`` has the
    papers judged afresh.
    """
    fields = ABSTRACT_FIELDS if name == "abstract" else TITLE_FIELDS
    task = texts.abstract if name == "abstract" else texts.title
    parts = [
        texts.system.strip(),
        "## Interests\n\n" + (interests_text.strip() or "(none given)"),
        "## Criteria\n\n" + texts.criteria.strip(),
        "## Task\n\n" + task.strip() + "\n\n" + _format_instructions(fields, structured),
    ]
    static = "\n\n".join(parts) + "\n"
    shown = max_authors if name == "abstract" else 0
    digest = hashlib.sha256(f"{name}\n{shown}\n{static}".encode()).hexdigest()[:16]
    return PassPrompt(
        name, static, fields, structured, digest, texts, interests_text, max_authors=max_authors
    )


def pass_prompt(
    settings: JudgeSettings, texts: PromptTexts, interests_text: str, name: PassName
) -> PassPrompt:
    """One pass's prompt as the settings ask for it."""
    return build_pass_prompt(
        texts, interests_text, name, settings.structured_output, max_authors=settings.max_authors
    )


def render_papers(papers: Sequence[Paper], *, with_abstract: bool, max_authors: int = 3) -> str:
    """Papers as delimited blocks of quoted data, each opened by a line holding its id.

    A block holds the title; with the abstract, also ``by`` and the first ``max_authors``
    authors (the rest counted, none when 0) and the abstract, each on one line.
    """
    blocks = []
    for paper in papers:
        lines = [f"<<<PAPER {paper.id}>>>", _quoted(paper.title)]
        if with_abstract:
            authors = author_line(paper.authors, max_authors)
            if authors:
                lines.append(f"by {_quoted(authors)}")
            lines.append(_quoted(paper.abstract))
        lines.append("<<<END>>>")
        blocks.append("\n".join(lines))
    return "Papers to score:\n\n" + "\n\n".join(blocks) + "\n"


def author_line(authors: Sequence[str], shown: int) -> str:
    """The first ``shown`` authors, then ``et al. (N authors)`` when there are more."""
    if shown <= 0 or not authors:
        return ""
    line = ", ".join(authors[:shown])
    if len(authors) > shown:
        line += f" et al. ({len(authors)} authors)"
    return line


def response_schema(fields: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of a structured reply: one object with a ``judgments`` list."""
    kinds = {"id": "string", "relevance": "number", "novelty": "number", "comment": "string"}
    item = {
        "type": "object",
        "properties": {REPLY_KEYS[name]: {"type": kinds[name]} for name in fields},
        "required": [REPLY_KEYS[name] for name in fields],
        "additionalProperties": False,
    }
    return {
        "name": "judgments",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"judgments": {"type": "array", "items": item}},
            "required": ["judgments"],
            "additionalProperties": False,
        },
    }


def _format_instructions(fields: Sequence[str], structured: bool) -> str:
    example = json.dumps(
        {REPLY_KEYS[name]: _EXAMPLE[name] for name in fields}, separators=(",", ":")
    )
    legend = ", ".join(_LEGEND[name] for name in fields if name in _LEGEND)
    if structured:
        head = 'Reply with one JSON object whose "judgments" list has one entry per paper:'
    else:
        head = "Reply with one JSON object per line, one line per paper and nothing else:"
    return f"{head}\n{example}\n({legend})"


def _quoted(text: str) -> str:
    """Paper text on one line, with anything resembling a delimiter taken out."""
    return " ".join(text.replace("<<<", "‹").replace(">>>", "›").split())


def _read(path: Path | None, default: str, key: str) -> str:
    if path is None:
        return resources.files("papersift.judge").joinpath("prompts", default).read_text("utf-8")
    hint = f"Fix the path in [judge] {key}, or remove the key to use the bundled prompt."
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Prompt file {str(path)!r} ([judge] {key}) does not exist.", hint
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(
            f"Prompt file {str(path)!r} ([judge] {key}) cannot be read: {reason}.", hint
        ) from None
