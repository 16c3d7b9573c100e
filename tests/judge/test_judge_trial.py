"""``papersift run`` against the replay server as a new user runs it: a judged day, its faults."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def _config(tmp_path: Path, astro: Path, base_url: str | None, **judge: object) -> Path:
    lines = [
        "[profile]",
        f"interests = {json.dumps(str(astro / 'interests.md'))}",
        "[ranker]",
        'kind = "tfidf"',
        "[judge]",
        "enabled = true",
        *([] if "model" in judge else ['model = "gpt-4.1"']),
        f"cache_file = {json.dumps(str(tmp_path / 'judgments.jsonl'))}",
        *([f"base_url = {json.dumps(base_url)}"] if base_url else []),
        *(f"{key} = {_toml(value)}" for key, value in judge.items()),
    ]
    path = tmp_path / "papersift.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _run(config: Path, day: Path, *extra: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENAI_API_KEY": "test-key", **env_extra}
    if "OPENAI_BASE_URL" not in env_extra:
        env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "papersift", "--db", str(config.parent / "papersift.db"), "run"]
        + ["--config", str(config), "--from-file", str(day), "--out", str(config.parent / "out")]
        + list(extra),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _digest(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "out" / "latest.json").read_text())


def test_a_labelled_day_runs_from_file_and_is_judged_as_recorded(
    tmp_path, astro, fake_server, labelled_day
):
    day = labelled_day("2026-02-11")
    server = fake_server()
    config = _config(tmp_path, astro, None, share=1.0)
    result = _run(config, astro / "2026-02-11.jsonl", OPENAI_BASE_URL=server.base_url)

    assert result.returncode == 0, result.stderr
    digest = _digest(tmp_path)
    assert digest["date"] == "2026-02-11"
    entries = digest["papers"] + digest["unselected"]
    assert {p["id"] for p in entries} == set(day.listing.papers)
    judged = {p["id"]: p["relevance"] for p in entries if p["status"] == "judged"}
    assert judged and all(judged[i] == day.labels[i].relevance for i in judged)
    assert set(judged) == {i for i in day.labels if day.labels[i].relevance is not None}


def test_a_budget_that_stops_judging_is_said_on_the_terminal_too(tmp_path, astro, fake_server):
    server = fake_server()
    config = _config(tmp_path, astro, server.base_url, share=1.0, budget_tokens=15000)
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 0, result.stderr
    notice = _digest(tmp_path)["notices"][0]
    assert notice.startswith("Judging stopped at the run's budget (15000 tokens)")
    assert "Judging stopped at the run's budget" in " ".join(result.stderr.split())
    # The papers the budget kept from the judge are told apart from those the cascade left out.
    stopped = int(re.search(r": (\d+) of \d+ ", notice).group(1))
    entries = _digest(tmp_path)["papers"] + _digest(tmp_path)["unselected"]
    statuses = [p["status"] for p in entries]
    assert stopped > 0 and statuses.count("stopped by budget") == stopped
    assert all(p["score"] is not None for p in entries if p["status"] == "stopped by budget")


def test_a_budget_in_dollars_for_an_unpriced_model_is_said_not_enforced(
    tmp_path, astro, fake_server
):
    server = fake_server()
    config = _config(
        tmp_path, astro, server.base_url, model="local-model", max_papers=5, budget_usd=0.01
    )
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 0, result.stderr
    (notice,) = [n for n in _digest(tmp_path)["notices"] if "budget" in n]
    assert notice.startswith("The budget of $0.01 was not enforced: model 'local-model' has no")
    assert "price_input and price_output, or budget_tokens" in notice
    assert "was not enforced" in result.stderr


def test_a_judge_that_answers_some_papers_does_not_fail_the_run(tmp_path, astro, fake_server):
    server = fake_server(faults=("missing",), fault_rate=1.0)
    config = _config(
        tmp_path, astro, server.base_url, max_papers=8, max_retries=0, missing_retries=0
    )
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 0, result.stderr
    entries = _digest(tmp_path)["papers"] + _digest(tmp_path)["unselected"]
    statuses = [p["status"] for p in entries]
    assert "judged" in statuses and "judge failed" in statuses


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_endpoint_that_is_down_stops_the_run_naming_it(tmp_path, astro):
    base_url = f"http://127.0.0.1:{_free_port()}/v1"
    config = _config(tmp_path, astro, base_url, share=1.0, max_retries=1)
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 1, result.stderr
    message = " ".join(result.stderr.split())
    assert f"The judge endpoint {base_url} cannot be reached" in message
    assert "after 1 retry." in message
    assert "OPENAI_BASE_URL" in message and "base_url" in message
    assert message.count("Judge request failed") == 0
    assert not (tmp_path / "out" / "latest.json").exists()


@pytest.mark.parametrize(
    ("rejected", "judge", "advice"),
    [
        ("temperature", {}, 'temperature = "none"'),
        ("max_tokens", {}, 'max_tokens_param = "max_completion_tokens"'),
        (
            "max_completion_tokens",
            {"max_tokens_param": "max_completion_tokens"},
            'max_tokens_param = "max_tokens"',
        ),
        ("seed", {"extra_body": {"seed": 1}}, "[judge] extra_body"),
    ],
)
def test_a_parameter_the_endpoint_rejects_names_the_setting_and_exits_2(
    tmp_path, astro, fake_server, rejected, judge, advice
):
    server = fake_server(reject_params=(rejected,))
    config = _config(tmp_path, astro, server.base_url, share=1.0, **judge)
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert f"The judge endpoint rejected the parameter '{rejected}'" in message
    assert advice in message
    assert message.count("Judge request failed") == 0
    assert server.stats.statuses[400] == server.stats.requests


class _Refusing(BaseHTTPRequestHandler):
    """Answers every request with one error, as a real endpoint words it."""

    status = 404
    error: dict[str, object] = {
        "message": "The model `gpt-4.1` does not exist.",
        "type": "invalid_request_error",
        "code": "model_not_found",
        "param": None,
    }
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": self.error}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _run_against(
    handler: type[BaseHTTPRequestHandler], tmp_path: Path, astro: Path, **judge: object
) -> subprocess.CompletedProcess:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        config = _config(tmp_path, astro, base_url, **judge)
        return _run(config, astro / "2026-02-11.jsonl")
    finally:
        server.shutdown()
        server.server_close()


def test_a_model_the_endpoint_does_not_serve_exits_2_with_the_advice(tmp_path, astro):
    result = _run_against(_Refusing, tmp_path, astro, share=1.0)

    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "HTTP 404" in message and "does not exist" in message
    assert "[judge] model" in message and "/v1" in message
    assert message.count("Judge request failed") == 0


@pytest.mark.parametrize("where", ["config", "environment"])
def test_a_base_url_without_a_scheme_is_a_config_error(tmp_path, astro, where):
    url = "localhost:11434/v1"
    config = _config(tmp_path, astro, url if where == "config" else None)
    env = {"OPENAI_BASE_URL": url} if where == "environment" else {}
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run", **env)

    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "'judge.base_url'" in message and "'localhost:11434/v1'" in message
    assert "http://" in message
    assert ("OPENAI_BASE_URL" in message) == (where == "environment")


def test_an_empty_model_name_is_a_config_error(tmp_path, astro):
    config = _config(tmp_path, astro, "http://127.0.0.1:9/v1", model="")
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run")
    assert result.returncode == 2, result.stderr
    assert "'judge.model'" in result.stderr


def test_no_api_key_for_openai_is_a_config_error(tmp_path, astro):
    config = _config(tmp_path, astro, None)
    result = _run(config, astro / "2026-02-11.jsonl", OPENAI_API_KEY="")
    assert result.returncode == 2, result.stderr
    assert "no API key" in result.stderr and "OPENAI_API_KEY" in result.stderr


def test_a_judge_that_answered_nothing_says_what_to_do(tmp_path, astro, fake_server):
    server = fake_server(faults=("500",), fault_rate=1.0)
    config = _config(tmp_path, astro, server.base_url, max_papers=5, max_retries=0)
    result = _run(config, astro / "2026-02-11.jsonl")

    # The digest is written all the same, but the run fails so that a scheduled job notices.
    assert result.returncode == 1, result.stderr
    assert "Error: The judge answered for none of the 5 papers sent to it." in result.stderr
    assert "written with the local ranking" in result.stderr
    digest = _digest(tmp_path)
    entries = digest["papers"] + digest["unselected"]
    assert len(entries) == 75 and len(digest["papers"]) == 20
    assert sum(p["status"] == "judge failed" for p in entries) == 5
    message = " ".join(result.stderr.split())
    assert "The judge answered for none of the 5 papers" in message
    assert "Run the day again later" in message and "max_retries" in message


def test_a_dry_run_without_an_api_key_warns_that_a_run_would_stop(tmp_path, astro):
    config = _config(tmp_path, astro, None)
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run", OPENAI_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert "Judge estimate" in result.stdout
    message = " ".join(result.stderr.split())
    assert "no API key" in message and "OPENAI_API_KEY" in message


@contextmanager
def _server_process(astro: Path, *flags: str) -> Iterator[str]:
    """The replay server run on its own with ``flags``; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "papersift.testing.fake_openai", "--judged", str(astro)]
        + ["--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/v1", line)
        assert match, line + (process.stderr.read() if process.stderr else "")
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(
    ("flags", "status", "said"),
    [
        (("--quota-exhausted",), 1, "quota is exhausted"),
        (("--reject", "temperature"), 2, "rejected the parameter 'temperature'"),
    ],
)
def test_the_replay_server_on_its_own_plays_a_quota_error_and_a_rejected_field(
    tmp_path, astro, flags, status, said
):
    with _server_process(astro, *flags) as base_url:
        config = _config(tmp_path, astro, None, share=1.0, structured_output=False)
        result = _run(config, astro / "2026-02-11.jsonl", OPENAI_BASE_URL=base_url)
    assert result.returncode == status, result.stderr
    assert said in " ".join(result.stderr.split())


def test_the_replay_server_on_its_own_can_refuse_structured_replies(tmp_path, astro):
    with _server_process(astro, "--no-structured") as base_url:
        config = _config(tmp_path, astro, None, max_papers=10)
        result = _run(config, astro / "2026-02-11.jsonl", OPENAI_BASE_URL=base_url)
    assert result.returncode == 0, result.stderr
    assert "rejects JSON-schema replies" in " ".join(result.stderr.split())
    assert sum(p["status"] == "judged" for p in _digest(tmp_path)["papers"]) == 10


class _ReplyTooLong(_Refusing):
    """A 400 that quotes the reply limit but is about one request's length, as vLLM words it."""

    status = 400
    error = {
        "message": "'max_tokens' is too large: 2854. This model's maximum context length is 4096 "
        "tokens and your request has 3021 input tokens (2854 > 4096 - 3021).",
        "type": "BadRequestError",
        "code": 400,
        "param": None,
    }


def test_a_request_too_long_for_the_model_is_not_taken_for_a_rejected_field(tmp_path, astro):
    result = _run_against(_ReplyTooLong, tmp_path, astro, max_papers=5, missing_retries=0)

    # Every batch failed, so the run does (exit 1), not as a setup error (exit 2).
    assert result.returncode == 1, result.stderr
    message = " ".join(result.stderr.split())
    assert "rejected the parameter" not in message and "is too large" in message
    entries = _digest(tmp_path)["papers"] + _digest(tmp_path)["unselected"]
    assert len(entries) == 75
    assert sum(p["status"] == "judge failed" for p in entries) == 5


def test_an_empty_base_url_means_the_openai_endpoint(tmp_path, astro):
    config = _config(tmp_path, astro, None)
    with config.open("a") as handle:
        handle.write('base_url = ""\n')
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run", OPENAI_API_KEY="")
    assert result.returncode == 0, result.stderr
    # With no endpoint of its own, the judge would call OpenAI, and there it needs a key.
    assert "no API key for the OpenAI endpoint" in " ".join(result.stderr.split())


@pytest.mark.parametrize("key", ["system_prompt", "criteria", "title_prompt", "abstract_prompt"])
def test_a_prompt_file_that_does_not_exist_exits_2_before_anything_is_sent(
    tmp_path, astro, fake_server, key
):
    server = fake_server()
    config = _config(tmp_path, astro, server.base_url, title_pass=True, **{key: "mine.md"})
    result = _run(config, astro / "2026-02-11.jsonl")

    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert f"Prompt file {str(tmp_path / 'mine.md')!r} ([judge] {key}) does not exist." in message
    assert "remove the key to use the bundled prompt" in message
    assert server.stats.requests == 0
    assert not (tmp_path / "out").exists()
    # Found before the listing is read: the run stored none of the day's papers.
    assert _count(tmp_path / "papersift.db", "SELECT count(*) FROM papers") == 0


def _count(db: Path, sql: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchone()[0]


def test_a_dry_run_says_when_the_budget_would_stop_judging(tmp_path, astro, fake_server):
    server = fake_server()
    config = _config(tmp_path, astro, server.base_url, budget_usd=0.04, budget_tokens=100000)
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run")

    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("Judge estimate"))
    assert "more than the run's budget ($0.04)" in line
    assert "judging would stop before the end" in line
    assert server.stats.requests == 0


def test_a_dry_run_after_a_run_counts_the_cached_judgments_as_free(tmp_path, astro, fake_server):
    server = fake_server()
    config = _config(tmp_path, astro, server.base_url, max_papers=10)
    assert _run(config, astro / "2026-02-11.jsonl").returncode == 0
    requests = server.stats.requests
    result = _run(config, astro / "2026-02-11.jsonl", "--dry-run")

    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("Judge estimate"))
    assert "10 of 75 papers to gpt-4.1 (10 judged before, from the cache), 0 request(s)" in line
    assert server.stats.requests == requests
