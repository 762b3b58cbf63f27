"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, keeping what it accepts, misbehaving on cue.

Subclass `Recorder` and override `on_mail`, `on_rcpt` or `on_data` to refuse, defer or hang up;
`serve` runs it in a thread and counts the connections it takes.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Generic, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    """One message the server accepted, as it came over the wire."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Recorder:
    """An aiosmtpd handler that stores every message it accepts."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.mails = 0  # MAIL commands seen, accepted or not
        self.rcpts = 0
        self.datas = 0  # message bodies received, accepted or not
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each successful AUTH

    # Override these: return a reply such as "451 4.3.0 later" to answer with it instead of 250.
    async def on_mail(self, server: SMTP, address: str) -> str | None:
        return None

    async def on_rcpt(self, server: SMTP, address: str) -> str | None:
        return None

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        return None

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.mails += 1
        reply = await self.on_mail(server, address)
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.rcpts += 1
        reply = await self.on_rcpt(server, address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.datas += 1
        reply = await self.on_data(server, envelope)
        if reply is not None:
            return reply
        self.keep(envelope)
        return "250 2.0.0 OK: queued"

    def keep(self, envelope: Envelope) -> None:
        """Store a message as accepted."""
        content = envelope.original_content
        assert isinstance(content, bytes) and isinstance(envelope.mail_from, str)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), content))

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(item.message_id for item in self.received)


class SignalsTheSender(Recorder):
    """A recorder that signals the sending process at message `number`: the test sets `pid` once
    the sender runs, and a subclass's on_mail or on_data sends the signal."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.pid: int | None = None


def hang_up(server: SMTP) -> None:
    """Close the client's connection at once, without a reply."""
    assert server.transport is not None
    server.transport.close()


class Authenticator:
    """Accepts one user and password, and records who logged in with which mechanism."""

    def __init__(self, recorder: Recorder, user: str, password: str) -> None:
        self.recorder, self.user, self.password = recorder, user, password

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = data.login.decode() == self.user and data.password.decode() == self.password
        if ok:
            self.recorder.logins.append((mechanism, self.user))
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd replies 535 itself


class _CountingController(Controller):
    connections = 0

    def factory(self) -> SMTP:
        self.connections += 1  # called once for each connection the server takes
        server: SMTP = super().factory()  # type: ignore[no-untyped-call]
        return server


H = TypeVar("H", bound=Recorder)


@dataclass
class Server(Generic[H]):
    handler: H
    port: int
    controller: _CountingController

    @property
    def connections(self) -> int:
        return self.controller.connections


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(handler: H, **options: Any) -> Iterator[Server[H]]:
    """Run `handler` on 127.0.0.1 until the block ends; `options` go to aiosmtpd's SMTP/Controller."""
    controller = _CountingController(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    controller.connections = 0  # start() opens one connection of its own to check the server is up
    try:
        yield Server(handler, controller.port, controller)
    finally:
        controller.stop()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made by the openssl command line."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
