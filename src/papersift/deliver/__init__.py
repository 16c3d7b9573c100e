"""Deliveries: the rendered digest sent to Slack and by e-mail, each outcome recorded.

A delivery that fails is recorded as failed and leaves the digest files as they are;
:func:`retry_deliveries` sends again what failed, reading the digest back from its JSON file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from papersift.config import Settings
from papersift.deliver.base import (
    LOG_NAME,
    Delivery,
    DeliveryLog,
    DeliveryStatus,
    JsonlDeliveryLog,
)
from papersift.deliver.email import deliver_email, email_configured
from papersift.deliver.slack import deliver_slack, slack_configured, slack_target
from papersift.errors import DeliveryError, PapersiftError
from papersift.render._documents import load_document

logger = logging.getLogger(__name__)

__all__ = [
    "LOG_NAME",
    "Delivery",
    "DeliveryLog",
    "JsonlDeliveryLog",
    "deliver_document",
    "deliveries_configured",
    "retry_deliveries",
]


def deliveries_configured(settings: Settings) -> bool:
    """Whether Slack or e-mail is set up."""
    return slack_configured(settings.slack) or email_configured(settings.email)


def deliver_document(
    document: Mapping[str, Any], settings: Settings, log: DeliveryLog
) -> list[Delivery]:
    """Send a digest document to every configured channel and record each outcome."""
    date = dt.date.fromisoformat(document["date"])
    profile = str(document.get("profile", settings.profile.name))
    records: list[Delivery] = []
    if slack_configured(settings.slack):
        error, parts = _send_slack(document, settings)
        status: DeliveryStatus = "failed" if error else "sent"
        target = slack_target(settings.slack)
        records.append(
            Delivery("slack", target, status, date, profile, last_error=error, parts_sent=parts)
        )
    if email_configured(settings.email):
        records += _send_email(document, settings, settings.email.recipients, date, profile)
    for record in records:
        log.save_delivery(record)
        _log_outcome(record)
    return records


def retry_deliveries(settings: Settings, log: DeliveryLog, out_dir: Path) -> list[Delivery]:
    """Send again every failed delivery of this profile; returns the new records.

    A failed delivery whose target is no longer configured (a recipient taken out of the list,
    Slack switched off) is skipped with a warning.
    """
    failed = [
        record
        for record in log.load_failed_deliveries()
        if record.profile == settings.profile.name and _still_configured(record, settings)
    ]
    records: list[Delivery] = []
    for date in sorted({record.digest_date for record in failed}):
        of_day = [record for record in failed if record.digest_date == date]
        document = load_document(out_dir, date)
        for record in of_day:
            if record.channel == "slack":
                error, parts = _send_slack(document, settings, skip=record.parts_sent)
                records.append(record.retried("failed" if error else "sent", error, parts))
        emailed = [record for record in of_day if record.channel == "email"]
        if emailed:
            fresh = _send_email(
                document, settings, [r.target for r in emailed], date, settings.profile.name
            )
            previous = {record.target: record for record in emailed}
            records += [previous[r.target].retried(r.status, r.last_error) for r in fresh]
    for record in records:
        log.save_delivery(record)
        _log_outcome(record)
    return records


def _still_configured(record: Delivery, settings: Settings) -> bool:
    if record.channel == "slack" and slack_configured(settings.slack):
        return True
    if record.channel == "email" and record.target in settings.email.recipients:
        return True
    logger.warning(
        "Not retrying the delivery of %s to %s %s: it is no longer configured",
        record.digest_date,
        record.channel,
        record.target,
    )
    return False


def page_url(settings: Settings, date: str) -> str:
    """The day's page on the published site, or empty when no ``[site] base_url`` is set."""
    if not settings.site.base_url:
        return ""
    return f"{settings.site.base_url.rstrip('/')}/{date[:7]}/{date}.html"


def _send_slack(document: Mapping[str, Any], settings: Settings, skip: int = 0) -> tuple[str, int]:
    """Post the digest, less the ``skip`` messages already in the channel; returns the error
    (empty once sent) and, after a failure, how many of the messages are in the channel."""
    slack = settings.slack
    if not slack.site_url and settings.site.base_url:
        slack = slack.model_copy(update={"site_url": page_url(settings, document["date"])})
    try:
        deliver_slack(document, slack, skip=skip)
    except DeliveryError as exc:
        return exc.message, exc.parts_sent
    except PapersiftError as exc:
        return exc.message, skip
    return "", 0


def _send_email(
    document: Mapping[str, Any],
    settings: Settings,
    recipients: Sequence[str],
    date: dt.date,
    profile: str,
) -> list[Delivery]:
    url = page_url(settings, document["date"])
    try:
        from papersift.render.html import render_email_html
    except ImportError:
        error = "E-mail delivery needs the web extra: pip install 'papersift[web]'."
        return [Delivery("email", r, "failed", date, profile, last_error=error) for r in recipients]
    try:
        outcome = deliver_email(
            document, settings.email, render_email_html(document, url), recipients, url
        )
    except PapersiftError as exc:
        return [
            Delivery("email", r, "failed", date, profile, last_error=exc.message)
            for r in recipients
        ]
    return [Delivery("email", r, "sent", date, profile) for r in outcome.accepted] + [
        Delivery("email", r, "failed", date, profile, last_error=f"refused: {reply}")
        for r, reply in outcome.refused.items()
    ]


def _log_outcome(record: Delivery) -> None:
    if record.status == "sent":
        logger.info(
            "Delivered the digest of %s to %s %s", record.digest_date, record.channel, record.target
        )
    else:
        logger.warning(
            "Delivery of the digest of %s to %s %s failed: %s",
            record.digest_date,
            record.channel,
            record.target,
            record.last_error,
        )
