"""Prices from the bundled table, the override, and unpriced models."""

from __future__ import annotations

import pytest

from papersift.config import JudgeSettings
from papersift.judge.pricing import Pricing
from papersift.judge.tokens import TokenCounter


def test_gpt_4_1_is_priced_from_the_table():
    price = Pricing("gpt-4.1").cost(1_000_000, 1_000_000)
    assert price is not None
    assert price.prompt == pytest.approx(2.0)
    assert price.completion == pytest.approx(8.0)


def test_cached_prompt_tokens_cost_less():
    full = Pricing("gpt-4.1").cost(1_000_000, 0)
    cached = Pricing("gpt-4.1").cost(1_000_000, 0, cached_tokens=500_000)
    assert full is not None and cached is not None
    assert cached.prompt < full.prompt


def test_provider_prefix_is_understood():
    assert Pricing("openai/gpt-4.1").cost(1000, 1000) == Pricing("gpt-4.1").cost(1000, 1000)


def test_unknown_model_is_unpriced_not_free():
    pricing = Pricing("my-own-finetune-7b")
    assert pricing.cost(1000, 1000) is None
    assert not pricing.priced


def test_override_in_the_settings_wins():
    settings = JudgeSettings(
        model="gpt-4.1", price_input=1.0, price_output=3.0, price_cached_input=0.25
    )
    price = Pricing.from_settings(settings).cost(2_000_000, 1_000_000, cached_tokens=1_000_000)
    assert price is not None
    assert price.prompt == pytest.approx(1.25)
    assert price.completion == pytest.approx(3.0)


def test_tokens_are_counted_offline_for_any_model():
    assert TokenCounter("gpt-4.1").count("hello world") > 2
    assert TokenCounter("some-local-model").count("hello world") > 2
