"""The cascade replayed from labels: the ranker's top share goes to a judge that answers with
the recorded judgments, and the tokens it would spend are counted on the text it would carry.

Tokens are counted with ``quicktok`` (``o200k_base``, the encoding of the recorded judge's model
family) on the prompt a batch would carry: the static part (interests, criteria, instructions)
once per batch, then each paper as ``ArXiv ID``, ``Title``, ``Authors`` and ``Abstract`` lines.
The reply is counted as one JSON object per paper holding the recorded comment and scores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from papersift.errors import MissingExtraError
from papersift.evaluate.metrics import budget_size, ranking
from papersift.models import Judgment, Paper

# TODO(#5): tokens are counted on the recorded judge's prompt shape in fixed batches, not on
# papersift's own judge prompts and adaptive batches, so absolute counts may differ from a run.
ABSTRACT_LIMIT = 4000
"""Characters of an abstract a prompt carries, as on the recorded days."""

INSTRUCTIONS = (
    "## What to answer\n\n"
    "Answer with one JSON object per line, one line per paper, holding the keys ARXIVID (the "
    "paper's id), COMMENT (which topic the paper matches closely, if any, named specifically), "
    "RELEVANCE (1 to 10) and NOVELTY (1 to 10)."
)
"""The closing instructions counted into each batch's prompt (about fifty tokens)."""

Counter = Callable[[str], int]


def token_counter() -> Counter:
    """Counts ``o200k_base`` tokens of a text with ``quicktok``.

    Raises:
        MissingExtraError: ``quicktok`` is not installed.
    """
    try:
        import quicktok
    except ImportError:
        raise MissingExtraError("Token estimates of the evaluation", "eval") from None
    encoding = quicktok.get_encoding("o200k_base")
    return lambda text: len(encoding.encode(text))


def paper_block(paper: Paper) -> str:
    """A paper as a judge's prompt carries it."""
    return (
        f"ArXiv ID: {paper.id}\nTitle: {paper.title}\nAuthors: {', '.join(paper.authors)}\n"
        f"Abstract: {paper.abstract[:ABSTRACT_LIMIT]}"
    )


def reply_line(paper_id: str, judgment: Judgment | None) -> str:
    """The reply line a judge gives a paper, rebuilt from the recorded judgment."""
    return json.dumps(
        {
            "ARXIVID": paper_id,
            "COMMENT": judgment.comment if judgment else "",
            "RELEVANCE": judgment.relevance if judgment else None,
            "NOVELTY": judgment.novelty if judgment else None,
        }
    )


@dataclass(frozen=True, slots=True)
class PaperTokens:
    """Tokens one paper adds to a judge's request."""

    prompt: int
    completion: int


@dataclass(frozen=True, slots=True)
class CascadeDay:
    """What the cascade at one share does on one day."""

    share: float
    judged: int
    """Papers the judge reads."""
    selected: int
    """Papers the cascade selects (judged and at or above the positive threshold)."""
    full_selected: int
    """Papers judging every paper would select."""
    prompt_tokens: int
    completion_tokens: int
    full_tokens: int
    """Prompt plus completion tokens of judging every paper."""

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens of the cascade."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def kept(self) -> float:
        """Share of the full judge's selection the cascade keeps; NaN when that is empty."""
        return self.selected / self.full_selected if self.full_selected else math.nan

    @property
    def saving(self) -> float:
        """Share of the full judge's tokens the cascade does not spend."""
        return 1.0 - self.tokens / self.full_tokens if self.full_tokens else math.nan


def batch_tokens(tokens: Sequence[PaperTokens], static: int, batch_size: int) -> tuple[int, int]:
    """Prompt and completion tokens of judging these papers in batches of ``batch_size``."""
    batches = math.ceil(len(tokens) / batch_size) if tokens else 0
    prompt = static * batches + sum(item.prompt for item in tokens)
    return prompt, sum(item.completion for item in tokens)


def replay_cascade(
    scores: Sequence[float],
    positive: Sequence[bool],
    tokens: Sequence[PaperTokens],
    static: int,
    share: float,
    batch_size: int,
) -> CascadeDay:
    """The cascade of one day: the judge reads the top ``share`` by ``scores``.

    ``positive`` says which papers the judge's recorded relevance selects; the replayed judge
    selects exactly those among the papers it reads.
    """
    order = ranking(scores)
    judged = [int(i) for i in order[: budget_size(len(order), share)]]
    prompt, completion = batch_tokens([tokens[i] for i in judged], static, batch_size)
    full_prompt, full_completion = batch_tokens(tokens, static, batch_size)
    return CascadeDay(
        share=share,
        judged=len(judged),
        selected=sum(bool(positive[i]) for i in judged),
        full_selected=sum(bool(flag) for flag in positive),
        prompt_tokens=prompt,
        completion_tokens=completion,
        full_tokens=full_prompt + full_completion,
    )
