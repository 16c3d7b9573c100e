"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(?:md|json|html)$")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp creates the file readable by its owner only; outputs follow the umask.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_newest_day(out_dir: Path, date: dt.date) -> bool:
    """Whether no digest of a later day than ``date`` is written under ``out_dir``.

    ``latest.*`` follows the newest day, so a backfill or a rerun of an old day leaves it alone.
    """
    for month in out_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]"):
        for path in month.iterdir():
            match = _DAY.match(path.name)
            if match and match.group(1) > date.isoformat():
                return False
    return True
