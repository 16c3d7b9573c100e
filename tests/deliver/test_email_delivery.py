"""E-mail delivery through smtplib to a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deliver_support import Mailbox, free_port, self_signed_certificate
from pydantic import SecretStr

from papersift.config import EmailSettings
from papersift.deliver.email import deliver_email, plain_text
from papersift.errors import DeliveryError
from papersift.render.html import render_email_html

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, aiosmtpd_smtp.LoginPassword)
        and data.login == b"reader"
        and data.password == b"s3cret-pass"
    )
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


def _start(mailbox: Mailbox, **kwargs: Any) -> Any:
    controller = aiosmtpd_controller.Controller(
        mailbox, hostname="127.0.0.1", port=free_port(), **kwargs
    )
    controller.start()
    return controller


@pytest.fixture
def smtp_plain(mailbox: Mailbox) -> Iterator[int]:
    controller = _start(mailbox)
    yield controller.port
    controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("openssl is not available to make a test certificate")
    return made


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def _settings(port: int, **changes: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "digest@papersift.test",
        "recipients": ["ada@example.test", "bo@example.test"],
        "timeout": 10,
    }
    return EmailSettings(**(values | changes))


def test_a_multipart_message_reaches_every_recipient(
    smtp_plain: int, mailbox: Mailbox, hostile_document: dict[str, Any]
) -> None:
    html = render_email_html(hostile_document)
    outcome = deliver_email(hostile_document, _settings(smtp_plain), html)
    assert outcome.accepted == ["ada@example.test", "bo@example.test"] and not outcome.refused
    ((recipients, message, encrypted),) = mailbox.messages
    assert recipients == ["ada@example.test", "bo@example.test"] and not encrypted
    assert message["Subject"] == "arXiv digest 2026-05-27: 4 papers"
    assert message["From"] == "digest@papersift.test"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> Sparse mixture of experts" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Sparse mixture" in body
    assert "<script" not in body and "<img" not in body
    for paper in hostile_document["papers"]:
        assert paper["abs_url"] in text and paper["abs_url"] in body


def test_a_refused_recipient_does_not_stop_the_others(
    smtp_plain: int, mailbox: Mailbox, demo_document: dict[str, Any]
) -> None:
    settings = _settings(smtp_plain, recipients=["ada@example.test", "refused@example.test"])
    outcome = deliver_email(demo_document, settings, render_email_html(demo_document))
    assert outcome.accepted == ["ada@example.test"]
    assert outcome.refused == {"refused@example.test": "550 5.1.1 No such mailbox here"}
    assert [recipients for recipients, _, _ in mailbox.messages] == [["ada@example.test"]]


def test_every_recipient_refused_is_an_outcome_not_a_crash(
    smtp_plain: int, mailbox: Mailbox, demo_document: dict[str, Any]
) -> None:
    settings = _settings(smtp_plain, recipients=["refused@example.test"])
    outcome = deliver_email(demo_document, settings, "<p>x</p>")
    assert outcome.accepted == [] and list(outcome.refused) == ["refused@example.test"]
    assert mailbox.messages == []


def test_a_dropped_connection_is_a_delivery_error(
    smtp_plain: int, mailbox: Mailbox, demo_document: dict[str, Any]
) -> None:
    mailbox.drop = True
    with pytest.raises(DeliveryError, match="SMTPServerDisconnected") as caught:
        deliver_email(demo_document, _settings(smtp_plain), "<p>x</p>")
    assert f"127.0.0.1:{smtp_plain}" in caught.value.message
    assert "papersift deliver --retry" in str(caught.value.hint)


def test_an_unreachable_server_is_a_delivery_error(demo_document: dict[str, Any]) -> None:
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        deliver_email(demo_document, _settings(free_port()), "<p>x</p>")


def test_starttls_with_login(
    mailbox: Mailbox, certificate: tuple[Path, Path], demo_document: dict[str, Any]
) -> None:
    controller = _start(
        mailbox,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    try:
        settings = _settings(
            controller.port,
            security="starttls",
            ca_file=certificate[0],
            user="reader",
            password=SecretStr("s3cret-pass"),
        )
        outcome = deliver_email(demo_document, settings, render_email_html(demo_document))
        assert outcome.accepted == settings.recipients
        assert [encrypted for _, _, encrypted in mailbox.messages] == [True]

        wrong = settings.model_copy(update={"password": SecretStr("not-it")})
        with pytest.raises(DeliveryError, match="SMTPAuthenticationError") as caught:
            deliver_email(demo_document, wrong, "<p>x</p>")
        assert "not-it" not in str(caught.value)

        untrusted = settings.model_copy(update={"ca_file": None})
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
            deliver_email(demo_document, untrusted, "<p>x</p>")
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1


def test_implicit_tls(
    mailbox: Mailbox, certificate: tuple[Path, Path], demo_document: dict[str, Any]
) -> None:
    controller = _start(mailbox, ssl_context=_server_context(certificate))
    try:
        settings = _settings(controller.port, security="tls", ca_file=certificate[0])
        outcome = deliver_email(demo_document, settings, render_email_html(demo_document))
    finally:
        controller.stop()
    assert outcome.accepted == settings.recipients
    assert [encrypted for _, _, encrypted in mailbox.messages] == [True]


def test_plain_text_part_lists_the_papers(demo_document: dict[str, Any]) -> None:
    text = plain_text(demo_document, "https://example.org/2026-05/2026-05-26.html")
    assert text.startswith("arXiv digest 2026-05-26 for demo\n")
    assert "Read it on the site: https://example.org/2026-05/2026-05-26.html" in text
    assert text.count("https://arxiv.org/pdf/") == len(demo_document["papers"])
    assert max(len(line) for line in text.splitlines() if "arxiv.org" not in line) <= 300
