"""csw.mail.send against a real aiosmtpd server on 127.0.0.1: every message exactly once, whatever fails."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope
from hypothesis import given, settings
from hypothesis import strategies as st

from csw.mail.send import (
    SYNC_EVERY,
    ConnectionFailed,
    Failure,
    Outgoing,
    SendError,
    SmtpSettings,
    connect,
    read_journal,
    read_outbox,
    send_all,
    settings_from_config,
    write_failed_csv,
)
from csw.settings.config import Email
from tests.smtp_server import (
    Authenticator,
    Recorder,
    free_port,
    hang_up,
    make_certificate,
    serve,
    server_tls_context,
)

REPO = Path(__file__).resolve().parent.parent
AT = datetime(2025, 10, 6, 8, 0, tzinfo=UTC)
CHICAGO = timezone(timedelta(hours=-5))  # America/Chicago in October
DUE = datetime(2025, 10, 6, 7, 30, tzinfo=CHICAGO)  # the Date composing writes: the due time
DUE_LINE = b"Date: Mon, 06 Oct 2025 07:30:00 -0500\r\n"
AT_LINE = b"Date: Mon, 06 Oct 2025 03:00:00 -0500\r\n"  # AT, at the offset of the Date it replaces
STRICT = policy.default.clone(raise_on_defect=True)
SENDER = "pat@acme.example"


def clock() -> datetime:
    return AT


def mid(number: int) -> str:
    return f"<csw.2025.daily.{number}@acme.example>"


def write_outbox(folder: Path, count: int, *, cc: dict[int, str] | None = None) -> Path:
    """`count` small messages as composed .eml files (CRLF, as compose writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = f"Pat Lee <{SENDER}>"
        message["To"] = f"Rep {number} <rep{number}@team.example>"
        if cc and number in cc:
            message["Cc"] = cc[number]
        message["Subject"] = f"Customer Service Week, day {number}"
        message["Date"] = format_datetime(DUE)
        message["Message-ID"] = mid(number)
        message["X-CSW-Kind"] = "daily"
        message.set_content(f"Hello rep {number},\n.a line that starts with a dot\nThé end.\n")
        (folder / f"{number:03d}-daily-rep{number}.eml").write_bytes(message.as_bytes())
    return folder


def settings_for(port: int, **changes: object) -> SmtpSettings:
    base = SmtpSettings(
        host="127.0.0.1", port=port, security="none", timeout=5, retries=3, retry_seconds=0.01
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def as_sent(data: bytes, date_line: bytes = AT_LINE) -> bytes:
    """An outbox file's bytes as the server gets them: its Date (the due time) replaced by the time of
    sending."""
    assert data.count(DUE_LINE) == 1
    return data.replace(DUE_LINE, date_line)


def sent_date(data: bytes) -> datetime:
    parsed = message_from_bytes(data, policy=STRICT)
    assert len(parsed.get_all("Date", [])) == 1
    return parsed["Date"].datetime


def journal_lines(path: Path) -> list[dict[str, object]]:
    """The journal's acceptances (not the in-flight lines written before each message's data)."""
    return [entry for entry in all_journal_lines(path) if "message_id" in entry]


def all_journal_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


# --- the happy path ----------------------------------------------------------------------------------


def test_every_message_arrives_once_over_one_connection_intact(outbox: Path) -> None:
    write_outbox(outbox, 5, cc={2: "Lead <lead@team.example>"})
    messages = read_outbox(outbox)
    progress: list[tuple[str, str]] = []
    with serve(Recorder()) as server:
        report = send_all(
            messages,
            settings_for(server.port),
            outbox / "sent.jsonl",
            now=clock,
            on_progress=lambda m, status: progress.append((m.path.name, status)),
        )
    assert server.connections == 1
    assert report.connections == 1
    assert report.sent == messages and report.ok
    assert (report.skipped, report.unconfirmed, report.failed, report.remaining) == ([], [], [], [])
    assert progress == [(m.path.name, "sent") for m in messages]
    received = server.handler.received
    assert [item.data for item in received] == [as_sent(m.path.read_bytes()) for m in messages]
    assert {sent_date(item.data) for item in received} == {AT}
    assert [item.mail_from for item in received] == [SENDER] * 5
    assert received[2].rcpt_tos == ("rep2@team.example", "lead@team.example")
    assert received[0].message.get_content().splitlines() == [
        "Hello rep 0,",
        ".a line that starts with a dot",
        "Thé end.",
    ]
    assert received[0].message["Subject"] == "Customer Service Week, day 0"
    assert journal_lines(outbox / "sent.jsonl")[2] == {
        "message_id": mid(2),
        "file": "002-daily-rep2.eml",
        "to": ["rep2@team.example", "lead@team.example"],
        "kind": "daily",
        "status": "sent",
        "at": "2025-10-06T08:00:00+00:00",
    }
    assert read_journal(outbox / "sent.jsonl") == {mid(n) for n in range(5)}
    # each acceptance is written over the line that said its message was going: one line a message
    entries = all_journal_lines(outbox / "sent.jsonl")
    assert [e.get("in_flight") or e["message_id"] for e in entries] == [mid(n) for n in range(5)]
    assert not any("in_flight" in entry for entry in entries)


def test_the_date_is_the_moment_of_sending_and_the_outbox_stays_as_it_is(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 3))
    before = {m.path: m.path.read_bytes() for m in messages}
    sending = datetime(2025, 10, 8, 14, 5, 9, 250_000, tzinfo=UTC)  # two days after it was due
    with serve(Recorder()) as server:
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", now=lambda: sending)
    received = server.handler.received
    for item, message in zip(received, messages, strict=True):
        parsed = message_from_bytes(item.data, policy=STRICT)
        assert parsed["Date"].datetime == sending.replace(microsecond=0)
        assert parsed["Date"].datetime.utcoffset() == timedelta(hours=-5)  # the offset it was composed at
        assert parsed["Message-ID"] == message.message_id
    assert {m.path: m.path.read_bytes() for m in messages} == before  # byte for byte
    assert [sent_date(m.path.read_bytes()) for m in messages] == [DUE] * 3
    assert report.dated == {m.message_id: sending.replace(microsecond=0) for m in messages}
    assert {line["at"] for line in journal_lines(outbox / "sent.jsonl")} == {sending.isoformat()}


def test_a_retry_is_dated_when_it_goes_not_when_the_first_attempt_did(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 2))
    fake = FakeTime()
    with serve(DefersFirst("data", 1)) as server:
        report = send_all(
            messages,
            settings_for(server.port, retry_seconds=90),
            outbox / "sent.jsonl",
            sleep=fake.sleep,
            now=fake.now,
        )
    assert fake.sleeps == [90]
    later = AT + timedelta(seconds=90)
    assert [sent_date(item.data) for item in server.handler.received] == [later, later]
    assert report.dated == {m.message_id: later for m in messages}


def test_a_message_without_a_date_is_dated_in_utc(outbox: Path) -> None:
    path = write_outbox(outbox, 1) / "000-daily-rep0.eml"
    path.write_bytes(path.read_bytes().replace(DUE_LINE, b""))
    with serve(Recorder()) as server:
        send_all(read_outbox(outbox), settings_for(server.port), outbox / "sent.jsonl", now=clock)
    data = server.handler.received[0].data
    assert sent_date(data) == AT and sent_date(data).utcoffset() == timedelta(0)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.endswith(b"\r\nDate: Mon, 06 Oct 2025 08:00:00 +0000")  # after the other headers
    assert head.replace(b"\r\nDate: Mon, 06 Oct 2025 08:00:00 +0000", b"") + b"\r\n\r\n" + body == (
        path.read_bytes()
    )


def test_a_rerun_after_a_complete_run_sends_nothing(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 3))
    with serve(Recorder()) as server:
        send_all(messages, settings_for(server.port), outbox / "sent.jsonl")
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl")
    assert report.skipped == messages
    assert (report.sent, report.connections) == ([], 0)
    assert server.connections == 1 and len(server.handler.received) == 3
    assert len(journal_lines(outbox / "sent.jsonl")) == 3


def test_bare_line_feeds_go_out_as_crlf(outbox: Path) -> None:
    write_outbox(outbox, 1)
    path = next(outbox.glob("*.eml"))
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    with serve(Recorder()) as server:
        send_all(read_outbox(outbox), settings_for(server.port), outbox / "sent.jsonl", now=clock)
    assert server.handler.received[0].data == as_sent(path.read_bytes().replace(b"\n", b"\r\n"))


# --- TLS and authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(("mechanism", "excluded"), [("LOGIN", "PLAIN"), ("PLAIN", "LOGIN")])
def test_starttls_with_a_private_ca_and_auth(
    outbox: Path, certificate: tuple[Path, Path], mechanism: str, excluded: str
) -> None:
    messages = read_outbox(write_outbox(outbox, 2))
    handler = Recorder()
    options = {
        "tls_context": server_tls_context(*certificate),
        "require_starttls": True,
        "authenticator": Authenticator(handler, "pat", "s3cret!"),
        "auth_required": True,
        "auth_require_tls": True,
        "auth_exclude_mechanism": [excluded],
    }
    with serve(handler, **options) as server:
        settings = settings_for(
            server.port, security="starttls", ca_file=str(certificate[0]), username="pat", password="s3cret!"
        )
        report = send_all(messages, settings, outbox / "sent.jsonl")
    assert report.sent == messages
    assert handler.logins == [(mechanism, "pat")]
    assert len(handler.received) == 2 and server.connections == 1


def test_a_wrong_password_is_a_clear_error_without_the_password(
    outbox: Path, certificate: tuple[Path, Path]
) -> None:
    handler = Recorder()
    options = {
        "tls_context": server_tls_context(*certificate),
        "authenticator": Authenticator(handler, "pat", "s3cret!"),
        "auth_required": True,
    }
    with serve(handler, **options) as server:
        settings = settings_for(
            server.port,
            security="starttls",
            ca_file=str(certificate[0]),
            username="pat",
            password="wrong-Pa55",
            password_source="$CSW_SMTP_PASSWORD",
        )
        with pytest.raises(SendError) as caught:
            send_all(read_outbox(write_outbox(outbox, 1)), settings, outbox / "sent.jsonl")
    assert type(caught.value) is SendError and caught.value.exit_code == 2
    assert caught.value.message == (
        f"127.0.0.1:{server.port}: authentication failed (535 5.7.8 Authentication credentials invalid):"
        " check email.username and $CSW_SMTP_PASSWORD."
    )
    assert "wrong-Pa55" not in str(caught.value) + repr(settings)
    assert handler.mails == 0


def test_implicit_tls(outbox: Path, certificate: tuple[Path, Path]) -> None:
    handler = Recorder()
    options = {
        "ssl_context": server_tls_context(*certificate),
        "authenticator": Authenticator(handler, "pat", "pw"),
        "auth_require_tls": False,
    }
    with serve(handler, **options) as server:
        settings = settings_for(
            server.port, security="ssl", ca_file=str(certificate[0]), username="pat", password="pw"
        )
        report = send_all(read_outbox(write_outbox(outbox, 2)), settings, outbox / "sent.jsonl")
    assert len(report.sent) == 2 and len(handler.received) == 2
    assert [mechanism for mechanism, _ in handler.logins] == ["PLAIN"]


def test_an_untrusted_certificate_points_to_ca_file(certificate: tuple[Path, Path]) -> None:
    with (
        serve(Recorder(), tls_context=server_tls_context(*certificate)) as server,
        pytest.raises(SendError) as caught,
    ):
        connect(settings_for(server.port, security="starttls"))
    assert caught.value.message.startswith(
        f"127.0.0.1:{server.port}: the server's TLS certificate cannot be verified (self-signed certificate)"
    )
    assert "email.ca_file" in str(caught.value)


def test_ssl_cert_file_is_honoured(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with serve(Recorder(), tls_context=server_tls_context(*certificate)) as server:
        connect(settings_for(server.port, security="starttls")).quit()
    assert server.connections == 1


def test_a_server_without_starttls() -> None:
    with serve(Recorder()) as server, pytest.raises(SendError) as caught:
        connect(settings_for(server.port, security="starttls"))
    assert caught.value.message == f"127.0.0.1:{server.port}: the server does not offer STARTTLS."


def test_nothing_listening(outbox: Path) -> None:
    port = free_port()
    with pytest.raises(ConnectionFailed) as caught:
        send_all(read_outbox(write_outbox(outbox, 1)), settings_for(port), outbox / "sent.jsonl")
    assert caught.value.message == (
        f"127.0.0.1:{port}: cannot connect: Connection refused; check email.host and email.port."
    )
    assert read_journal(outbox / "sent.jsonl") == set()


# --- dropped connections and temporary failures ------------------------------------------------------


class DropsAfter(Recorder):
    """Takes `per_connection` messages on a connection, then hangs up at the next MAIL."""

    def __init__(self, per_connection: int, say_421: bool) -> None:
        super().__init__()
        self.per_connection, self.say_421 = per_connection, say_421
        self.carried: dict[int, int] = {}
        self.servers: list[SMTP] = []  # keeps each alive, so id() stays unique

    async def on_mail(self, server: SMTP, address: str) -> str | None:
        if self.carried.get(id(server), 0) < self.per_connection:
            return None
        if self.say_421:
            await server.push("421 4.7.0 Too many messages on this connection")
        hang_up(server)
        return "421 4.7.0 closing"

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        self.servers.append(server)
        self.carried[id(server)] = self.carried.get(id(server), 0) + 1
        return None


@pytest.mark.parametrize("say_421", [False, True], ids=["hang-up", "421"])
def test_a_server_that_drops_the_connection_every_3_messages(outbox: Path, say_421: bool) -> None:
    messages = read_outbox(write_outbox(outbox, 7))
    sleeps: list[float] = []
    with serve(DropsAfter(3, say_421)) as server:
        settings = settings_for(server.port, retries=0)  # reconnecting for a drop is no retry
        report = send_all(messages, settings, outbox / "sent.jsonl", sleep=sleeps.append)
    assert server.handler.message_ids() == {m.message_id: 1 for m in messages}
    assert report.sent == messages and server.connections == 3 == report.connections
    assert sleeps == []  # a server closing a used connection is met by reconnecting at once
    assert read_journal(outbox / "sent.jsonl") == {m.message_id for m in messages}


class DefersFirst(Recorder):
    """Answers 451 to the first `times` commands of one phase, then accepts."""

    def __init__(self, phase: str, times: int) -> None:
        super().__init__()
        self.phase, self.left, self.rsets = phase, times, 0

    def defer(self, phase: str) -> str | None:
        if phase != self.phase or not self.left:
            return None
        self.left -= 1
        return "451 4.3.0 Try again later"

    async def on_mail(self, server: SMTP, address: str) -> str | None:
        return self.defer("mail")

    async def on_rcpt(self, server: SMTP, address: str) -> str | None:
        return self.defer("rcpt")

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        return self.defer("data")

    async def handle_RSET(self, server: SMTP, session: object, envelope: Envelope) -> str:
        self.rsets += 1
        return "250 OK"


@pytest.mark.parametrize("phase", ["mail", "rcpt", "data"])
def test_temporary_failures_are_retried_with_backoff(outbox: Path, phase: str) -> None:
    messages = read_outbox(write_outbox(outbox, 4))
    sleeps: list[float] = []
    with serve(DefersFirst(phase, 3)) as server:
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", sleep=sleeps.append)
    assert server.handler.message_ids() == {m.message_id: 1 for m in messages}
    assert sleeps == [0.01, 0.02, 0.04]
    assert (report.sent, report.retries, report.failed) == (messages, 3, [])
    assert server.connections == 1 and server.handler.rsets == 3


def test_retries_run_out_then_the_rest_still_go(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 3))
    sleeps: list[float] = []
    with serve(DefersFirst("rcpt", 99)) as server:
        server.handler.left = 4  # the first message: 1 try + 3 retries
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", sleep=sleeps.append)
    assert report.failed == [
        Failure(
            messages[0],
            451,
            "rep0@team.example: 4.3.0 Try again later (gave up after 4 attempts)",
            ("rep0@team.example",),
        )
    ]
    assert report.sent == messages[1:] and not report.ok
    assert sleeps == [0.01, 0.02, 0.04]
    assert read_journal(outbox / "sent.jsonl") == {mid(1), mid(2)}


# --- permanent failures ------------------------------------------------------------------------------


class Refuses(Recorder):
    """550 for some recipients; 554 for the data of some Message-IDs."""

    def __init__(self, addresses: set[str], bodies: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        super().__init__()
        self.addresses, self.bodies = addresses, bodies

    async def on_rcpt(self, server: SMTP, address: str) -> str | None:
        return "550 5.1.1 No such user here" if address in self.addresses else None

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        content = envelope.original_content
        assert isinstance(content, bytes)
        refused = any(f"Message-ID: {m}".encode() in content for m in self.bodies)
        return "554 5.6.0 Message content rejected" if refused else None


def test_a_rejected_recipient_is_reported_and_the_rest_go(outbox: Path, tmp_path: Path) -> None:
    rows = {f"rep{n}@team.example": {"email": f"rep{n}@team.example", "name": f"Rep {n}"} for n in range(4)}
    messages = read_outbox(write_outbox(outbox, 4), rows)
    with serve(Refuses({"rep1@team.example"})) as server:
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl")
    assert report.failed == [
        Failure(messages[1], 550, "rep1@team.example: 5.1.1 No such user here", ("rep1@team.example",))
    ]
    assert report.sent == [messages[0], messages[2], messages[3]]
    assert server.handler.message_ids() == {mid(0): 1, mid(2): 1, mid(3): 1}
    assert server.connections == 1
    assert read_journal(outbox / "sent.jsonl") == {mid(0), mid(2), mid(3)}
    write_failed_csv(report, tmp_path / "failed.csv")
    assert (tmp_path / "failed.csv").read_bytes() == (
        b"email,name,error_code,error\r\n"
        b"rep1@team.example,Rep 1,550,rep1@team.example: 5.1.1 No such user here\r\n"
    )
    # The address fixed, a rerun sends that message and only it.
    with serve(Recorder()) as fixed:
        again = send_all(read_outbox(outbox, rows), settings_for(fixed.port), outbox / "sent.jsonl")
    assert again.sent == [messages[1]] and len(again.skipped) == 3
    assert fixed.handler.message_ids() == {mid(1): 1}


def test_some_recipients_rejected_the_others_get_it(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 2, cc={0: "Gone <gone@team.example>"}))
    with serve(Refuses({"gone@team.example"})) as server:
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", now=clock)
    assert report.sent == messages
    assert report.failed == [
        Failure(messages[0], 550, "gone@team.example: 5.1.1 No such user here", ("gone@team.example",))
    ]
    assert server.handler.received[0].rcpt_tos == ("rep0@team.example",)
    assert journal_lines(outbox / "sent.jsonl")[0]["to"] == ["rep0@team.example"]


def test_data_refused_with_554(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 3))
    with serve(Refuses(set(), {mid(0)})) as server:
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl")
    assert report.failed == [
        Failure(messages[0], 554, "5.6.0 Message content rejected", ("rep0@team.example",))
    ]
    assert report.sent == messages[1:] and server.connections == 1
    assert read_journal(outbox / "sent.jsonl") == {mid(1), mid(2)}


# --- the case SMTP cannot settle -------------------------------------------------------------------


class StoresThenHangsUp(Recorder):
    """Stores one message, then hangs up instead of replying 250: the client cannot know."""

    def __init__(self, message_id: str) -> None:
        super().__init__()
        self.message_id, self.done = message_id, False

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        content = envelope.original_content
        assert isinstance(content, bytes)
        if self.done or f"Message-ID: {self.message_id}".encode() not in content:
            return None
        self.done = True
        self.keep(envelope)
        hang_up(server)
        return "250 OK"  # never reaches the client


def test_a_lost_reply_after_the_data_resends_with_the_same_message_id(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 3))
    sleeps: list[float] = []
    progress: list[str] = []
    with serve(StoresThenHangsUp(mid(1))) as server:
        report = send_all(
            messages,
            settings_for(server.port),
            outbox / "sent.jsonl",
            sleep=sleeps.append,
            now=clock,
            on_progress=lambda m, status: progress.append(status),
        )
    assert server.handler.message_ids() == {mid(0): 1, mid(1): 2, mid(2): 1}
    copies = [item.data for item in server.handler.received if item.message_id == mid(1)]
    assert copies[0] == copies[1] == as_sent(messages[1].path.read_bytes())  # the clock stood still
    assert report.unconfirmed == [messages[1]] and report.sent == [messages[0], messages[2]]
    assert progress == ["sent", "unconfirmed-resent", "sent"]
    assert [line["status"] for line in journal_lines(outbox / "sent.jsonl")] == [
        "sent",
        "unconfirmed-resent",
        "sent",
    ]
    assert sleeps == [0.01] and server.connections == 2


# --- crashes -----------------------------------------------------------------------------------------

SENDER_SCRIPT = """
import sys
from pathlib import Path
from csw.mail.send import SmtpSettings, read_outbox, send_all
outbox, port = Path(sys.argv[1]), int(sys.argv[2])
sys.stdin.readline()  # go once the test knows this process's id
settings = SmtpSettings(host="127.0.0.1", port=port, security="none", retry_seconds=0.01)
send_all(read_outbox(outbox), settings, outbox / "sent.jsonl")
"""


class KillsSender(Recorder):
    """SIGKILLs the sending process when it starts message number `at` (counting from 1)."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.pid = at, 0

    async def on_mail(self, server: SMTP, address: str) -> str | None:
        if self.mails != self.at:
            return None
        os.kill(self.pid, signal.SIGKILL)
        hang_up(server)
        return "421 gone"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_sender_killed_between_two_messages_loses_nothing_and_doubles_nothing(
    outbox: Path, tmp_path: Path
) -> None:
    messages = read_outbox(write_outbox(outbox, 6))
    script = tmp_path / "sender.py"
    script.write_text(SENDER_SCRIPT)
    with serve(KillsSender(at=4)) as server:
        process = subprocess.Popen(
            [sys.executable, str(script), str(outbox), str(server.port)],
            stdin=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        server.handler.pid = process.pid
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        process.stdin.close()
        assert process.wait(timeout=30) == -signal.SIGKILL
        assert read_journal(outbox / "sent.jsonl") == {mid(0), mid(1), mid(2)}
        report = send_all(messages, settings_for(server.port), outbox / "sent.jsonl")
    assert server.handler.message_ids() == {m.message_id: 1 for m in messages}
    assert report.skipped == messages[:3] and report.sent == messages[3:]
    assert sorted(line["message_id"] for line in journal_lines(outbox / "sent.jsonl")) == sorted(  # type: ignore[type-var]
        m.message_id for m in messages
    )


class Watches(Recorder):
    """Notes in a shared list each message body it receives."""

    def __init__(self, events: list[tuple[str, object]]) -> None:
        super().__init__()
        self.events = events

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        self.events.append(("data", len(self.received)))
        return None


def test_the_journal_is_fsynced_every_sync_every_entries_and_at_the_end(
    outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 2 * SYNC_EVERY + 5
    messages = read_outbox(write_outbox(outbox, count))
    journal = outbox / "sent.jsonl"
    events: list[tuple[str, object]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        events.append(("fsync", len(journal_lines(journal))))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with serve(Watches(events)) as server:
        send_all(messages, settings_for(server.port), journal)
    synced = [n for kind, n in events if kind == "fsync"]
    assert synced == [SYNC_EVERY, 2 * SYNC_EVERY, count]
    # A power cut can cost at most SYNC_EVERY resent messages: no body goes while more entries than
    # that wait for their fsync.
    on_disk = 0
    for kind, n in events:
        if kind == "fsync":
            on_disk = int(str(n))
        else:
            assert int(str(n)) - on_disk <= SYNC_EVERY


def test_no_entry_waits_for_its_fsync_through_a_pause(outbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = read_outbox(write_outbox(outbox, 2))
    journal = outbox / "sent.jsonl"
    events: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with serve(Recorder()) as server:
        send_all(
            messages,
            settings_for(server.port),
            journal,
            rate_per_minute=1,
            sleep=lambda s: events.append("sleep"),
        )
    assert events == ["fsync", "sleep", "fsync"]


def test_a_journal_cut_short_by_a_crash(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 4))
    journal = outbox / "sent.jsonl"
    whole = json.dumps({"message_id": mid(0), "file": "000-daily-rep0.eml", "status": "sent"})
    journal.write_text(whole + "\n" + '{"message_id": "' + mid(1)[:12])
    assert read_journal(journal) == {mid(0)}
    with serve(Recorder()) as server:
        report = send_all(messages, settings_for(server.port), journal)
    assert report.skipped == [messages[0]] and report.sent == messages[1:]
    lines = journal.read_text().split("\n")
    assert lines[:2] == [whole, '{"message_id": "' + mid(1)[:12]]
    assert [e["message_id"] for e in map(json.loads, lines[2:-1]) if "message_id" in e] == [
        mid(1),
        mid(2),
        mid(3),
    ]
    assert lines[-1] == ""
    assert read_journal(journal) == {mid(n) for n in range(4)}


def test_a_cut_line_whose_message_id_is_whole_counts_as_sent(tmp_path: Path) -> None:
    # The line is written only after the server's 250: any part of it proves the message went.
    journal = tmp_path / "sent.jsonl"
    journal.write_text('{"message_id": "<a\\"b@x>", "file": "001-kick')
    assert read_journal(journal) == {'<a"b@x>'}
    journal.write_text("not json\n\n[1, 2]\n")
    assert read_journal(journal) == set()


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_second_sender_on_the_same_outbox_is_refused(outbox: Path) -> None:
    import fcntl

    messages = read_outbox(write_outbox(outbox, 1))
    with (outbox / "sent.jsonl").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SendError, match="another csw is sending from this outbox"):
            send_all(messages, settings_for(free_port()), outbox / "sent.jsonl")


def test_a_server_gone_for_good_stops_the_run(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 5))
    dead = free_port()
    calls: list[int] = []

    def reconnect_to_nothing(settings: SmtpSettings) -> object:
        calls.append(1)
        return connect(settings if len(calls) == 1 else replace(settings, port=dead))

    sleeps: list[float] = []
    with serve(DropsAfter(2, say_421=False)) as server:
        report = send_all(
            messages,
            settings_for(server.port),
            outbox / "sent.jsonl",
            connect=reconnect_to_nothing,  # type: ignore[arg-type]
            sleep=sleeps.append,
        )
    assert report.sent == messages[:2] and report.remaining == messages[3:]
    assert [(f.message, f.code) for f in report.failed] == [(messages[2], None)]
    assert report.stopped == (
        f"127.0.0.1:{dead}: cannot connect: Connection refused; check email.host and email.port."
        " (gave up after 4 attempts)"
    )
    assert sleeps == [0.01, 0.02, 0.04]


# --- limit and rate ----------------------------------------------------------------------------------


def test_limit_counts_messages_sent_in_this_run(outbox: Path) -> None:
    messages = read_outbox(write_outbox(outbox, 5))
    with serve(Refuses({"rep0@team.example"})) as server:
        first = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", limit=2)
        second = send_all(messages, settings_for(server.port), outbox / "sent.jsonl", limit=2)
    assert first.sent == messages[1:3] and first.remaining == messages[3:]
    assert [f.message for f in first.failed] == [messages[0]]
    assert second.sent == [messages[3], messages[4]] and second.skipped == messages[1:3]
    assert server.handler.message_ids() == {mid(n): 1 for n in range(1, 5)}


class FakeTime:
    """A clock that moves only when slept on, or when told."""

    def __init__(self) -> None:
        self.at = AT
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.at += timedelta(seconds=seconds)

    def spend(self, seconds: float) -> Callable[[Outgoing, str], None]:
        def progress(message: Outgoing, status: str) -> None:
            self.at += timedelta(seconds=seconds)

        return progress


@pytest.mark.parametrize(("spent", "expected"), [(0.0, [0.5, 0.5]), (0.2, [0.3, 0.3]), (0.7, [])])
def test_rate_spaces_the_messages(outbox: Path, spent: float, expected: list[float]) -> None:
    messages = read_outbox(write_outbox(outbox, 5))
    with serve(Recorder()) as server:
        send_all(messages[:1], settings_for(server.port), outbox / "sent.jsonl")  # skipped: not paced
        fake = FakeTime()
        report = send_all(
            messages[:4],
            settings_for(server.port),
            outbox / "sent.jsonl",
            sleep=fake.sleep,
            now=fake.now,
            rate_per_minute=120,
            on_progress=fake.spend(spent),
        )
    assert fake.sleeps == pytest.approx(expected)
    assert len(report.sent) == 3


def test_a_rate_must_be_positive(outbox: Path) -> None:
    with pytest.raises(SendError, match="more than 0 messages a minute"):
        send_all([], settings_for(free_port()), outbox / "sent.jsonl", rate_per_minute=0)


# --- settings ---------------------------------------------------------------------------------------


def email(**values: object) -> Email:
    return Email.model_validate(values)


def test_plain_smtp_only_to_this_machine_unless_insecure() -> None:
    with pytest.raises(SendError) as caught:
        settings_from_config(email(host="smtp.acme.example", security="none"), {})
    assert caught.value.message.startswith('smtp.acme.example:25: email.security = "none" would send')
    assert "--insecure" in str(caught.value)
    assert settings_from_config(email(host="smtp.acme.example", security="none"), {}, insecure=True).insecure
    for host in ("localhost", "127.0.0.5", "::1"):
        assert settings_from_config(email(host=host, security="none"), {}).where.endswith(":25")


def test_default_ports() -> None:
    assert [SmtpSettings("mx.example", security=s).where for s in ("ssl", "starttls")] == [
        "mx.example:465",
        "mx.example:587",
    ]


def test_the_password_from_an_environment_variable() -> None:
    settings = settings_from_config(
        email(host="smtp.acme.example", username="pat", password_env="CSW_SMTP_PASSWORD"),
        {"CSW_SMTP_PASSWORD": "s3cret!"},
    )
    assert (settings.username, settings.password, settings.password_source) == (
        "pat",
        "s3cret!",
        "$CSW_SMTP_PASSWORD",
    )
    assert "s3cret!" not in repr(settings) + str(settings)


def test_a_missing_variable_is_named() -> None:
    with pytest.raises(SendError) as caught:
        settings_from_config(email(username="pat", password_env="CSW_SMTP_PASSWORD"), {})
    assert (
        caught.value.message == "email.password_env: the environment variable CSW_SMTP_PASSWORD is not set."
    )


def test_the_password_from_a_command() -> None:
    command = f"{sys.executable} -c \"print('pw with spaces ')\""
    settings = settings_from_config(email(username="pat", password_command=command), {})
    assert settings.password == "pw with spaces "
    assert settings.password_source == f"the output of `{command}`"


def test_a_failing_password_command_is_named_and_its_output_is_not_shown() -> None:
    command = f"{sys.executable} -c \"import sys; print('s3cret'); sys.exit('no such entry')\""
    with pytest.raises(SendError) as caught:
        settings_from_config(email(username="pat", password_command=command), {})
    assert (
        caught.value.message
        == f"email.password_command `{command}`: failed with exit status 1: no such entry."
    )
    with pytest.raises(SendError, match="no such command"):
        settings_from_config(email(username="pat", password_command="csw-no-such-program x"), {})


# --- the outbox --------------------------------------------------------------------------------------


def test_read_outbox(outbox: Path) -> None:
    write_outbox(outbox, 2, cc={1: "Lead <LEAD@team.example>"})
    rows = {"lead@team.example": {"email": "lead@team.example", "name": "Lead"}}
    first, second = read_outbox(outbox, rows)
    assert (first.message_id, first.sender, first.recipients, first.kind) == (
        mid(0),
        SENDER,
        ("rep0@team.example",),
        "daily",
    )
    assert first.row == {"email": "rep0@team.example"}
    assert second.row == rows["lead@team.example"]
    assert first.data == first.path.read_bytes()


def test_a_message_without_message_id_or_with_a_duplicate(outbox: Path) -> None:
    write_outbox(outbox, 2)
    (outbox / "002-daily-copy.eml").write_bytes((outbox / "000-daily-rep0.eml").read_bytes())
    with pytest.raises(
        SendError, match=r"002-daily-copy.eml: Message-ID <csw.2025.daily.0@acme.example> is also"
    ):
        read_outbox(outbox)
    (outbox / "002-daily-copy.eml").write_bytes(b"From: a@b.example\r\nTo: c@d.example\r\n\r\nhi\r\n")
    with pytest.raises(SendError, match=r"002-daily-copy.eml: the message has no Message-ID header"):
        read_outbox(outbox)


# Outgoing.wire skips the line-end regex when the message is CRLF already (csw writes it so) and
# dot-stuffs with bytes.replace: the same payload as the plain regex way, for any bytes.
def reference_wire(data: bytes) -> bytes:
    text = re.sub(rb"\r\n|\n|\r", b"\r\n", data)
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    return re.sub(rb"(?m)^\.", b"..", text) + b".\r\n"


@given(st.lists(st.sampled_from([b"\r\n", b"\n", b"\r", b".", b"..", b"a", b"\xc3\xa9", b" "]), max_size=40))
@settings(max_examples=500, deadline=None)
def test_the_wire_payload_is_crlf_and_dot_stuffed(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    message = Outgoing(Path(), "m.eml", "<m@x>", "a@x.example", ("b@x.example",), "kickoff", {}, data)
    assert message.wire == reference_wire(data)
