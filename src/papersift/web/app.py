"""The web app: days, search, a paper's page and one-click ratings, for one reader on localhost.

There is no account: the app is meant to listen on 127.0.0.1 only. What keeps other sites out is
that every form post must carry the token of this server's run and come from this server's own
origin (the ``Origin`` header, or ``Referer`` when a browser sends no ``Origin``), and every
request must name this server in ``Host`` (against DNS rebinding; see :mod:`papersift.web.guard`).
All paper text goes through Jinja2's autoescaping, and the pages forbid scripts and framing.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import logging
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papersift.archive import ArchivedDay, digest_paths, load_day
from papersift.config import Settings
from papersift.errors import InputError, MissingExtraError, PapersiftError, StoreError
from papersift.models import NO_ABSTRACT, ArxivId
from papersift.profile import ProfileStore, Rating, latest_ratings, parse_rating_kind
from papersift.web.guard import guard

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
SEARCH_LIMIT = 200
"""At most this many search hits are shown."""
NOTE_LIMIT = 2000
"""The longest note the web app takes with a rating."""


@dataclass(slots=True)
class WebContext:
    """What the app reads and writes: the digests' folder, the profile store and the token."""

    settings: Settings
    out_dir: Path
    store: ProfileStore
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    host_names: frozenset[str] = frozenset()
    """Names besides localhost and IP addresses that requests may give in ``Host``."""
    _cache: dict[Path, tuple[tuple[int, int, int], ArchivedDay | None]] = field(
        default_factory=dict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def profile(self) -> str:
        """The profile the ratings are recorded for."""
        return self.settings.profile.name

    def ratings(self) -> dict[str, Rating]:
        """Each paper's latest rating."""
        return latest_ratings(self.store.load_ratings(self.profile))

    def days(self) -> list[ArchivedDay]:
        """The digests, newest first; a file is read again only once it changed on disk."""
        # TODO(#7): every digest stays in memory (about 1 MB a day of 300 papers) for speed.
        with self._lock:
            fresh: dict[Path, tuple[tuple[int, int, int], ArchivedDay | None]] = {}
            for path in digest_paths(self.out_dir):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                known = self._cache.get(path)
                fresh[path] = known if known and known[0] == key else (key, _load(path))
            self._cache = fresh
        return [day for _, day in fresh.values() if day is not None]

    def find(self, paper_id: str) -> tuple[ArchivedDay, dict[str, Any]] | None:
        """The newest day listing ``paper_id`` and its record there."""
        for day in self.days():
            entry = day.paper(paper_id)
            if entry is not None:
                return day, entry
        return None


def _load(path: Path) -> ArchivedDay | None:
    day = load_day(path)
    if day is not None:
        day.entries = [_tidy(entry) for entry in day.entries]
    return day


def _tidy(entry: dict[str, Any]) -> dict[str, Any]:
    """The record with the values the pages show in their expected types (a hand-edited digest
    may hold ``null`` or numbers where text is due)."""

    def names(value: Any) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else []

    score = entry.get("score")
    return entry | {
        "id": str(entry["id"]),
        "title": str(entry.get("title") or ""),
        "abstract": str(entry.get("abstract") or ""),
        "authors": names(entry.get("authors")),
        "watched_authors": names(entry.get("watched_authors")),
        "score": score if isinstance(score, int | float) else None,
    }


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
        parts.append(f"Best match: {entry['topic']} (score {entry.get('score') or 0:.2f}).")
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
    env.globals["NOTE_LIMIT"] = NOTE_LIMIT
    pages = _Pages(context, env)
    routes = [
        Route("/", pages.index),
        Route("/day/{date}", pages.day),
        Route("/paper/{paper_id:path}", pages.paper),
        Route("/search", pages.search),
        Route("/rate", pages.rate, methods=["POST"]),
        Route("/style.css", pages.style),
    ]
    app = Starlette(routes=routes, exception_handlers={PapersiftError: _failed})
    return guard(app, context.host_names)


async def _failed(request: Any, exc: Exception) -> Any:
    from starlette.responses import PlainTextResponse

    assert isinstance(exc, PapersiftError)
    logger.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    text = exc.message if exc.hint is None else f"{exc.message}\n{exc.hint}"
    return PlainTextResponse(text, 503 if isinstance(exc, StoreError) else 500)


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

    def index(self, request: Any) -> Any:
        return self._render(
            "index.html", request, days=self.context.days(), out_dir=self.context.out_dir
        )

    def day(self, request: Any) -> Any:
        date = request.path_params["date"]
        chosen = next((d for d in self.context.days() if d.date.isoformat() == date), None)
        if chosen is None:
            return self._missing(request, f"No digest of {date}.")
        selected = [e for e in chosen.entries if e.get("rank") is not None]
        others = [e for e in chosen.entries if e.get("rank") is None]
        return self._render("day.html", request, day=chosen, selected=selected, others=others)

    def paper(self, request: Any) -> Any:
        paper_id = request.path_params["paper_id"]
        found = self.context.find(paper_id) or self.context.find(_canonical(paper_id))
        if found is None:
            return self._missing(request, f"No digest lists the paper {paper_id}.")
        day, entry = found
        return self._render("paper.html", request, entry=entry, day=day.date.isoformat())

    def search(self, request: Any) -> Any:
        query = request.query_params.get("q", "").strip()
        hits: list[tuple[str, dict[str, Any]]] = []
        words = query.lower().split()
        for day in self.context.days() if words else []:
            for entry in day.entries:
                text = " ".join([entry["title"], entry["abstract"], *entry["authors"]]).lower()
                if all(word in text for word in words):
                    hits.append((day.date.isoformat(), entry))
        return self._render(
            "search.html", request, query=query, hits=hits[:SEARCH_LIMIT], found=len(hits)
        )

    async def rate(self, request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool

        form = await request.form()
        return await run_in_threadpool(self._rate, {key: str(value) for key, value in form.items()})

    def _rate(self, form: dict[str, str]) -> Any:
        from starlette.responses import PlainTextResponse, RedirectResponse

        if not hmac.compare_digest(form.get("csrf", ""), self.context.token):
            return PlainTextResponse(
                "Refused: the form's token is missing or stale.\n"
                "Reload the page (the server may have been restarted) and rate again.",
                403,
            )
        try:
            kind = parse_rating_kind(form.get("kind", ""))
        except InputError as exc:
            return PlainTextResponse(f"{exc.message}\n{exc.hint}", 400)
        note = form.get("note")
        if note is not None and len(note) > NOTE_LIMIT:
            return PlainTextResponse(
                f"The note has {len(note)} characters; at most {NOTE_LIMIT} are kept. "
                "Nothing was saved.\nGo back, shorten the note and rate again.",
                400,
            )
        paper_id = form.get("paper_id", "")
        found = self.context.find(paper_id)
        if found is None:
            return PlainTextResponse(f"No digest lists the paper {paper_id!r}.", 404)
        try:
            _save(self.context, paper_id, kind, note, found[1])
        except StoreError as exc:
            logger.error("Rating %s failed: %s", paper_id, exc.message)
            return PlainTextResponse(
                f"The rating was not saved: {exc.message}\n{exc.hint or 'Try again.'}", 503
            )
        target = form.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        return RedirectResponse(target, status_code=303)

    def style(self, request: Any) -> Any:
        from starlette.responses import Response

        css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")

    def _missing(self, request: Any, message: str) -> Any:
        from starlette.responses import PlainTextResponse

        return PlainTextResponse(message, 404)


def _canonical(paper_id: str) -> str:
    """The id without a version or an ``arXiv:`` prefix, as digests list it."""
    try:
        return ArxivId.parse(paper_id).id
    except ValueError:
        return paper_id


def _save(
    context: WebContext, paper_id: str, kind: Any, note: str | None, record: dict[str, Any]
) -> None:
    """Keep the rating; a form without a note field (one click in a list) keeps the last note."""
    import datetime as dt

    from papersift.profile import paper_from_dict

    if note is None:
        previous = context.ratings().get(paper_id)
        note = previous.note if previous else ""
    rating = Rating(paper_id, kind, dt.datetime.now(dt.UTC), note, paper_from_dict(record))
    context.store.save_rating(context.profile, rating)
    logger.info("Rated %s %s from the web app", paper_id, kind)


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

    listener = _bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    if not _is_loopback(host):
        logger.warning("Listening on %s: anyone who can reach it can rate papers.", host)
    store = profile_store(settings)
    context = WebContext(
        settings, out_dir or settings.output.dir, store, host_names=frozenset({shown})
    )
    if on_bound:
        on_bound(f"http://{shown}:{listener.getsockname()[1]}/")
    config = uvicorn.Config(create_app(context), log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except KeyboardInterrupt:
        # Ctrl-C is how the server is meant to stop, not a failure.
        logger.info("Stopped serving on %s", shown)
    finally:
        listener.close()


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        hint = (
            "Pick another port with --port (0 picks a free one)."
            if exc.errno == errno.EADDRINUSE
            else "Give --host an address of this machine, such as 127.0.0.1."
        )
        raise InputError(f"Cannot listen on {host}:{port}: {exc}.", hint) from None
    listener.listen(64)
    return listener
