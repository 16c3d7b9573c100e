"""What the judge's tokens cost: a per-model override from the settings, else the price table.

The table is the genai-prices package's bundled snapshot (no network). A model found in neither
is unpriced: its cost is ``None``, shown as "unpriced", never as $0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from papersift.config import JudgeSettings

logger = logging.getLogger(__name__)

_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """The prompt and completion cost of one request, in US dollars."""

    prompt: float
    completion: float

    @property
    def total(self) -> float:
        """Prompt plus completion."""
        return self.prompt + self.completion


@dataclass(frozen=True, slots=True)
class Pricing:
    """Prices one model's requests."""

    model: str
    input_per_million: float | None = None
    output_per_million: float | None = None
    cached_per_million: float | None = None
    use_table: bool = True

    @classmethod
    def from_settings(cls, settings: JudgeSettings) -> Pricing:
        """The override in the settings when both its prices are set, else the table."""
        if settings.price_input is not None and settings.price_output is not None:
            return cls(
                settings.model,
                settings.price_input,
                settings.price_output,
                settings.price_cached_input,
                use_table=False,
            )
        return cls(settings.model)

    def cost(
        self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
    ) -> Price | None:
        """The price of a request, or ``None`` when the model is unpriced."""
        if not self.use_table:
            assert self.input_per_million is not None and self.output_per_million is not None
            cached_rate = (
                self.input_per_million
                if self.cached_per_million is None
                else self.cached_per_million
            )
            uncached = max(prompt_tokens - cached_tokens, 0)
            prompt = (uncached * self.input_per_million + cached_tokens * cached_rate) / _MILLION
            return Price(prompt, completion_tokens * self.output_per_million / _MILLION)
        return _table_price(self.model, prompt_tokens, completion_tokens, cached_tokens)

    @property
    def priced(self) -> bool:
        """Whether a cost can be given for this model."""
        return self.cost(1000, 1000) is not None


def _table_price(
    model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int
) -> Price | None:
    import genai_prices

    usage = genai_prices.Usage(
        input_tokens=prompt_tokens,
        cache_read_tokens=cached_tokens or None,
        output_tokens=completion_tokens,
    )
    for reference in _references(model):
        try:
            calculation = genai_prices.calc_price(usage, reference)
        except (LookupError, ValueError):
            continue
        return Price(float(calculation.input_price), float(calculation.output_price))
    _warn_unpriced(model)
    return None


def _references(model: str) -> list[str]:
    """The model name, then without a provider prefix such as ``openai/``."""
    names = [model]
    if "/" in model:
        names.append(model.rsplit("/", 1)[1])
    return names


@lru_cache(maxsize=32)
def _warn_unpriced(model: str) -> None:
    logger.warning(
        "No price known for model %r; its cost shows as unpriced. "
        "Set [judge] price_input and price_output to price it.",
        model,
    )
