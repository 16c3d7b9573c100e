"""``papersift init`` ends with the command that uses what it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main


def test_init_in_another_folder_names_its_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", "--dir", "papers"])
    assert result.exit_code == 0, result.output
    last = result.stdout.splitlines()[-1]
    assert (
        last == "Edit papers/interests.md, then run: papersift run --config papers/papersift.toml"
    )


def test_init_here_needs_no_config_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Edit interests.md, then run: papersift run"
