"""The web app: days, search, a paper's page and one-click ratings, for one reader on localhost.

There is no account: the app is meant to listen on 127.0.0.1 only. What keeps other sites out is
that every form post must carry the token of this server's run and come from this server's own
origin (the ``Origin`` header, or ``Referer`` when a browser sends no ``Origin``), and every
request must name this server in ``Host`` (against DNS rebinding). All paper text goes through
Jinja2's autoescaping, and the pages forbid scripts and framing.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from papersift.archive import ArchivedDay, load_days
from papersift.config import Settings
from papersift.errors import InputError, MissingExtraError
from papersift.models import NO_ABSTRACT
from papersift.profile import ProfileStore, Rating, latest_ratings, parse_rating_kind

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SEARCH_LIMIT = 200
"""At most this many search hits are shown."""


@dataclass(slots=True)
class WebContext:
    """What the app reads and writes: the digests' folder, the profile store and the token."""

    settings: Settings
    out_dir: Path
    store: ProfileStore
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def profile(self) -> str:
        """The profile the ratings are recorded for."""
        return self.settings.profile.name

    def ratings(self) -> dict[str, Rating]:
        """Each paper's latest rating."""
        return latest_ratings(self.store.load_ratings(self.profile))

    def days(self) -> list[ArchivedDay]:
        """The digests, newest first, read afresh on each request."""
        return load_days(self.out_dir)


def why(entry: dict[str, Any]) -> str:
    """Why a paper was placed where it is, in one line."""
    parts = []
    if entry.get("watched_authors"):
        parts.append(f"By watched author {', '.join(entry['watched_authors'])}.")
    if entry.get("relevance") is not None:
        parts.append(f"Judge: relevance {entry['relevance']}, novelty {entry.get('novelty')}.")
    if entry.get("comment"):
        parts.append(str(entry["comment"]))
    elif entry.get("topic"):
        parts.append(f"Best match: {entry['topic']} (score {entry.get('score', 0):.2f}).")
    return " ".join(parts) or "No reason recorded."


def create_app(context: WebContext) -> Any:
    """The Starlette application over ``context``."""
    try:
        from jinja2 import Environment, FileSystemLoader, select_autoescape
        from starlette.applications import Starlette
        from starlette.routing import Route
    except ImportError:
        raise MissingExtraError("The web app", "serve") from None

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"], default=True)
    )
    env.globals["why"] = why
    env.globals["NO_ABSTRACT"] = NO_ABSTRACT
    pages = _Pages(context, env)
    routes = [
        Route("/", pages.index),
        Route("/day/{date}", pages.day),
        Route("/paper/{paper_id:path}", pages.paper),
        Route("/search", pages.search),
        Route("/rate", pages.rate, methods=["POST"]),
        Route("/style.css", pages.style),
    ]
    app = Starlette(routes=routes)
    return _guard(app, context)


class _Pages:
    def __init__(self, context: WebContext, env: Any) -> None:
        self.context = context
        self.env = env

    def _render(self, name: str, request: Any, status: int = 200, **values: Any) -> Any:
        from starlette.responses import HTMLResponse

        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body = self.env.get_template(name).render(
            profile=self.context.profile,
            csrf=self.context.token,
            ratings=self.context.ratings(),
            here=here,
            **values,
        )
        return HTMLResponse(body, status_code=status)

    async def index(self, request: Any) -> Any:
        return self._render(
            "index.html", request, days=self.context.days(), out_dir=self.context.out_dir
        )

    async def day(self, request: Any) -> Any:
        date = request.path_params["date"]
        chosen = next((d for d in self.context.days() if d.date.isoformat() == date), None)
        if chosen is None:
            return self._missing(request, f"No digest of {date}.")
        selected = [e for e in chosen.entries if e.get("rank") is not None]
        others = [e for e in chosen.entries if e.get("rank") is None]
        return self._render("day.html", request, day=chosen, selected=selected, others=others)

    async def paper(self, request: Any) -> Any:
        paper_id = request.path_params["paper_id"]
        for day in self.context.days():
            entry = day.paper(paper_id)
            if entry is not None:
                return self._render("paper.html", request, entry=entry, day=day.date.isoformat())
        return self._missing(request, f"No digest lists the paper {paper_id}.")

    async def search(self, request: Any) -> Any:
        query = request.query_params.get("q", "").strip()
        hits: list[tuple[str, dict[str, Any]]] = []
        words = query.lower().split()
        for day in self.context.days() if words else []:
            for entry in day.entries:
                text = " ".join(
                    [str(entry.get("title")), str(entry.get("abstract")), *entry.get("authors", [])]
                ).lower()
                if all(word in text for word in words):
                    hits.append((day.date.isoformat(), entry))
        return self._render("search.html", request, query=query, hits=hits[:SEARCH_LIMIT], day=None)

    async def rate(self, request: Any) -> Any:
        from starlette.responses import PlainTextResponse, RedirectResponse

        form = await request.form()
        if not hmac.compare_digest(str(form.get("csrf", "")), self.context.token):
            return PlainTextResponse("Refused: the form's token is missing or stale.", 403)
        try:
            kind = parse_rating_kind(str(form.get("kind", "")))
        except InputError as exc:
            return PlainTextResponse(exc.message, 400)
        paper_id = str(form.get("paper_id", ""))
        record = next((d.paper(paper_id) for d in self.context.days() if d.paper(paper_id)), None)
        if record is None:
            return PlainTextResponse(f"No digest lists the paper {paper_id!r}.", 404)
        _save(self.context, paper_id, kind, str(form.get("note", ""))[:2000], record)
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        return RedirectResponse(target, status_code=303)

    async def style(self, request: Any) -> Any:
        from starlette.responses import Response

        css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")

    def _missing(self, request: Any, message: str) -> Any:
        from starlette.responses import PlainTextResponse

        return PlainTextResponse(message, 404)


def _save(context: WebContext, paper_id: str, kind: Any, note: str, record: dict[str, Any]) -> None:
    import datetime as dt

    from papersift.profile import paper_from_dict

    rating = Rating(paper_id, kind, dt.datetime.now(dt.UTC), note, paper_from_dict(record))
    context.store.save_rating(context.profile, rating)
    logger.info("Rated %s %s from the web app", paper_id, kind)


def _guard(app: Any, context: WebContext) -> Any:
    """Wrap the app: refuse foreign Host headers and cross-origin posts; add security headers."""
    from starlette.responses import PlainTextResponse

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        problem = refusal(scope["method"], headers)
        if problem:
            logger.warning("Refused %s %s: %s", scope["method"], scope["path"], problem)
            await PlainTextResponse(f"Refused: {problem}", 403)(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await app(scope, receive, send_with_headers)

    return guarded


LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def refusal(method: str, headers: dict[str, str]) -> str | None:
    """Why a request must be refused, or ``None``: a foreign Host, or a cross-origin post."""
    host = headers.get("host", "")
    if _hostname(host) not in LOCAL_NAMES:
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


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def run_server(
    settings: Settings,
    host: str,
    port: int,
    out_dir: Path | None,
    on_bound: Callable[[str], None] | None = None,
) -> None:
    """Serve the app until interrupted; ``on_bound`` is called with the URL once bound.

    Raises:
        InputError: the address cannot be bound.
    """
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("The web app", "serve") from None
    from papersift.learning import profile_store

    if host not in {"127.0.0.1", "localhost", "::1"}:
        logger.warning("Listening on %s: anyone who can reach it can rate papers.", host)
    context = WebContext(settings, out_dir or settings.output.dir, profile_store(settings))
    listener = _bind(host, port)
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if on_bound:
        on_bound(f"http://{shown}:{bound}/")
    config = uvicorn.Config(create_app(context), log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise InputError(
            f"Cannot listen on {host}:{port}: {exc}.", "Pick another port with --port."
        ) from None
    listener.listen(64)
    return listener
