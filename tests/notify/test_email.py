"""E-mail against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS with a self-signed
certificate made here, AUTH LOGIN/PLAIN, and a Chinese subject and body."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from duban.notify.channels import Message, Refused, Retry
from duban.notify.channels.email import EmailChannel
from tests.notify.receivers import free_port

MSG = Message(
    title="【督办】新交办事项：城东污水处理厂建设",
    body="请于6月30日前完成主体工程。\n——县政府督查室",
)


def make_cert(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.tls: list[bool] = []

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.tls.append(session.ssl is not None)
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"mail-pass", handled=False)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    cert, key = make_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, port, cert
    finally:
        controller.stop()


def channel(port: int, cert: Path, password: str = "mail-pass", **kw: Any) -> EmailChannel:
    options = {
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": "duchashi@yunxi.gov.cn",
        "sender": "duchashi@yunxi.gov.cn",
        "sender_name": "云溪县政府办公室督查室",
        "cafile": str(cert),
        "timeout": 5,
        **kw,
    }
    return EmailChannel(options, {"password": password})


def test_a_chinese_message_goes_over_starttls_with_auth(smtp: tuple[Inbox, int, Path]) -> None:
    inbox, port, cert = smtp
    outcome = channel(port, cert).send(MSG, "lly_zjj@yunxi.gov.cn")
    assert outcome.state == "sent" and outcome.external_id.startswith("<")
    assert inbox.logins == [(b"duchashi@yunxi.gov.cn", b"mail-pass")]
    assert inbox.tls == [True]
    [env] = inbox.envelopes
    assert env.mail_from == "duchashi@yunxi.gov.cn" and env.rcpt_tos == ["lly_zjj@yunxi.gov.cn"]
    raw = env.original_content
    assert isinstance(raw, bytes)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded-words, no raw UTF-8 in headers
    assert b"Subject: =?utf-8?" in head
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == MSG.title
    assert mail["From"].addresses[0].display_name == "云溪县政府办公室督查室"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail["Content-Transfer-Encoding"] == "base64"
    # CRLF line ends inside the base64, as RFC 5322 wants them
    assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == MSG.body


def test_the_server_certificate_is_checked(smtp: tuple[Inbox, int, Path], tmp_path: Path) -> None:
    _inbox, port, _cert = smtp
    other, _ = make_cert(tmp_path / "..")  # a different CA: the server is not trusted
    with pytest.raises(Retry, match="SMTP连接失败"):
        channel(port, other).send(MSG, "lly_zjj@yunxi.gov.cn")


def test_wrong_password_waits_for_the_administrator(smtp: tuple[Inbox, int, Path]) -> None:
    _inbox, port, cert = smtp
    with pytest.raises(Retry, match="535"):
        channel(port, cert, password="wrong").send(MSG, "lly_zjj@yunxi.gov.cn")


def test_unknown_mailbox_is_refused_and_greylisting_retried(smtp: tuple[Inbox, int, Path]) -> None:
    inbox, port, cert = smtp
    with pytest.raises(Refused, match="550"):
        channel(port, cert).send(MSG, "nobody@yunxi.gov.cn")
    with pytest.raises(Retry, match="451"):
        channel(port, cert).send(MSG, "busy@yunxi.gov.cn")
    assert inbox.envelopes == []


def test_a_closed_port_is_a_retry() -> None:
    with pytest.raises(Retry):
        EmailChannel(
            {"host": "127.0.0.1", "port": free_port(), "sender": "a@b.cn", "timeout": 1}, {}
        ).send(MSG, "x@y.cn")


def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        options = {
            "host": "127.0.0.1",
            "port": port,
            "security": "ssl",
            "sender": "a@yunxi.gov.cn",
            "cafile": str(cert),
        }
        assert EmailChannel(options, {}).send(MSG, "b@yunxi.gov.cn").state == "sent"
    finally:
        controller.stop()
    # The server speaks only TLS: a plain-text client would not have got this far.
    assert len(inbox.envelopes) == 1
