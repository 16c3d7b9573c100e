"""The end of a run: the HTML page, the archive site and the deliveries of a written digest.

``run_day`` calls :func:`publish_digest` once the Markdown and JSON files are on disk, so a
delivery that fails never loses the digest. Each part runs only when configured: the ``html``
output format, ``[site] enabled``, and ``[slack]`` or ``[email]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from papersift.config import Settings
from papersift.deliver import (
    LOG_NAME,
    Delivery,
    DeliveryLog,
    JsonlDeliveryLog,
    deliver_document,
    deliveries_configured,
)
from papersift.errors import ConfigError, MissingExtraError
from papersift.models import Digest
from papersift.render.json import digest_to_dict

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Published:
    """What :func:`publish_digest` wrote and sent."""

    written: list[Path] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        """The deliveries that failed."""
        return [record for record in self.deliveries if record.status == "failed"]


def site_dir(settings: Settings, out_dir: Path) -> Path:
    """Where the site goes: ``[site] dir``, or ``site`` inside the output folder."""
    return settings.site.dir or out_dir / "site"


def delivery_log(out_dir: Path) -> DeliveryLog:
    """The file-backed delivery log beside the digests of ``out_dir``, for use without a store."""
    return JsonlDeliveryLog(out_dir / LOG_NAME)


def publish_digest(
    digest: Digest, settings: Settings, out_dir: Path, log: DeliveryLog | None = None
) -> Published:
    """Write the HTML page, rebuild the site and deliver, as the settings ask.

    Deliveries are recorded in ``log``: the store during ``papersift run``, or without one the
    ``deliveries.jsonl`` file beside the digests.

    Raises:
        ConfigError: the site is enabled but the JSON digests it is built from are not written.
    """
    published = Published()
    if settings.site.enabled and "json" not in settings.output.formats:
        raise ConfigError(
            '[site] enabled needs the JSON digests, but [output] formats has no "json".',
            'Add "json" to [output] formats, or set [site] enabled = false.',
        )
    if "html" in settings.output.formats:
        published.written += _html(digest, out_dir)
    if settings.site.enabled:
        published.written.append(_site(settings, out_dir))
    if deliveries_configured(settings):
        log = log or delivery_log(out_dir)
        published.deliveries = deliver_document(digest_to_dict(digest), settings, log)
    return published


def _html(digest: Digest, out_dir: Path) -> list[Path]:
    try:
        from papersift.render.html import write_html
    except ImportError:
        raise MissingExtraError("The html output format", "web") from None
    return write_html(digest, out_dir)


def _site(settings: Settings, out_dir: Path) -> Path:
    try:
        from papersift.render.site import build_site
    except ImportError:
        raise MissingExtraError("The archive site", "web") from None
    result = build_site(out_dir, site_dir(settings, out_dir), settings.site)
    logger.info("Site of %d day(s) written to %s", len(result.days), result.folder)
    return result.folder / "index.html"
