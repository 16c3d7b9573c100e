"""papersift: each day's arXiv announcements, sifted down to the few papers worth reading."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
