"""The replay server run on its own, as the benchmark and a user start it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import openai

SRC = Path(__file__).resolve().parents[2] / "src"


def test_runs_on_its_own_and_answers_the_sdk(shared_data: Path) -> None:
    judged = shared_data / "judged" / "astro-ph"
    process = subprocess.Popen(
        [sys.executable, "-m", "papersift.testing.fake_openai", "--judged", str(judged)]
        + ["--latency", "0.01", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/v1", line)
        assert match, line
        client = openai.OpenAI(base_url=match.group(0), api_key="k", max_retries=0, timeout=20)
        reply = client.chat.completions.create(
            model="gpt-4.1",
            messages=[
                {"role": "system", "content": 'Reply like\n{"id": "1", "relevance": 1}'},
                {"role": "user", "content": "<<<PAPER 1>>>\nid: 2602.06509\n<<<END PAPER 1>>>"},
            ],
        )
        assert reply.choices[0].message.content == '{"id": "2602.06509", "relevance": 2}'
        assert reply.usage is not None and reply.usage.prompt_tokens > 10
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
