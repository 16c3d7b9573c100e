"""The ranking metrics on small cases worked out by hand."""

from __future__ import annotations

import math

import pytest

from papersift.evaluate.metrics import (
    average_precision,
    bootstrap_interval,
    budget_size,
    ndcg_at,
    recall_at_budget,
    spearman,
)

# Ten papers; the ranker's order is 0, 1, ..., 9. Positives sit at ranks 1, 3 and 8.
SCORES = [1.0 - i / 10 for i in range(10)]
POSITIVE = [True, False, True, False, False, False, False, True, False, False]


def test_budget_size_rounds_up_and_keeps_one() -> None:
    assert budget_size(10, 0.25) == 3
    assert budget_size(8, 0.25) == 2
    assert budget_size(3, 0.1) == 1
    assert budget_size(0, 0.5) == 0
    assert budget_size(7, 1.0) == 7


@pytest.mark.parametrize(
    ("share", "expected"), [(0.1, 1 / 3), (0.2, 1 / 3), (0.3, 2 / 3), (0.5, 2 / 3), (0.8, 1.0)]
)
def test_recall_at_budget(share: float, expected: float) -> None:
    assert recall_at_budget(SCORES, POSITIVE, share) == pytest.approx(expected)


def test_recall_follows_the_scores_not_the_order() -> None:
    reversed_scores = list(reversed(SCORES))
    # Now paper 9 ranks first; the positives 7, 2, 0 sit at ranks 3, 8, 10.
    assert recall_at_budget(reversed_scores, POSITIVE, 0.3) == pytest.approx(1 / 3)


def test_recall_without_positives_is_nan() -> None:
    assert math.isnan(recall_at_budget(SCORES, [False] * 10, 0.25))


def test_average_precision() -> None:
    # Precision at each positive: 1/1, 2/3, 3/8.
    assert average_precision(SCORES, POSITIVE) == pytest.approx((1 + 2 / 3 + 3 / 8) / 3)
    assert average_precision([3, 2, 1], [True, True, False]) == pytest.approx(1.0)
    assert math.isnan(average_precision([1, 2], [False, False]))


def test_ties_keep_the_given_order() -> None:
    assert average_precision([0.5, 0.5, 0.5], [False, True, False]) == pytest.approx(1 / 2)


def test_ndcg_by_hand() -> None:
    gains = [3.0, 1.0, 0.0, 2.0]
    scores = [4, 3, 2, 1]
    dcg = 3 + 1 / math.log2(3) + 0 + 2 / math.log2(5)
    ideal = 3 + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(scores, gains, k=20) == pytest.approx(dcg / ideal)
    assert ndcg_at(scores, gains, k=2) == pytest.approx(
        (3 + 1 / math.log2(3)) / (3 + 2 / math.log2(3))
    )
    assert ndcg_at([1, 2, 3], [0, 0, 5], k=1) == pytest.approx(1.0)
    assert math.isnan(ndcg_at([1, 2], [0, 0]))


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ranks (1, 2, 3) against (1.5, 1.5, 3): Pearson of the ranks.
    assert spearman([1, 2, 3], [5, 5, 9]) == pytest.approx(math.sqrt(3) / 2)
    assert math.isnan(spearman([1, 2, 3], [7, 7, 7]))


def test_bootstrap_interval_brackets_the_mean() -> None:
    values = [0.2, 0.9, 0.5, 0.7, 0.4, 0.8, 0.6, 0.3, float("nan")]
    mean, low, high = bootstrap_interval(values)
    assert mean == pytest.approx(0.55)
    assert low < mean < high
    assert low > 0.2 and high < 0.9
    assert bootstrap_interval(values) == (mean, low, high)


def test_bootstrap_interval_narrows_with_more_days() -> None:
    few = bootstrap_interval([0.0, 1.0] * 5)
    many = bootstrap_interval([0.0, 1.0] * 200)
    assert many[2] - many[1] < (few[2] - few[1]) / 3


def test_bootstrap_of_constant_and_empty() -> None:
    assert bootstrap_interval([0.8, 0.8, 0.8]) == pytest.approx((0.8, 0.8, 0.8))
    assert all(math.isnan(v) for v in bootstrap_interval([float("nan")]))
