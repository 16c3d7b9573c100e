"""The HTML digest: one readable page per day, with the TeX rendered by the bundled KaTeX.

Pages are rendered from the digest document (the ``papersift.digest/1`` dictionary that
:func:`papersift.render.json.digest_to_dict` gives and the JSON files hold), so a page written
by ``run`` and one rebuilt later by ``papersift site build`` are the same. Templates are Jinja2
with autoescaping on: text from papers is never trusted and always reaches the page as text.
KaTeX then renders the TeX inside that text in the browser, from its text nodes only, with
``trust`` off, so no paper can put markup or links of its own on the page.

Asset links are relative (``root`` is the way back to the folder holding ``assets/``), so a
page works from ``file://`` as well as from any static host.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from papersift.models import NO_ABSTRACT, Digest
from papersift.render._files import is_newest_day, write_atomic
from papersift.render.json import digest_to_dict
from papersift.render.money import format_usd

ASSETS = "assets"
"""The folder, beside the pages, that holds the stylesheet, the scripts and KaTeX."""
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of papersift's templates, autoescaping everything."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("papersift.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["anchor"] = paper_anchor
    env.filters["score"] = _score
    env.filters["usd"] = format_usd
    env.filters["longdate"] = _long_date
    env.globals["NO_ABSTRACT"] = NO_ABSTRACT
    return env


def paper_anchor(paper_id: str) -> str:
    """The fragment that names a paper on its day page, e.g. ``paper-2605.12345``."""
    return "paper-" + _ANCHOR_UNSAFE.sub("-", paper_id)


def day_href(date: str) -> str:
    """The path of a day page from the site's root, e.g. ``2026-05/2026-05-26.html``."""
    return f"{date[:7]}/{date}.html"


def document_of(digest: Digest | Mapping[str, Any]) -> Mapping[str, Any]:
    """The digest document of ``digest``, which may already be one."""
    return digest_to_dict(digest) if isinstance(digest, Digest) else digest


def render_html(
    digest: Digest | Mapping[str, Any],
    *,
    root: str = "",
    site: SiteLinks | None = None,
    title: str = "papersift",
) -> str:
    """The day page of ``digest``.

    Args:
        digest: a digest or its document.
        root: the relative way from the page to the folder holding ``assets/``, e.g. ``../``.
        site: the archive links (previous and next day, archive, search, feed) of a site page;
            a page written beside the digest files has none.
        title: the site's name, shown in the header.
    """
    document = document_of(digest)
    return (
        environment()
        .get_template("day.html")
        .render(doc=document, root=root, site=site, site_title=title)
    )


def render_email_html(digest: Digest | Mapping[str, Any], page_url: str = "") -> str:
    """The digest as an HTML e-mail body: inline styles, no scripts, TeX left as written."""
    document = document_of(digest)
    return environment().get_template("email.html").render(doc=document, page_url=page_url)


class SiteLinks:
    """The archive links of one site page, all relative to that page."""

    def __init__(
        self,
        root: str,
        previous: tuple[str, str] | None = None,
        following: tuple[str, str] | None = None,
        month: tuple[str, str] | None = None,
    ) -> None:
        self.root = root
        self.previous = previous
        """``(href, label)`` of the day before, if any."""
        self.following = following
        self.month = month
        self.archive = f"{root}archive.html"
        self.search = f"{root}search.html"
        self.feed = f"{root}feed.xml"


def copy_assets(folder: Path) -> Path:
    """Copy the stylesheet, scripts and KaTeX into ``folder/assets``; returns that folder."""
    target = folder / ASSETS
    static = resources.files("papersift.render") / "static"
    with resources.as_file(static) as source:
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def write_html(digest: Digest, out_dir: Path) -> list[Path]:
    """Write the day page beside the digest files, ``latest.html``, and the assets they use."""
    document = document_of(digest)
    month = out_dir / f"{digest.date:%Y-%m}"
    month.mkdir(parents=True, exist_ok=True)
    copy_assets(out_dir)
    page = month / f"{digest.date.isoformat()}.html"
    newest = is_newest_day(out_dir, digest.date)
    write_atomic(page, render_html(document, root="../"))
    if newest:
        write_atomic(out_dir / "latest.html", render_html(document, root=""))
    return [page]


def _score(value: float | None) -> str:
    if value is None:
        return "n/a"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _long_date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day:%A}, {day.day} {day:%B %Y}"
