"""The terminal side of the CLI: log handler and rich progress bars."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

stderr = Console(stderr=True)


def setup_logging(verbosity: int) -> None:
    """INFO by default, DEBUG with ``-v``, WARNING with ``-q``, ERROR with ``-qq``."""
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(
        max(verbosity, -2), logging.DEBUG
    )
    handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("papersift").setLevel(level)
    if verbosity < 1:
        logging.getLogger("httpx").setLevel(logging.WARNING)


class RichReporter:
    """Draws one progress bar per stage on standard error."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and stderr.is_terminal

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """A progress bar for ``name`` that the stage advances."""
        if not self.enabled:
            yield lambda done: None
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=stderr, transient=True) as progress:
            task = progress.add_task(name, total=total)
            yield lambda done: progress.advance(task, done)
