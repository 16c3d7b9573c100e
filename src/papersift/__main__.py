"""``python -m papersift``, the same as the ``papersift`` command."""

from papersift.cli import entry

entry()
