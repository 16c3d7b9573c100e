"""The judgments a digest rests on, and the tokens and cost the digest reports from them.

A digest states "the totals and costs that produced it". What a run spends depends on what the
store already held: a rerun of a finished day spends nothing, a run resumed after a crash spends
only what was missing. So a digest built over the store reports the tokens and cost recorded with
the judgments it used, whether they were paid for now or on an earlier run, and the digest of a
day comes out the same however many runs it took. The run itself records what it spent.

What a run paid for a reply that judged no paper (a reply missing every id it was asked about)
is carried by no judgment; the digest adds it to the judge's line, so the digest of a run that
judged everything afresh reports what the run spent, as its log line and ``papersift history``
do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from papersift.models import Judgment, Usage
from papersift.store.store import Key, Store

_LedgerKey = tuple[str, str, str, int | None]


class JudgmentLedger:
    """A judgment cache over the store that remembers every judgment loaded or saved through it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.used: dict[_LedgerKey, Judgment] = {}
        self.saved: dict[_LedgerKey, Judgment] = {}
        """The judgments paid for by this run."""

    def load_judgments(self, model: str, prompt_hash: str, keys: list[Key]) -> dict[Key, Judgment]:
        """The stored judgments among ``keys``, remembered as used."""
        found = self.store.load_judgments(model, prompt_hash, keys)
        self._remember(found.values())
        return found

    def save_judgments(self, judgments: list[Judgment]) -> None:
        """Commit ``judgments`` to the store, remembered as used."""
        self.store.save_judgments(judgments)
        self._remember(judgments)
        for judgment in judgments:
            self.saved[_key(judgment)] = judgment

    def _remember(self, judgments: Sequence[Judgment] | object) -> None:
        for judgment in judgments:  # type: ignore[attr-defined]
            self.used[_key(judgment)] = judgment

    def usage(self, spent: list[Usage], completion_price: dict[str, float | None]) -> list[Usage]:
        """``spent`` with each judge model's line replaced by the totals of its judgments used,
        plus what this run spent beyond the judgments it saved (replies that judged nothing).

        Args:
            spent: the usage lines of this run (the ranker's and the judge's).
            completion_price: per model, the dollar price of one completion token, to split the
                recorded cost into prompt and completion; ``None`` when unpriced.
        """
        totals = _totals(self.used.values())
        paid = _totals(self.saved.values())
        lines = []
        for line in spent:
            derived = totals.pop(line.model, None)
            if derived is None:
                lines.append(line)
                continue
            derived = _with_unsaved(derived, line, paid.get(line.model))
            lines.append(_priced(derived, completion_price))
        lines += [_priced(usage, completion_price) for usage in totals.values()]
        return lines


def _key(judgment: Judgment) -> _LedgerKey:
    return (judgment.model, judgment.prompt_hash, judgment.paper_id, judgment.version)


def _with_unsaved(derived: Usage, spent: Usage, paid: Usage | None) -> Usage:
    """``derived`` plus the part of ``spent`` that no judgment saved by this run carries."""
    paid = paid or Usage(model=spent.model, cost=0.0)
    cost = None
    if None not in (derived.cost, spent.cost, paid.cost):
        unsaved = round(max(spent.cost - paid.cost, 0.0), 10)  # type: ignore[operator]
        cost = derived.cost + unsaved  # type: ignore[operator]
    return dataclasses.replace(
        derived,
        prompt_tokens=derived.prompt_tokens + max(spent.prompt_tokens - paid.prompt_tokens, 0),
        completion_tokens=derived.completion_tokens
        + max(spent.completion_tokens - paid.completion_tokens, 0),
        cost=cost,
    )


def _totals(judgments: Iterable[Judgment]) -> dict[str, Usage]:
    """The tokens and cost of ``judgments``, summed per model."""
    totals: dict[str, Usage] = {}
    for judgment in sorted(judgments, key=_order):
        usage = totals.get(judgment.model) or Usage(model=judgment.model, cost=0.0)
        cost = None if usage.cost is None or judgment.cost is None else usage.cost + judgment.cost
        totals[judgment.model] = dataclasses.replace(
            usage,
            prompt_tokens=usage.prompt_tokens + judgment.prompt_tokens,
            completion_tokens=usage.completion_tokens + judgment.completion_tokens,
            cost=cost,
        )
    return totals


def _order(judgment: Judgment) -> tuple[str, str, str, int]:
    return (judgment.model, judgment.prompt_hash, judgment.paper_id, judgment.version or 0)


def _priced(usage: Usage, completion_price: dict[str, float | None]) -> Usage:
    rate = completion_price.get(usage.model)
    if usage.cost is None or rate is None:
        return dataclasses.replace(usage, cost=None, prompt_cost=None, completion_cost=None)
    cost = round(usage.cost, 10)
    completion = min(cost, round(usage.completion_tokens * rate, 10))
    return dataclasses.replace(
        usage, cost=cost, prompt_cost=round(cost - completion, 10), completion_cost=completion
    )
