"""The replay server run on its own, as the benchmark and a user start it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from papersift.testing.fake_openai import FakeOpenAI, ServerOptions

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


RECORDED = {
    "2602.00001": {"relevance": 8, "novelty": 6, "comment": "Recorded one."},
    "2602.00002": {"relevance": 3, "novelty": 2, "comment": "Recorded two."},
}
ASKED = ("2602.00001", "2699.99999", "2602.00002", "2699.99998")


def _prompt(ids: tuple[str, ...]) -> list[dict[str, str]]:
    papers = "\n".join(
        f"<<<PAPER {n}>>>\nid: {paper_id}\n<<<END PAPER {n}>>>" for n, paper_id in enumerate(ids)
    )
    example = '{"id": "1", "relevance": 1, "novelty": 1, "comment": "c"}'
    return [
        {"role": "system", "content": f"Reply like\n{example}"},
        {"role": "user", "content": papers},
    ]


def _reply_ids(content: str) -> list[str]:
    return re.findall(r'"id": "([^"]+)"', content)


def test_papers_without_a_recording_are_left_out_not_invented() -> None:
    with FakeOpenAI(RECORDED) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=20)
        reply = client.chat.completions.create(model="gpt-4.1", messages=_prompt(ASKED))
        client.close()
    content = reply.choices[0].message.content or ""
    lines = [json.loads(line) for line in content.splitlines()]
    assert lines == [
        {"id": "2602.00001", "relevance": 8, "novelty": 6, "comment": "Recorded one."},
        {"id": "2602.00002", "relevance": 3, "novelty": 2, "comment": "Recorded two."},
    ]
    assert server.stats.ids_unrecorded == {"2699.99999": 1, "2699.99998": 1}
    assert server.stats.ids_asked == dict.fromkeys(ASKED, 1)


def test_a_prompt_of_only_unrecorded_papers_gets_no_judgment() -> None:
    with FakeOpenAI(RECORDED) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=20)
        reply = client.chat.completions.create(model="gpt-4.1", messages=_prompt(("2699.99999",)))
        client.close()
    assert reply.choices[0].message.content == ""
    assert reply.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    "fault", ["truncated", "fenced", "prose", "missing", "invented", "strings"]
)
def test_reply_faults_never_answer_for_unrecorded_papers(fault: str) -> None:
    options = ServerOptions(faults=(fault,), fault_rate=1.0, seed=2)
    with FakeOpenAI(RECORDED, options) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=20)
        reply = client.chat.completions.create(model="gpt-4.1", messages=_prompt(ASKED))
        client.close()
    content = reply.choices[0].message.content or ""
    ids = _reply_ids(content)
    assert not {"2699.99999", "2699.99998"} & set(ids)
    assert server.stats.faults == {fault: 1}
    if fault == "invented":
        assert ids[:2] == ["2602.00001", "2602.00002"] and ids[2].startswith("9999.")
    if fault == "missing":
        assert len(ids) == 1 and ids[0] in RECORDED
    if fault == "strings":
        assert '"relevance": "8/10"' in content
    if fault == "truncated":
        assert reply.choices[0].finish_reason == "length"
    if fault in ("fenced", "prose"):
        assert ids == ["2602.00001", "2602.00002"]
