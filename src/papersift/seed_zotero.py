"""Seeds from a Zotero library, read through the Zotero web API (v3) with pyzotero.

Every item of the library (or of one collection) is read, page after page as the server's
``Link`` headers lead, and each top-level item turned into a :class:`~papersift.seed.Reference`
like an entry of an exported file: the arXiv id from the item's ``archiveID``, URL or ``extra``
field, an arXiv DOI, or the URL of one of its attachments (a preprint PDF or snapshot),
otherwise its DOI and title. Notes and attachments are not papers themselves; an item without
any id or title is reported as malformed.

The server's requests to pause (``Backoff`` on any reply, ``Retry-After`` on a 429 or 503) are
honoured up to ``[zotero] max_wait`` seconds; a longer demand stops the import with a message
rather than hanging a daily job. A request answered with a 5xx status, or not at all, is sent
again ``[zotero] retries`` times. Nothing is stored unless the whole library was read.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from papersift.config import ZoteroSettings
from papersift.errors import InputError, LibraryError, MissingExtraError
from papersift.seed import Parsed, Reference, keep_reference, make_reference

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
"""Items asked for per request; the web API's largest page."""
MAX_PAGES = 2000
"""A bound on the pages followed, so a server whose ``next`` links loop cannot hold the run."""
NOT_PAPERS = frozenset({"note", "attachment", "annotation"})
_DOI_LINE = re.compile(r"^\s*DOI:\s*(10\.\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def read_zotero(settings: ZoteroSettings, sleep: Callable[[float], None] = time.sleep) -> Parsed:
    """All references of the configured Zotero library, and the items that could not be read.

    Raises:
        InputError: no library id, the key is refused (401/403), or the library or collection
            does not exist (404).
        LibraryError: the server cannot be reached, keeps refusing for its rate limit, asks for a
            longer pause than ``max_wait``, or answers with something that is not a list of items.
        MissingExtraError: pyzotero is not installed.
    """
    if not settings.library_id:
        raise InputError(
            "No Zotero library given.",
            "Pass --zotero USER_OR_GROUP_ID, or set library_id in [zotero] of the config.",
        )
    library = _open(settings, sleep)
    try:
        items, total = _read_pages(library, settings)
    finally:
        library.client.close()
    parsed = parse_zotero_items(items)
    if total is not None and total > len(items):
        parsed.malformed.append(
            f"the library reported {total} items but {len(items)} were received"
        )
    logger.info(
        "Zotero library %s: %d item(s), %d reference(s), %d malformed",
        _where(settings),
        len(items),
        len(parsed.references),
        len(parsed.malformed),
    )
    return parsed


def parse_zotero_items(items: list[Any]) -> Parsed:
    """Zotero web API items (JSON objects with a ``data`` object) as references.

    Child items (attachments and notes with a ``parentItem``) are not papers, but an attachment's
    URL may be the only place a journal article's arXiv preprint is named, so it counts for its
    parent.
    """
    parsed = Parsed()
    entries: list[tuple[str, dict[str, Any]]] = []
    child_urls: dict[str, list[str]] = {}
    for index, item in enumerate(items, 1):
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, dict):
            parsed.malformed.append(f"Zotero item {index}: not an item object with 'data'")
            continue
        key = _field(data, "key") or _field(item, "key")
        parent = _field(data, "parentItem")
        if parent or _field(data, "itemType") in NOT_PAPERS:
            if parent and _field(data, "url"):
                child_urls.setdefault(parent, []).append(_field(data, "url") or "")
            continue
        entries.append((f"Zotero item {key}" if key else f"Zotero item {index}", data))
    for label, data in entries:
        urls = child_urls.get(_field(data, "key") or "", [])
        keep_reference(parsed, _item_reference(label, data, urls))
    return parsed


def _item_reference(label: str, data: dict[str, Any], child_urls: list[str]) -> Reference:
    extra = _field(data, "extra") or ""
    own = (_field(data, "archiveID"), _field(data, "url"), extra)
    arxiv = " ".join(value for value in (*own, *child_urls) if value)
    doi = _field(data, "DOI")
    if not doi:
        found = _DOI_LINE.search(extra)
        doi = found.group(1) if found else None
    return make_reference(label, arxiv or None, doi, _field(data, "title"))


def _field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _where(settings: ZoteroSettings) -> str:
    where = f"{settings.library_type} {settings.library_id} at {settings.base_url}"
    return where + (f", collection {settings.collection}" if settings.collection else "")


def _open(settings: ZoteroSettings, sleep: Callable[[float], None]) -> Any:
    try:
        from pyzotero import Zotero
    except ImportError:
        raise MissingExtraError("Seeding from a Zotero library", "zotero") from None
    key = settings.api_key.get_secret_value() if settings.api_key else None
    library = _bounded(Zotero, settings, sleep)(settings.library_id, settings.library_type, key)
    # pyzotero has no constructor argument for the address; its requests are built on this.
    library.endpoint = settings.base_url.rstrip("/")
    return library


def _bounded(base: type, settings: ZoteroSettings, sleep: Callable[[float], None]) -> type:
    """pyzotero's client with every pause bounded by ``max_wait`` and 5xx replies sent again."""

    def too_long(seconds: float) -> LibraryError:
        return LibraryError(
            f"The Zotero API at {settings.base_url} asked for a pause of {seconds:.0f} s, "
            f"longer than [zotero] max_wait ({settings.max_wait:.0f} s); nothing was imported.",
            "Try again later, or raise max_wait in [zotero] of the config.",
        )

    class Library(base):  # type: ignore[valid-type,misc]
        def _set_backoff(self, duration: str | float) -> None:
            seconds = pause_seconds(duration)
            if seconds > settings.max_wait:
                raise too_long(seconds)
            self.backoff_until = time.time() + seconds

        def _check_backoff(self) -> None:
            remainder = self.backoff_until - time.time()
            self.backoff_until = 0.0
            if remainder > 0:
                logger.info("The Zotero API asked for a pause; waiting %.1f s", remainder)
                sleep(remainder)

        def _striplocal(self, url: str) -> str:
            # A next-page link carries the server's whole path; the endpoint's own path (a
            # server under a sub-path) is joined on again, so it is taken off here.
            prefix = urlparse(self.endpoint).path.rstrip("/")
            if prefix and url.startswith(prefix + "/"):
                return url[len(prefix) :]
            return super()._striplocal(url)

        def _send(self, method: str, url: str, **kwargs: Any) -> Any:
            def send() -> Any:
                return super(Library, self)._send(method, url, **kwargs)

            return _sent_again(send, settings, sleep, too_long)

    return Library


def _sent_again(
    send: Callable[[], Any],
    settings: ZoteroSettings,
    sleep: Callable[[float], None],
    too_long: Callable[[float], LibraryError],
) -> Any:
    """``send()``, again after a pause while it fails or is answered with a 5xx status."""
    import httpx2

    attempt = 0
    while True:
        try:
            response = send()
        except httpx2.TransportError as exc:
            if attempt >= settings.retries:
                raise
            logger.info("Zotero API request failed (%s); sending it again", exc)
            pause = 2.0**attempt
        else:
            if response.status_code < 500 or attempt >= settings.retries:
                return response
            pause = pause_seconds(response.headers.get("Retry-After") or 2.0**attempt)
            if pause > settings.max_wait:
                raise too_long(pause)
            logger.info("Zotero API answered %d; sending again", response.status_code)
        sleep(pause)
        attempt += 1


def pause_seconds(value: str | float) -> float:
    """A ``Backoff`` or ``Retry-After`` value (seconds or an HTTP date) in seconds, at least 0."""
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        logger.warning("Unreadable pause %r from the Zotero API; waiting 5 s", value)
        return 5.0
    return max(when.timestamp() - time.time(), 0.0)


def _read_pages(library: Any, settings: ZoteroSettings) -> tuple[list[Any], int | None]:
    import httpx2
    from pyzotero import errors as ze

    try:
        return _follow(library, settings)
    except (ze.UserNotAuthorisedError, ze.MissingCredentialsError):
        raise InputError(
            f"The Zotero API refused the key for {_where(settings)}.",
            "Check --zotero-key or ZOTERO_API_KEY: the key needs read access to this library "
            "(zotero.org/settings/keys); --zotero-group is needed for a group's id.",
        ) from None
    except ze.ResourceNotFoundError:
        raise InputError(
            f"The Zotero API has no library or collection {_where(settings)}.",
            "Check the numeric id (not the user name), --zotero-group, and the collection key.",
        ) from None
    except (ze.TooManyRetriesError, ze.TooManyRequestsError):
        raise LibraryError(
            f"The Zotero API at {settings.base_url} kept refusing requests for its rate limit; "
            "nothing was imported.",
            "Try again in a few minutes.",
        ) from None
    except ze.PyZoteroError as exc:
        raise LibraryError(
            f"The Zotero API failed for {_where(settings)}: {_first_lines(str(exc))}.",
            "Check [zotero] base_url, or try again later.",
        ) from None
    except httpx2.TransportError as exc:
        raise LibraryError(
            f"The Zotero API at {settings.base_url} cannot be reached: {exc}.",
            "Check the network and [zotero] base_url (--zotero-url).",
        ) from None
    except ValueError as exc:
        raise LibraryError(
            f"The Zotero API for {_where(settings)} answered with JSON that cannot be read: "
            f"{exc}; nothing was imported.",
            "Check [zotero] base_url points at a Zotero web API, or try again later.",
        ) from None


def _follow(library: Any, settings: ZoteroSettings) -> tuple[list[Any], int | None]:
    if settings.collection:
        page = library.collection_items(settings.collection, limit=PAGE_SIZE)
    else:
        page = library.items(limit=PAGE_SIZE)
    total = _total(library)
    items = _checked(page, settings)
    for _ in range(MAX_PAGES):
        if not (library.links or {}).get("next"):
            return items, total
        items.extend(_checked(library.follow(), settings))
    raise LibraryError(
        f"The Zotero API for {_where(settings)} kept sending more pages after {MAX_PAGES}; "
        "nothing was imported.",
        "Check [zotero] base_url points at a Zotero web API.",
    )


def _checked(page: Any, settings: ZoteroSettings) -> list[Any]:
    if isinstance(page, list):
        return page
    shown = repr(page)[:80]
    raise LibraryError(
        f"The Zotero API for {_where(settings)} answered with something that is not a list of "
        f"items ({type(page).__name__}: {shown}); nothing was imported.",
        "Check [zotero] base_url points at a Zotero web API, or try again later.",
    )


def _total(library: Any) -> int | None:
    value = library.request.headers.get("Total-Results") if library.request else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _first_lines(text: str) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines()[:3] if line.strip())
