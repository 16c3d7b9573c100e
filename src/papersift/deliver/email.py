"""Mailing the digest over SMTP: a multipart message with an HTML and a plain-text part.

The connection is encrypted with STARTTLS (port 587) or implicit TLS (port 465) unless
``[email] security = "none"``; certificates are checked against the system's authorities and
``[email] ca_file``. One SMTP transaction carries the message to every recipient; the server
may refuse some of them, and each recipient is recorded as a delivery of its own, so a retry
writes only to those it refused.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from papersift.config import EmailSettings
from papersift.errors import DeliveryError
from papersift.models import NO_ABSTRACT

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(slots=True)
class EmailOutcome:
    """Which recipients the server took and which it refused, with its reply."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def email_configured(settings: EmailSettings) -> bool:
    """Whether any recipient is set."""
    return bool(settings.recipients)


def plain_text(document: Mapping[str, Any], page_url: str = "") -> str:
    """The digest document as plain text, for the message's text part."""
    totals = document.get("totals", {})
    lines = [
        f"arXiv digest {document['date']} for {document.get('profile', '')}",
        f"{totals.get('arxiv_papers', 0)} announced, {totals.get('scanned_papers', 0)} scanned, "
        f"{totals.get('relevant_papers', 0)} selected.",
    ]
    if page_url:
        lines.append(f"Read it on the site: {page_url}")
    lines += [f"Note: {notice}" for notice in document.get("notices", [])]
    for rank, paper in enumerate(document.get("papers", []), 1):
        lines += ["", f"{rank}. {' '.join(paper['title'].split())}"]
        lines.append("   " + ", ".join(paper.get("authors", [])))
        scores = f"local score {paper['score']:.2f}"
        if paper.get("relevance") is not None:
            scores = (
                f"relevance {paper['relevance']:g}, novelty {paper.get('novelty') or 0:g}; {scores}"
            )
        if paper.get("topic"):
            scores += f"; best match: {paper['topic']}"
        if paper.get("watched_authors"):
            scores += f"; watched: {', '.join(paper['watched_authors'])}"
        lines.append(f"   {scores}")
        abstract = " ".join(paper.get("abstract", "").split()) or NO_ABSTRACT
        lines += textwrap.wrap(abstract, 76, initial_indent="   ", subsequent_indent="   ")[:6]
        lines.append(f"   {paper['abs_url']}  (PDF: {paper['pdf_url']})")
    if not document.get("papers"):
        lines += ["", "No paper was selected on this day."]
    return "\n".join(lines) + "\n"


def build_message(
    document: Mapping[str, Any],
    settings: EmailSettings,
    recipients: Sequence[str],
    html: str,
    page_url: str = "",
) -> EmailMessage:
    """The multipart/alternative message of a digest document."""
    message = EmailMessage()
    message["Subject"] = settings.subject.format(
        date=document["date"],
        count=len(document.get("papers", [])),
        profile=document.get("profile", ""),
    )
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="papersift.local")
    message.set_content(plain_text(document, page_url))
    message.add_alternative(html, subtype="html")
    return message


def deliver_email(
    document: Mapping[str, Any],
    settings: EmailSettings,
    html: str,
    recipients: Sequence[str] | None = None,
    page_url: str = "",
) -> EmailOutcome:
    """Send a digest document to ``recipients`` (all configured ones by default).

    Raises:
        DeliveryError: the server could not be reached, refused the sender or the message, or
            dropped the connection; no recipient got the message.
    """
    recipients = list(recipients if recipients is not None else settings.recipients)
    message = build_message(document, settings, recipients, html, page_url)
    port = settings.port or _DEFAULT_PORTS[settings.security]
    try:
        with _connect(settings, port) as smtp:
            if settings.user:
                password = settings.password.get_secret_value() if settings.password else ""
                smtp.login(settings.user, password)
            refused = smtp.send_message(message, settings.sender, recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"E-mail delivery through {settings.host}:{port} failed: {_describe(exc)}.",
            "Check [email] and SMTP_HOST / SMTP_PORT / SMTP_USER / SMTP_PASSWORD, then run "
            "`papersift deliver --retry`.",
        ) from None
    outcome = EmailOutcome(
        accepted=[r for r in recipients if r not in refused],
        refused={r: _reply(code, text) for r, (code, text) in refused.items()},
    )
    logger.info(
        "E-mail sent through %s:%d to %d recipient(s), %d refused",
        settings.host,
        port,
        len(outcome.accepted),
        len(outcome.refused),
    )
    return outcome


def _connect(settings: EmailSettings, port: int) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        context.load_verify_locations(cafile=str(settings.ca_file))
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, port, timeout=settings.timeout, context=context)
    smtp = smtplib.SMTP(settings.host, port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {_reply(exc.smtp_code, exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
