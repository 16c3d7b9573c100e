"""A local OpenAI-compatible server that answers chat completions from recorded judgments.

It reads labelled days (``YYYY-MM-DD.jsonl`` with a ``judge`` object per paper), finds the arXiv
ids in each prompt (``<<<PAPER id>>>`` lines, or ``id:`` lines) and replies with the recorded
relevance, novelty and comment of each, in the format the request asked for: a JSON-schema
``response_format`` gets one JSON object with the schema's keys, otherwise one JSON object per
line with the keys and the spacing of the prompt's example line. Short keys (``rel``, ``nov``,
``note`` and the like) are filled from the recorded field they name. A paper with no
recording is left out of the reply, as a model that does not answer for a paper, so the client
asks again and finally counts it judge failed; the server never makes up a judgment. Usage is
counted with quicktok on the prompt actually received; a system message seen before is reported as
cached, as providers do for repeated prompt prefixes.

Fault modes, each drawn at ``fault_rate`` per request: ``429`` (with Retry-After), ``500``,
``slow``, ``timeout``, ``truncated`` (cut JSON, finish_reason "length"), ``fenced``, ``prose``,
``missing`` (ids left out), ``invented`` (ids added), ``strings`` (scores as text). A reply
longer than the request's ``max_tokens`` (or ``max_completion_tokens``) is cut there, with
finish_reason "length", as a model stops at its limit.

Run it on its own with ``python -m papersift.testing.fake_openai --judged DIR --latency 1.5``;
``--quota-exhausted``, ``--reject temperature`` and ``--no-structured`` play an exhausted
quota, a rejected request field and an endpoint without JSON-schema replies.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FAULTS = (
    "429",
    "500",
    "slow",
    "timeout",
    "truncated",
    "fenced",
    "prose",
    "missing",
    "invented",
    "strings",
)
_ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)
_OPENING = re.compile(r"^<<<PAPER\s+([^\s>]+)>>>\s*$", re.MULTILINE)
"""An opening delimiter holding the paper's id; where ``id:`` lines give the ids, it numbers."""
_KEYS = {
    "id": "id",
    "relevance": "relevance",
    "rel": "relevance",
    "r": "relevance",
    "novelty": "novelty",
    "nov": "novelty",
    "n": "novelty",
    "comment": "comment",
    "note": "comment",
    "c": "comment",
    "why": "comment",
}
"""Reply keys a prompt may ask for, and the recorded field each names."""
_EXAMPLE_LINE = re.compile(r"^\{\"id\".*\}\s*$", re.MULTILINE)
_INVENTED = {"relevance": 10, "novelty": 10, "comment": "A paper nobody asked about."}
"""The judgment the ``invented`` fault gives an id that was not in the prompt."""
_CACHE_MINIMUM = 1024
"""Prompt prefixes shorter than this are not cached, as with OpenAI's prompt caching."""


@dataclass(slots=True)
class ServerOptions:
    """How the fake server behaves."""

    latency: float = 0.0
    """Seconds added to every reply."""
    faults: tuple[str, ...] = ()
    fault_rate: float = 0.0
    seed: int = 0
    retry_after: float = 0.05
    """Seconds the 429 fault asks the client to wait."""
    hang: float = 5.0
    """Seconds the ``timeout`` fault holds a request; set above the client's time-out."""
    api_key: str | None = None
    """When set, requests with another key get 401."""
    quota_exhausted: bool = False
    """Answer every request with 429 ``insufficient_quota``."""
    reject_params: tuple[str, ...] = ()
    """Request fields answered with 400, as some models reject ``temperature``."""
    structured: bool = True
    """When false, a ``response_format`` is answered with 400."""


@dataclass(slots=True)
class ServerStats:
    """What the server saw, for tests and the benchmark."""

    requests: int = 0
    answered: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    ids_asked: Counter[str] = field(default_factory=Counter)
    ids_unrecorded: Counter[str] = field(default_factory=Counter)
    """Ids asked about that have no recording, so no reply answered for them."""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    """Most chat completions being answered at once."""


def load_recorded(folder: Path) -> dict[str, dict[str, Any]]:
    """Paper id to its recorded judge object, from every ``*.jsonl`` in ``folder``."""
    recorded: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            judge = record.get("judge")
            if isinstance(judge, dict) and record.get("arxiv_id"):
                recorded[str(record["arxiv_id"]).split("v")[0]] = judge
    return recorded


class FakeOpenAI:
    """The server, in a background thread; use as a context manager or ``start``/``stop``."""

    def __init__(
        self, recorded: dict[str, dict[str, Any]], options: ServerOptions | None = None
    ) -> None:
        self.recorded = recorded
        self.options = options or ServerOptions()
        self.stats = ServerStats()
        self._random = random.Random(self.options.seed)
        self._lock = threading.Lock()
        self._seen_prefixes: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._encoding: Any = None

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL to give the OpenAI client."""
        assert self._server is not None, "the server is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self, port: int = 0) -> FakeOpenAI:
        """Listen on 127.0.0.1 (an ephemeral port unless ``port`` is given)."""
        import quicktok

        self._encoding = quicktok.get_encoding("o200k_base")
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, text: str) -> int:
        """Tokens of ``text`` in o200k_base."""
        return len(self._encoding.encode(text, disallowed_special=()))

    def within_limit(self, content: str, finish: str, body: dict[str, Any]) -> tuple[str, str]:
        """The reply cut at the request's token limit, as a model stops there."""
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if not isinstance(limit, int) or limit <= 0:
            return content, finish
        tokens = self._encoding.encode(content, disallowed_special=())
        if len(tokens) <= limit:
            return content, finish
        return self._encoding.decode(tokens[:limit]), "length"

    def draw_fault(self) -> str | None:
        """A fault for this request, or ``None``."""
        with self._lock:
            if self.options.faults and self._random.random() < self.options.fault_rate:
                return self._random.choice(self.options.faults)
            return None

    def choose(self, items: list[Any], share: float) -> list[Any]:
        """A random subset of about ``share`` of ``items``, at least one."""
        with self._lock:
            count = max(1, round(len(items) * share))
            return self._random.sample(items, min(count, len(items)))

    def cached_tokens(self, system: str, tokens: int) -> int:
        """Tokens of a system message already seen, as a provider's prompt cache reports."""
        key = hashlib.sha256(system.encode()).hexdigest()
        with self._lock:
            seen = key in self._seen_prefixes
            self._seen_prefixes.add(key)
        if not seen or tokens < _CACHE_MINIMUM:
            return 0
        return tokens // 128 * 128


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when many requests arrive at once, and the
    # client's retransmission a second later would show as latency that is not the server's.
    request_queue_size = 128
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake_openai: " + format, *args)

    def do_POST(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        with fake._lock:
            fake.stats.requests += 1
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, "not_found", f"no route {self.path}")
            return
        refusal = self._refusal(raw)
        if refusal is not None:
            self._error(*refusal)
            return
        body = json.loads(raw)
        with fake._lock:
            fake.stats.bodies.append(body)
            fake.stats.in_flight += 1
            fake.stats.max_in_flight = max(fake.stats.max_in_flight, fake.stats.in_flight)
        try:
            self._complete(body)
        finally:
            with fake._lock:
                fake.stats.in_flight -= 1

    def _refusal(self, raw: bytes) -> tuple[int, str, str] | None:
        options = self.fake.options
        key = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if options.api_key is not None and key != options.api_key:
            return 401, "invalid_api_key", "Incorrect API key provided."
        if options.quota_exhausted:
            return 429, "insufficient_quota", "You exceeded your current quota."
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, "invalid_json", "The body is not JSON."
        for name in options.reject_params:
            if name in body:
                return 400, "unsupported_parameter", f"Unsupported parameter: '{name}'."
        if not options.structured and "response_format" in body:
            return 400, "unsupported_parameter", "response_format is not supported by this model"
        return None

    def _complete(self, body: dict[str, Any]) -> None:
        fake = self.fake
        messages = body.get("messages") or []
        texts = [str(m.get("content") or "") for m in messages]
        fault = fake.draw_fault()
        if fault:
            with fake._lock:
                fake.stats.faults[fault] += 1
        time.sleep(fake.options.latency)
        if fault == "429":
            self._error(429, "rate_limit_exceeded", "Rate limit reached.", fake.options.retry_after)
            return
        if fault == "500":
            self._error(500, "server_error", "The server had an error.")
            return
        if fault == "timeout":
            time.sleep(fake.options.hang)
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(max(fake.options.latency, 0.2) * 2)
        content, finish = _answer(fake, body, "\n".join(texts), fault)
        content, finish = fake.within_limit(content, finish, body)
        system = texts[0] if messages and messages[0].get("role") == "system" else ""
        prompt_tokens = sum(fake.count(t) + 4 for t in texts) + 3
        system_tokens = fake.count(system) + 4 if system else 0
        completion_tokens = fake.count(content)
        cached = fake.cached_tokens(system, system_tokens) if system else 0
        with fake._lock:
            fake.stats.answered += 1
            fake.stats.prompt_tokens += prompt_tokens
            fake.stats.completion_tokens += completion_tokens
        self._json(
            200,
            {
                "id": f"chatcmpl-{fake.stats.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            },
        )

    def _error(self, status: int, code: str, message: str, retry_after: float | None = None):
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        error_type = (
            "insufficient_quota" if code == "insufficient_quota" else "invalid_request_error"
        )
        payload = {"error": {"message": message, "type": error_type, "code": code, "param": None}}
        self._json(status, payload, headers)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        data = json.dumps(payload).encode()
        with self.fake._lock:
            self.fake.stats.statuses[status] += 1
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fake_openai: the client went away")


def _answer(fake: FakeOpenAI, body: dict[str, Any], prompt: str, fault: str | None):
    """The reply text and finish reason for a prompt."""
    ids = list(dict.fromkeys(_ID_LINE.findall(prompt) or _OPENING.findall(prompt)))
    with fake._lock:
        fake.stats.ids_asked.update(ids)
    unrecorded = [paper_id for paper_id in ids if paper_id not in fake.recorded]
    with fake._lock:
        fake.stats.ids_unrecorded.update(unrecorded)
    fields, structured, compact = _fields(body, prompt)
    items = [_item(fake.recorded[i], i, fields) for i in ids if i in fake.recorded]
    if fault == "missing" and items:
        dropped = {id(item) for item in fake.choose(items, 0.34)}
        items = [item for item in items if id(item) not in dropped]
    if fault == "invented":
        invented_id = f"9999.{fake._random.randint(10000, 99999)}"
        items.append(_item(_INVENTED, invented_id, fields))
    if fault == "strings":
        for item in items:
            for name in item:
                if _KEYS.get(name.lower()) in ("relevance", "novelty"):
                    item[name] = f"{item[name]}/10"
    if structured:
        content = json.dumps({"judgments": items}, ensure_ascii=False)
    else:
        separators = (",", ":") if compact else (", ", ": ")
        content = "\n".join(
            json.dumps(item, ensure_ascii=False, separators=separators) for item in items
        )
    if fault == "fenced":
        content = f"```json\n{content}\n```"
    elif fault == "prose":
        content = f"Here are the scores you asked for.\n\n{content}\n\nI hope this helps."
    if fault == "truncated":
        return content[: max(1, int(len(content) * 0.6))], "length"
    return content, "stop"


def _fields(body: dict[str, Any], prompt: str) -> tuple[list[str], bool, bool]:
    """The reply's keys, whether it is structured, and whether lines are written compactly."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format.get("json_schema", {}).get("schema", {})
        item = schema.get("properties", {}).get("judgments", {}).get("items", {})
        return list(item.get("properties", {})) or ["id", "relevance"], True, False
    example = _EXAMPLE_LINE.search(prompt)
    if example:
        try:
            keys = list(json.loads(example.group(0)))
        except ValueError:
            pass
        else:
            return keys, False, '", "' not in example.group(0)
    return ["id", "relevance", "novelty", "comment"], False, False


def _item(judge: dict[str, Any], paper_id: str, fields: Iterable[str]) -> dict[str, Any]:
    values = {"id": paper_id, **judge}
    return {name: values.get(_KEYS.get(name.lower(), name)) for name in fields}


def main(argv: list[str] | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, required=True, help="folder of labelled days")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per reply")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--faults", default="", help=f"comma-separated, of: {', '.join(FAULTS)}")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-key", default=None, help="refuse requests with another key")
    parser.add_argument(
        "--quota-exhausted", action="store_true", help="answer 429 insufficient_quota"
    )
    parser.add_argument(
        "--reject", default="", help="comma-separated request fields answered with 400"
    )
    parser.add_argument(
        "--no-structured", action="store_true", help="answer a response_format with 400"
    )
    arguments = parser.parse_args(argv)
    faults = tuple(f for f in arguments.faults.split(",") if f)
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
    options = ServerOptions(
        latency=arguments.latency,
        faults=faults,
        fault_rate=arguments.fault_rate,
        seed=arguments.seed,
        api_key=arguments.api_key,
        quota_exhausted=arguments.quota_exhausted,
        reject_params=tuple(f for f in arguments.reject.split(",") if f),
        structured=not arguments.no_structured,
    )
    server = FakeOpenAI(load_recorded(arguments.judged), options).start(arguments.port)
    print(f"Serving chat completions at {server.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
