"""Spotting paper text that addresses the judge instead of the reader.

An abstract that tells the model to ignore its instructions or to give the paper a high score is
flagged in the digest; the prompt already tells the model that such text is data, and the score
is taken only from the model's reply.
"""

from __future__ import annotations

import re

from papersift.models import Paper

FLAG = "text addressed to the judge"

_PATTERNS = [
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:the\s+|your\s+|of\s+)?"
    r"(?:(?:previous|prior|above|earlier|preceding|system|scoring|given|other)\s+)?"
    r"(?:instructions?|prompts?|rules?|guidelines?|criteria)\b",
    r"\b(?:give|assign|rate|score|award|output|return)\b[^.]{0,40}\b(?:relevance|novelty|score|"
    r"rating)\b[^.]{0,20}\b(?:10|ten|maximum|highest|max)\b",
    r"\b(?:rate|score)\s+(?:this|the)\s+(?:paper|work|abstract|article)\b[^.]{0,20}"
    r"\b(?:10|ten|highly|high)\b",
    r"\byou are (?:now )?an? (?:ai|language model|llm|assistant|reviewer model|judge)\b[^.]{0,40}"
    r"\b(?:must|should|will)\b",
    r"\b(?:dear|attention|note to (?:the )?)\s*(?:ai|llm|language model|judge|reviewer model)\b",
    r"[\"']?relevance[\"']?\s*[:=]\s*[\"']?10\b",
]
_DETECTOR = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def injection_flag(paper: Paper) -> str | None:
    """A flag naming the first phrase of ``paper`` aimed at the judge, or ``None``."""
    for text in (paper.title, paper.abstract, paper.comments or ""):
        match = _DETECTOR.search(text)
        if match:
            phrase = " ".join(match.group(0).split())
            return f"{FLAG}: {phrase!r}"
    return None
