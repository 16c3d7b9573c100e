"""What keeps other sites out of the web app: the Host and origin checks and the security headers.

Every request must name this server in ``Host`` (localhost, an IP address, or the name it was
told to listen on), which a page reached through DNS rebinding cannot; every other method than
GET and HEAD must come from this server's own origin (``Origin``, or ``Referer`` when a browser
sends no ``Origin``). Every response, refusals included, carries headers that forbid scripts,
framing and content sniffing.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def guard(app: Any, names: frozenset[str]) -> Any:
    """Wrap the app: refuse foreign Host headers and cross-origin posts; add security headers."""
    from starlette.responses import PlainTextResponse

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        problem = refusal(scope["method"], headers, names)
        if problem:
            logger.warning("Refused %s %s: %s", scope["method"], scope["path"], problem)
            await PlainTextResponse(f"Refused: {problem}", 403)(scope, receive, send_with_headers)
            return
        await app(scope, receive, send_with_headers)

    return guarded


LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def refusal(
    method: str, headers: dict[str, str], names: frozenset[str] = frozenset()
) -> str | None:
    """Why a request must be refused, or ``None``: a foreign Host, or a cross-origin post.

    ``Host`` must be localhost, an IP address (which DNS rebinding cannot produce) or one of
    ``names``.
    """
    host = headers.get("host", "")
    name = _hostname(host)
    if name not in LOCAL_NAMES and name not in names and not is_address(name):
        return f"the Host {host!r} is not this local server"
    if method in {"GET", "HEAD"}:
        return None
    if headers.get("sec-fetch-site") == "cross-site":
        return "the request comes from another site"
    origin = headers.get("origin")
    referer = headers.get("referer")
    source = origin if origin and origin != "null" else referer
    if not source:
        return "the request names no origin"
    if urlsplit(source).netloc != host:
        return f"the origin {source!r} is not this server"
    return None


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host
