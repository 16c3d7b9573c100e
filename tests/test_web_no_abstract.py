"""The web app's paper page says so when the feed gave no abstract."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from papersift.models import NO_ABSTRACT
from papersift.render.json import render_json
from web_support import sample_digest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``papersift serve`` over one digest whose second paper has an empty abstract."""
    digest = sample_digest()
    bare = dataclasses.replace(digest.entries[1].paper, abstract="")
    digest.entries[1] = dataclasses.replace(digest.entries[1], paper=bare)
    day = tmp_path / "out" / "2026-05" / "2026-05-26.json"
    day.parent.mkdir(parents=True)
    day.write_text(render_json(digest))
    config = tmp_path / "papersift.toml"
    config.write_text(
        f"[profile]\nname = 'reader'\n[output]\ndir = '{tmp_path / 'out'}'\n"
        f"[learning]\ndir = '{tmp_path / 'profiles'}'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "papersift", "-q", "serve", "--config", str(config)]
    with subprocess.Popen(
        [*command, "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("Serving on http://127.0.0.1:"), line
            yield line.split()[2]
        finally:
            process.terminate()
            process.wait(10)


def test_paper_page_without_abstract(server: str) -> None:
    bare = httpx.get(server + "paper/2605.00002", timeout=10)
    assert bare.status_code == 200
    assert f'<p class="abstract">{NO_ABSTRACT}</p>' in bare.text
    full = httpx.get(server + "paper/2605.00001", timeout=10)
    assert full.status_code == 200 and NO_ABSTRACT not in full.text
    assert "An abstract with" in full.text
