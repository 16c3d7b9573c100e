"""Local stand-ins the delivery tests talk to: a Slack-like HTTP server and an SMTP server."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEBHOOK_PATH = "/services/T0000/B0000/hook-secret-4f2a"
"""A webhook path holding a secret, as Slack's do; no output may ever show it."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: str | dict[str, Any] = "ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SlackRequest:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class SlackServer:
    """Answers like Slack: the webhook says ``ok``, ``chat.postMessage`` says ``{"ok": true}``.

    ``replies`` are used first, one per request, in order; then the normal answers.
    """

    def __init__(self) -> None:
        self.requests: list[SlackRequest] = []
        self.replies: list[Reply] = []
        self.token = "xoxb-test-token-77"
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def webhook_url(self) -> str:
        """The incoming webhook's URL."""
        return self.base + WEBHOOK_PATH

    @property
    def api_url(self) -> str:
        """The Web API's base URL, as slack_sdk's ``base_url`` takes it."""
        return self.base + "/api/"

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        import time

        length = int(handler.headers.get("Content-Length", "0"))
        raw = handler.rfile.read(length).decode("utf-8")
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {"raw": raw}
        with self._lock:
            self.requests.append(
                SlackRequest(handler.path, dict(handler.headers), body, time.monotonic())
            )
            reply = self.replies.pop(0) if self.replies else self._normal(handler)
        payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        data = payload.encode("utf-8")
        handler.send_response(reply.status)
        kind = "text/html" if isinstance(reply.body, str) else "application/json; charset=utf-8"
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _normal(self, handler: http.server.BaseHTTPRequestHandler) -> Reply:
        if handler.path == WEBHOOK_PATH:
            return Reply(200, "ok")
        if handler.path == "/api/chat.postMessage":
            if handler.headers.get("Authorization") != f"Bearer {self.token}":
                return Reply(200, {"ok": False, "error": "invalid_auth"})
            return Reply(200, {"ok": True, "channel": "C0PAPERS", "ts": "1716700000.000100"})
        return Reply(404, "no_service")


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (aiosmtpd's controller needs a number)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed_certificate(folder: Path) -> tuple[Path, Path] | None:
    """A certificate for ``localhost`` and 127.0.0.1 and its key, made by openssl; or None."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return cert, key


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message; refuses ``refused@`` and can drop the line."""

    messages: list[tuple[list[str], email.message.EmailMessage, bool]] = field(default_factory=list)
    drop: bool = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop:
            server.transport.close()
            return "421 closing"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object")
        self.messages.append((list(envelope.rcpt_tos), message, bool(encrypted)))
        return "250 Message accepted"
