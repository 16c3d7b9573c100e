"""How a dollar amount is written in digests and pages."""

from __future__ import annotations


def format_usd(value: float | None) -> str:
    """``$0.0139`` below a dollar, ``$2.50`` from a dollar on, ``unpriced`` for no price.

    A day's judging usually costs cents: two decimals would show $0.0139 as $0.01 (and $0.003 as
    free), so the digest's total would not match the judge's log line or ``papersift history``.
    """
    if value is None:
        return "unpriced"
    return f"${value:.4f}" if 0 < value < 1 else f"${value:.2f}"
