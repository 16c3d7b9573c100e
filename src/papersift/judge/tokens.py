"""Counting prompt tokens offline, for estimates and the per-minute token limit.

quicktok reads the tiktoken encodings from files it ships, so nothing is downloaded. Models it
does not know are counted with ``o200k_base``, the encoding of OpenAI's recent models; for other
vendors' models the count is an estimate.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from papersift.errors import MissingExtraError

logger = logging.getLogger(__name__)

_FALLBACK = "o200k_base"
_O200K_FAMILIES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4")
"""OpenAI model families on ``o200k_base``; quicktok's table takes ``gpt-4.1`` for a ``gpt-4``
(``cl100k_base``), which counts its prompts several tokens in a thousand off."""
_PER_MESSAGE = 4
"""Tokens each chat message adds around its text."""
_PER_REQUEST = 3
"""Tokens every request adds once, priming the reply."""


class TokenCounter:
    """Counts the tokens of text as ``model`` would."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._encoding = _encoding(model)
        self._known: dict[str, int] = {}

    def count(self, text: str) -> int:
        """Tokens of ``text`` as one chat message; a text counted before is remembered."""
        known = self._known.get(text)
        if known is None:
            known = len(self._encoding.encode(text, disallowed_special=())) + _PER_MESSAGE
            if len(self._known) < 64:
                self._known[text] = known
        return known

    def text(self, text: str) -> int:
        """Tokens of ``text`` alone, as a reply's content is counted."""
        return len(self._encoding.encode(text, disallowed_special=()))

    def request(self, *messages: str) -> int:
        """Prompt tokens of a request made of these chat messages, as the API counts them."""
        return sum(self.count(text) for text in messages) + _PER_REQUEST


@lru_cache(maxsize=8)
def _encoding(model: str) -> Any:
    try:
        import quicktok
    except ImportError:
        raise MissingExtraError("Counting prompt tokens", "judge") from None
    # TODO(#3): other vendors' tokenizers are not bundled, so their counts are o200k estimates.
    name = model.rsplit("/", 1)[-1]
    if name.lower().startswith(_O200K_FAMILIES):
        return quicktok.get_encoding("o200k_base")
    try:
        return quicktok.encoding_for_model(name)
    except (KeyError, ValueError):
        logger.debug("No known encoding for %r; counting with %s", model, _FALLBACK)
        return quicktok.get_encoding(_FALLBACK)
