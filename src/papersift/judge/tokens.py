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
_PER_MESSAGE = 4
"""Tokens each chat message adds around its text."""


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


@lru_cache(maxsize=8)
def _encoding(model: str) -> Any:
    try:
        import quicktok
    except ImportError:
        raise MissingExtraError("Counting prompt tokens", "judge") from None
    # TODO(#3): other vendors' tokenizers are not bundled, so their counts are o200k estimates.
    name = model.rsplit("/", 1)[-1]
    try:
        return quicktok.encoding_for_model(name)
    except (KeyError, ValueError):
        logger.debug("No known encoding for %r; counting with %s", model, _FALLBACK)
        return quicktok.get_encoding(_FALLBACK)
