"""Send the composed outbox over SMTP, every message exactly once, whatever fails along the way.

The outbox holds one `.eml` file per message. `send_all` sends them over one reused connection and
appends each message the server accepted to `sent.jsonl`, the journal, so a rerun after any failure
(a dropped connection, a crash, a killed process) sends only what is missing. Temporary failures are
retried with backoff; permanent ones are reported and the rest still go out.

The one case SMTP cannot settle is a connection lost after the message data went out but before the
server's reply: the server may or may not have stored it. csw resends it with the same Message-ID
(mail systems drop a second copy of a Message-ID they have seen) and reports it as unconfirmed.

This module never prints; the CLI turns its report and its errors into output.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import os
import re
import shlex
import smtplib
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Literal

from csw.config import Email
from csw.errors import CswError
from csw.files import write_atomic
from csw.mail.stamp import restamp

__all__ = [
    "JOURNAL_NAME",
    "ConnectionFailed",
    "Failure",
    "Outgoing",
    "SendError",
    "SendReport",
    "SmtpSettings",
    "connect",
    "read_journal",
    "read_outbox",
    "send_all",
    "settings_from_config",
    "write_failed_csv",
]

JOURNAL_NAME = "sent.jsonl"
Security = Literal["ssl", "starttls", "none"]
Status = Literal["sent", "skipped", "failed", "unconfirmed-resent"]
DEFAULT_PORTS: Mapping[str, int] = {"ssl": 465, "starttls": 587, "none": 25}
# compat32 and email.utils.getaddresses: the outbox is read before every send, and for the few
# headers needed here they take 60 us a message where policy.default's header objects take 400.
_PARSER = BytesParser(policy=policy.compat32)


class SendError(CswError):
    """The outbox, the SMTP settings, the server or the journal stop the sending (exit 2)."""


class ConnectionFailed(SendError):
    """The server cannot be reached (refused, unknown host, timeout, dropped): worth retrying later."""


# --- the outbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One composed message: its file, its envelope, and its bytes, read once."""

    path: Path
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    kind: str
    row: Mapping[str, str] = field(compare=False)
    data: bytes = field(repr=False, compare=False)

    @property
    def wire(self) -> bytes:
        """The DATA payload as composed: see `wire_at`."""
        return self.wire_at(None)

    def wire_at(self, sent: datetime | None) -> bytes:
        """The DATA payload: CRLF line ends, dot-stuffed, with the final dot; dated `sent` unless None
        (csw.mail.stamp). Made when it is sent, not kept: ten thousand kept copies of 75 kB messages
        would double what a send holds."""
        text = self.data
        crlf = text.count(b"\r\n")
        if text.count(b"\n") != crlf or text.count(b"\r") != crlf:  # csw writes CRLF; a hand edit may not
            text = re.sub(rb"\r\n|\n|\r", b"\r\n", text)
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        if sent is not None:
            text = restamp(text, sent)
        stuffed = text.replace(b"\r\n.", b"\r\n..")  # counting is C, a regex over 75 kB was not
        return (b"." if stuffed.startswith(b".") else b"") + stuffed + b".\r\n"

    @cached_property
    def eightbit(self) -> bool:
        """Whether the message has bytes beyond ASCII (then it asks for BODY=8BITMIME)."""
        return not self.data.isascii()

    @cached_property
    def international(self) -> bool:
        """Whether an envelope address is not ASCII (then the server must offer SMTPUTF8)."""
        return not all(address.isascii() for address in (self.sender, *self.recipients))


def read_outbox(folder: Path, rows: Mapping[str, Mapping[str, str]] | None = None) -> list[Outgoing]:
    """Every `*.eml` message in `folder`, in name order.

    `rows` maps a recipient's address to their recipients.csv row; it goes with the message into
    failed.csv. Raises SendError naming the file when a message cannot be read or lacks a header.
    """
    if not folder.is_dir():
        raise SendError(f"{folder}: no such outbox folder.", hint="Compose it first: csw email preview PLAN.")
    by_address = {address.casefold(): row for address, row in (rows or {}).items()}
    messages = [_outgoing(path, by_address) for path in sorted(folder.glob("*.eml"))]
    _refuse_duplicates(messages)
    return messages


def _outgoing(path: Path, rows: Mapping[str, Mapping[str, str]]) -> Outgoing:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SendError(f"{path}: cannot read the message: {error.strerror}.") from None
    headers = _PARSER.parsebytes(_header_block(data), headersonly=True)
    message_id = "".join(str(headers.get("Message-ID", "")).split())  # unfolded, if it was folded
    if not message_id:
        raise SendError(f"{path}: the message has no Message-ID header.", hint=_RECOMPOSE)
    if "Bcc" in headers:
        raise SendError(f"{path}: the message has a Bcc header, which csw does not send.", hint=_RECOMPOSE)
    recipients = _addresses(headers, "To", "Cc")
    senders = _addresses(headers, "Sender") or _addresses(headers, "From")
    if not recipients or not senders:
        missing = "To" if not recipients else "From"
        raise SendError(f"{path}: the message has no address in its {missing} header.", hint=_RECOMPOSE)
    row = next((rows[a.casefold()] for a in recipients if a.casefold() in rows), None)
    return Outgoing(
        path=path,
        message_id=message_id,
        sender=senders[0],
        recipients=recipients,
        kind=str(headers.get("X-CSW-Kind", "")).strip() or _kind_from_name(path),
        row=row if row is not None else {"email": ", ".join(recipients)},
        data=data,
    )


_RECOMPOSE = "Compose the outbox again with csw email preview PLAN."


def _header_block(data: bytes) -> bytes:
    # Only the headers are needed; parsing a large attachment to find them would be wasted work.
    ends = [at for at in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if at >= 0]
    return data[: min(ends) + 2] if ends else data


def _addresses(headers: Message, *names: str) -> tuple[str, ...]:
    values = [str(value) for name in names for value in headers.get_all(name, [])]
    return tuple(address for _, address in getaddresses(values) if "@" in address)


def _kind_from_name(path: Path) -> str:
    # Composed files are named NNN-kind-recipient.eml.
    parts = path.stem.split("-")
    return parts[1] if len(parts) > 2 else ""


def _refuse_duplicates(messages: Sequence[Outgoing]) -> None:
    # The journal knows messages by Message-ID: two files sharing one would send only the first.
    seen: dict[str, Path] = {}
    for message in messages:
        first = seen.get(message.message_id)
        if first is not None:
            raise SendError(
                f"{message.path}: Message-ID {message.message_id} is also the one of {first.name}.",
                hint=_RECOMPOSE,
            )
        seen[message.message_id] = message.path


# --- the SMTP settings and the connection -----------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect. The password never shows in repr, logs or error messages."""

    host: str
    port: int | None = None  # None: the usual port of `security`
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_source: str = "the password"  # how error messages name it: "$VAR", "`command`"
    ca_file: str | None = None
    timeout: float = 30
    retries: int = 5
    retry_seconds: float = 2
    insecure: bool = False  # allow security = "none" towards a host that is not this machine

    def __post_init__(self) -> None:
        if self.security not in DEFAULT_PORTS:
            raise SendError(f"email.security: '{self.security}' is not one of ssl, starttls, none.")
        if self.security == "none" and not self.insecure and not _is_local(self.host):
            raise SendError(
                f'{self.where}: email.security = "none" would send the messages and the password'
                " unencrypted over the network.",
                hint='Use security = "starttls" or "ssl"; or, if this network is trusted, pass --insecure.',
            )

    @property
    def where(self) -> str:
        """host:port, as every connection error message starts."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port or DEFAULT_PORTS[self.security]}"


def _is_local(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def settings_from_config(
    email: Email,
    environ: Mapping[str, str],
    run: Runner = subprocess.run,
    *,
    insecure: bool = False,
) -> SmtpSettings:
    """The settings of csw.toml's [email], the password taken from the environment or a command."""
    password, source = _password(email, environ, run)
    if email.username and password is None:
        raise SendError(
            "email.username is set but no password source is.",
            hint="Set email.password_env to the NAME of an environment variable, or email.password_command.",
        )
    return SmtpSettings(
        host=email.host,
        port=email.port,
        security=email.security,
        username=email.username,
        password=password,
        password_source=source,
        ca_file=email.ca_file,
        timeout=email.timeout,
        retries=email.retries,
        retry_seconds=email.retry_seconds,
        insecure=insecure,
    )


def _password(email: Email, environ: Mapping[str, str], run: Runner) -> tuple[str | None, str]:
    if email.password_env and email.password_command:
        raise SendError("email: set password_env or password_command, not both.")
    if email.password_env:
        if email.password_env not in environ:
            raise SendError(
                f"email.password_env: the environment variable {email.password_env} is not set.",
                hint=f"Set it to the SMTP password: export {email.password_env}=...",
            )
        return environ[email.password_env], f"${email.password_env}"
    if email.password_command:
        return _password_from_command(email.password_command, email.timeout, run), (
            f"the output of `{email.password_command}`"
        )
    return None, "the password"


def _password_from_command(command: str, timeout: float, run: Runner) -> str:
    where = f"email.password_command `{command}`"
    try:
        done = run(shlex.split(command), capture_output=True, text=True, timeout=timeout, check=False)
    except ValueError as error:  # shlex: an unclosed quote
        raise SendError(f"{where}: cannot parse the command: {error}.") from None
    except FileNotFoundError:
        raise SendError(f"{where}: no such command.", hint="Check the program name and PATH.") from None
    except subprocess.TimeoutExpired:
        raise SendError(f"{where}: did not finish within {timeout:g} seconds.") from None
    except OSError as error:
        raise SendError(f"{where}: cannot run: {error.strerror}.") from None
    if done.returncode != 0:
        # stderr says why (not in the store, locked keyring); stdout might hold a secret: never shown.
        detail = (done.stderr or "").strip().splitlines()
        said = f": {detail[-1][:200]}" if detail else ""
        raise SendError(f"{where}: failed with exit status {done.returncode}{said}.")
    password = done.stdout.removesuffix("\n").removesuffix("\r")
    if not password:
        raise SendError(f"{where}: printed no password.")
    return password


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP connection; SendError (host:port first) when that fails."""
    context = _tls_context(settings) if settings.security != "none" else None
    try:
        smtp = _open(settings, context)
    except OSError as error:  # smtplib's exceptions, socket and TLS errors all are OSErrors
        raise _connect_error(settings, error) from None
    try:
        _greet(smtp, settings, context)
    except BaseException as error:
        smtp.close()
        if isinstance(error, OSError):
            raise _connect_error(settings, error) from None
        raise
    return smtp


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    # Without ca_file the system store is used, which honours SSL_CERT_FILE and SSL_CERT_DIR.
    cafile = str(Path(settings.ca_file).expanduser()) if settings.ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError:
        raise SendError(f"email.ca_file: {cafile}: no such file.") from None
    except (OSError, ssl.SSLError) as error:
        raise SendError(f"email.ca_file: {cafile}: not a PEM certificate bundle ({error}).") from None


def _open(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    port = settings.port or DEFAULT_PORTS[settings.security]
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, port, timeout=settings.timeout, context=context)
    return smtplib.SMTP(settings.host, port, timeout=settings.timeout)


def _greet(smtp: smtplib.SMTP, settings: SmtpSettings, context: ssl.SSLContext | None) -> None:
    smtp.ehlo_or_helo_if_needed()
    if settings.security == "starttls":
        if not smtp.has_extn("starttls"):
            raise smtplib.SMTPNotSupportedError("STARTTLS")
        smtp.starttls(context=context)
        smtp.ehlo_or_helo_if_needed()
    if settings.username:
        smtp.login(settings.username, settings.password or "")


def _connect_error(settings: SmtpSettings, error: OSError) -> SendError:
    where = settings.where
    if isinstance(error, ssl.SSLCertVerificationError):
        return SendError(
            f"{where}: the server's TLS certificate cannot be verified ({error.verify_message}).",
            hint="If the server uses a private certificate authority, set email.ca_file to its"
            " certificate (PEM).",
        )
    if isinstance(error, ssl.SSLError):
        return SendError(
            f"{where}: the TLS handshake failed ({error.reason or error}).",
            hint='Check email.security: "ssl" for port 465, "starttls" for port 587.',
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        said = _scrub(_said(error.smtp_code, error.smtp_error), settings.password)
        return SendError(
            f"{where}: authentication failed ({said}): check email.username and {settings.password_source}."
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return _unsupported(settings, str(error))
    if isinstance(error, smtplib.SMTPResponseException):  # a refusal in the greeting or EHLO: 421, 554
        detail = f"the server answered {_said(error.smtp_code, error.smtp_error)}"
    elif isinstance(error, smtplib.SMTPException) and not isinstance(error, smtplib.SMTPServerDisconnected):
        # "No suitable authentication method found": a mismatch, not a passing failure.
        return SendError(f"{where}: {error}", hint="Check email.username and email.security.")
    else:
        detail = _scrub(
            getattr(error, "strerror", None) or str(error) or type(error).__name__, settings.password
        )
    return ConnectionFailed(
        f"{where}: cannot connect: {detail}; check email.host and email.port.",
        hint='And email.security: "ssl" for port 465, "starttls" for port 587, "none" for a local relay.',
    )


def _unsupported(settings: SmtpSettings, what: str) -> SendError:
    if what == "STARTTLS":
        return SendError(
            f"{settings.where}: the server does not offer STARTTLS.",
            hint='Use security = "ssl" if it listens for TLS on this port (465), or the right port.',
        )
    return SendError(
        f"{settings.where}: the server does not offer authentication ({what}).",
        hint="Remove email.username if it needs none, or check email.security.",
    )


def _said(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}".strip()


def _scrub(text: str, secret: str | None) -> str:
    # A server or library might echo what it was sent; a password never reaches a message.
    return text.replace(secret, "********") if secret else text


# --- the journal ------------------------------------------------------------------------------------

# Each line is json.dumps of a dict whose first key is message_id, so a line cut short by a crash
# still names its message when the id itself was written in full.
_CUT_LINE = re.compile(rb'^\{"message_id": ("(?:[^"\\]|\\.)*")')


def read_journal(path: Path) -> set[str]:
    """The Message-IDs recorded in the journal at `path` (none if it does not exist).

    Tolerates lines cut short by a crash: a line is written only after the server accepted its
    message, so even a partial line whose Message-ID is complete counts as sent.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return set()
    except OSError as error:
        raise SendError(f"{path}: cannot read the send journal: {error.strerror}.") from None
    return {found for line in data.split(b"\n") if (found := _journal_id(line))}


def _journal_id(line: bytes) -> str | None:
    if not line.strip():
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        cut = _CUT_LINE.match(line)
        return str(json.loads(cut[1])) if cut else None
    found = entry.get("message_id") if isinstance(entry, dict) else None
    return found if isinstance(found, str) else None


SYNC_EVERY = 32  # journal entries per fsync: see _Journal


class _Journal:
    """sent.jsonl, locked and open for appending while a run sends.

    Each line is written with one write() as soon as the server accepted its message, so a killed
    process loses nothing. The fsync, which makes the lines survive a power cut, is grouped: one for
    every SYNC_EVERY entries (called while the server reads the next MAIL command, so the disk and
    the server work at the same time), one before any pause and one at the end. A fsync per message
    cost a fifth of the sending rate on a busy machine; what grouping risks is only this: after a
    power cut, up to SYNC_EVERY messages the server had accepted are sent again, with the same
    Message-ID, which mail systems use to drop the copy.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            raise SendError(f"{path}: cannot open the send journal: {error.strerror}.") from None
        self._pending = 0  # entries written since the last fsync
        try:
            _lock(self._fd, path)
            self.ids = read_journal(path)
            self._end_line()
        except BaseException:
            os.close(self._fd)
            raise

    def __enter__(self) -> _Journal:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _end_line(self) -> None:
        # After a crash mid-line, the next entry must start on a line of its own.
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            self._write(b"\n")

    def record(self, message: Outgoing, accepted: Sequence[str], status: Status, at: datetime) -> None:
        """Append one entry for a message the server accepted (fsynced by a later `sync()`)."""
        entry = {
            "message_id": message.message_id,
            "file": message.path.name,
            "to": list(accepted),
            "kind": message.kind,
            "status": status,
            "at": at.isoformat(),
        }
        try:
            self._write(json.dumps(entry).encode("ascii") + b"\n")
        except OSError as error:
            raise SendError(
                f"{self.path}: cannot record that {message.message_id} ({message.path.name}) was sent:"
                f" {error.strerror}.",
                hint="Free some space; a rerun may send that message a second time (same Message-ID).",
            ) from None
        self.ids.add(message.message_id)
        self._pending += 1

    def sync_some(self) -> None:
        """fsync once SYNC_EVERY entries wait for it."""
        if self._pending >= SYNC_EVERY:
            self.durable()

    def durable(self) -> None:
        """fsync every entry written so far, if one waits."""
        if not self._pending:
            return
        try:
            os.fsync(self._fd)
        except OSError as error:
            raise SendError(f"{self.path}: cannot save the send journal: {error.strerror}.") from None
        self._pending = 0

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        """fsync the last entry, then release the lock and the file."""
        try:
            self.durable()
        finally:
            os.close(self._fd)


def _lock(fd: int, path: Path) -> None:
    # Two runs sending from one outbox at once would both send what neither has journaled yet.
    if sys.platform == "win32":
        return
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SendError(
            f"{path}: another csw is sending from this outbox right now.",
            hint="Wait for it to finish, then run the command again: it sends only what is missing.",
        ) from None


# --- the report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A message, or some of its recipients, that the server did not take."""

    message: Outgoing
    code: int | None  # the server's reply code; None when the connection failed
    reason: str
    recipients: tuple[str, ...]  # the recipients it did not reach


@dataclass
class SendReport:
    """What a run did with each message."""

    sent: list[Outgoing] = field(default_factory=list)
    skipped: list[Outgoing] = field(default_factory=list)  # journaled by an earlier run
    unconfirmed: list[Outgoing] = field(default_factory=list)  # lost reply after the data: resent
    failed: list[Failure] = field(default_factory=list)  # not journaled, except refused recipients
    remaining: list[Outgoing] = field(default_factory=list)  # not tried: the limit, or a stop
    stopped: str | None = None  # why the run stopped early when the server became unreachable
    dated: dict[str, datetime] = field(default_factory=dict)  # Message-ID: the Date it went out with
    connections: int = 0
    retries: int = 0

    @property
    def delivered(self) -> int:
        """Messages the server accepted in this run, confirmed or resent."""
        return len(self.sent) + len(self.unconfirmed)

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing is left because of a failure (exit 0 rather than 1)."""
        return not self.failed and self.stopped is None


def write_failed_csv(report: SendReport, path: Path) -> None:
    """failed.csv: each failure's recipients.csv row plus error_code and error, written atomically.

    It has the columns of recipients.csv, so after fixing the addresses it can be sent to again.
    """
    columns: dict[str, None] = {}
    for failure in report.failed:
        columns.update(dict.fromkeys(failure.message.row))
    names = [name for name in columns if name not in ("error_code", "error")] or ["email"]
    out = io.StringIO()
    writer = csv.DictWriter(out, [*names, "error_code", "error"], restval="", extrasaction="ignore")
    writer.writeheader()
    for failure in report.failed:
        code = "" if failure.code is None else str(failure.code)
        writer.writerow({**failure.message.row, "error_code": code, "error": failure.reason})
    write_atomic(path, out.getvalue())


# --- sending ----------------------------------------------------------------------------------------

Outcome = Literal["sent", "temporary", "permanent", "unconfirmed"]
Phase = Literal["connect", "rset", "mail", "rcpt", "data", "reply"]


@dataclass(frozen=True)
class _Attempt:
    """How one try at one message ended."""

    outcome: Outcome
    phase: Phase
    code: int | None = None
    reason: str = ""
    usable: bool = True  # whether the connection can carry the next transaction
    accepted: tuple[str, ...] = ()
    refused: tuple[tuple[str, int, str], ...] = ()  # (recipient, code, text)


def _transact(smtp: smtplib.SMTP, message: Outgoing, sync: Callable[[], None], at: datetime) -> _Attempt:
    """MAIL, RCPT, DATA driven one by one, so a lost connection tells in which phase it was lost.

    `sync` (the journal's grouped fsync) runs while the server reads the MAIL command, so that the
    disk and the server work at the same time. `at` is the message's Date as it goes out.
    """
    phase: Phase = "mail"
    try:
        options = _mail_options(smtp, message)
        if options is None:
            return _Attempt(
                "permanent", phase, None, "the server does not offer SMTPUTF8 for a non-ASCII address"
            )
        _put_mail(smtp, message.sender, options)
        sync()
        code, text = smtp.getreply()
        if code != 250:
            return _refusal(phase, code, text)
        phase = "rcpt"
        accepted, refused = _recipients(smtp, message.recipients)
        if not accepted or any(code < 500 for _, code, _ in refused):
            return _refused_recipients(refused)
        phase = "data"
        smtp.putcmd("data")
        code, text = smtp.getreply()
        if code != 354:
            return _refusal(phase, code, text)
        smtp.send(message.wire_at(at))
        phase = "reply"  # the whole message is out: from here on, a lost connection is ambiguous
        code, text = smtp.getreply()
    except OSError as error:  # SMTPServerDisconnected, resets and timeouts: the connection is gone
        outcome: Outcome = "unconfirmed" if phase == "reply" else "temporary"
        return _Attempt(
            outcome, phase, None, f"connection lost: {error or type(error).__name__}", usable=False
        )
    if code != 250:
        return _refusal("reply", code, text, ambiguous=code < 0)
    return _Attempt("sent", "reply", code, accepted=accepted, refused=refused)


def _put_mail(smtp: smtplib.SMTP, sender: str, options: Sequence[str]) -> None:
    # smtplib's mail() without its getreply(), so that the caller can work before reading the reply.
    if "SMTPUTF8" in options:
        smtp.command_encoding = "utf-8"
    extra = "".join(f" {option}" for option in options) if smtp.does_esmtp else ""
    smtp.putcmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{extra}")


def _mail_options(smtp: smtplib.SMTP, message: Outgoing) -> list[str] | None:
    options = ["BODY=8BITMIME"] if message.eightbit and smtp.has_extn("8bitmime") else []
    if message.international:
        if not smtp.has_extn("smtputf8"):
            return None
        options.append("SMTPUTF8")
    return options


def _recipients(
    smtp: smtplib.SMTP, recipients: Iterable[str]
) -> tuple[tuple[str, ...], tuple[tuple[str, int, str], ...]]:
    accepted: list[str] = []
    refused: list[tuple[str, int, str]] = []
    for recipient in recipients:
        code, text = smtp.rcpt(recipient)
        if code in (250, 251):
            accepted.append(recipient)
        else:
            refused.append((recipient, code, _said(code, text).partition(" ")[2]))
    return tuple(accepted), tuple(refused)


def _refusal(phase: Phase, code: int, text: bytes, *, ambiguous: bool = False) -> _Attempt:
    reason = _said(code, text).partition(" ")[2]
    if ambiguous:  # an unreadable reply to the data: as unsure as no reply at all
        return _Attempt("unconfirmed", phase, None, f"unreadable reply: {reason}", usable=False)
    if 400 <= code < 500:
        # 421: the server is closing this connection.
        return _Attempt("temporary", phase, code, reason, usable=code != 421)
    if 500 <= code < 600:
        return _Attempt("permanent", phase, code, reason)
    return _Attempt("temporary", phase, code, f"unexpected reply: {reason}", usable=False)


def _refused_recipients(refused: Sequence[tuple[str, int, str]]) -> _Attempt:
    # Any 4xx: try the whole message again later (nothing was sent yet); all 5xx: it cannot go.
    temporary = [item for item in refused if item[1] < 500]
    first = (temporary or refused)[0]
    reason = "; ".join(f"{recipient}: {text}" for recipient, _, text in refused)
    outcome: Outcome = "temporary" if temporary else "permanent"
    return _Attempt(outcome, "rcpt", first[1], reason, usable=first[1] != 421, refused=tuple(refused))


class _Link:
    """The one SMTP connection of a run: opened on first use, reopened only when it was lost."""

    def __init__(self, settings: SmtpSettings, opener: Callable[[SmtpSettings], smtplib.SMTP]) -> None:
        self.settings = settings
        self._opener = opener
        self._smtp: smtplib.SMTP | None = None
        self._dirty = False  # a failed transaction may be open: RSET before the next one
        self.opened = 0
        self.carried = 0  # messages accepted over the current connection

    def attempt(self, message: Outgoing, sync: Callable[[], None], at: datetime) -> _Attempt:
        """One try at `message`, dated `at`, reconnecting or resetting first when needed."""
        smtp = self._ready()
        if isinstance(smtp, _Attempt):
            return smtp
        result = _transact(smtp, message, sync, at)
        if not result.usable:
            self.drop()
        elif result.outcome == "sent":
            self.carried += 1
        else:
            self._dirty = True
        return result

    def _ready(self) -> smtplib.SMTP | _Attempt:
        if self._smtp is not None and self._dirty:
            try:
                code, text = self._smtp.rset()
            except OSError as error:
                code, text = -1, str(error).encode()
            if code != 250:
                self.drop()
                return _Attempt(
                    "temporary",
                    "rset",
                    None,
                    f"connection lost: {text.decode('utf-8', 'replace')}",
                    usable=False,
                )
            self._dirty = False
        if self._smtp is None:
            try:
                self._smtp = self._opener(self.settings)
            except ConnectionFailed as error:
                if not self.opened:
                    raise  # the first connection: a wrong host or port, not a passing failure
                return _Attempt("temporary", "connect", None, error.message, usable=False)
            self.opened += 1
            self.carried = 0
        return self._smtp

    def drop(self) -> None:
        """Close the connection without a word: it is broken or in an unknown state."""
        if self._smtp is not None:
            self._smtp.close()
        self._smtp, self._dirty = None, False

    def quit(self) -> None:
        """End the session politely; errors there change nothing any more."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except OSError:
            pass
        finally:
            self.drop()


@dataclass(frozen=True)
class _Delivery:
    status: Status
    failure: Failure | None = None
    unreachable: bool = False
    retries: int = 0
    accepted: tuple[str, ...] = ()
    dated: datetime | None = None  # the Date it went out with


def _deliver(
    message: Outgoing,
    link: _Link,
    journal: _Journal,
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
) -> _Delivery:
    """Send one message, each attempt dated when it starts, retrying temporary failures with
    backoff; return how it ended."""
    retries, unconfirmed, reconnected = 0, False, False
    while True:
        carried = link.carried
        at = now().replace(microsecond=0)  # a Date header has whole seconds
        result = link.attempt(message, journal.sync_some, at)
        unconfirmed = unconfirmed or result.outcome == "unconfirmed"
        if result.outcome == "sent":
            status: Status = "unconfirmed-resent" if unconfirmed else "sent"
            partial = _partial(message, result)
            return _Delivery(status, partial, retries=retries, accepted=result.accepted, dated=at)
        # A server may close a connection that has carried messages (a per-connection limit, an
        # idle timeout): that is met by reconnecting at once, once per message, not by a retry.
        if not result.usable and result.phase in ("rset", "mail") and carried and not reconnected:
            reconnected = True
            continue
        if result.outcome == "permanent" or retries >= link.settings.retries:
            failure = _failure(message, result, retries, unconfirmed)
            return _Delivery("failed", failure, unreachable=result.phase == "connect", retries=retries)
        sleep(link.settings.retry_seconds * 2**retries)
        retries += 1


def _partial(message: Outgoing, result: _Attempt) -> Failure | None:
    # Some recipients refused, the others accepted the data: the message counts as sent for them.
    if not result.refused:
        return None
    reason = "; ".join(f"{recipient}: {text}" for recipient, _, text in result.refused)
    refused = tuple(recipient for recipient, _, _ in result.refused)
    return Failure(message, result.refused[0][1], reason, refused)


def _failure(message: Outgoing, result: _Attempt, retries: int, unconfirmed: bool) -> Failure:
    reason = result.reason
    if result.outcome != "permanent":
        reason += f" (gave up after {retries + 1} attempts)"
    if unconfirmed:
        reason += "; an earlier attempt lost the connection after the data was sent, so it may have arrived"
    refused = tuple(recipient for recipient, _, _ in result.refused) or message.recipients
    return Failure(message, result.code, reason, refused)


class _Pacer:
    """Spaces the start of messages by 60/rate seconds, counting the time sending already took."""

    def __init__(self, rate_per_minute: float | None, now: Callable[[], datetime]) -> None:
        if rate_per_minute is not None and not rate_per_minute > 0:
            raise SendError(f"the sending rate must be more than 0 messages a minute, not {rate_per_minute}.")
        self._interval = 60 / rate_per_minute if rate_per_minute else 0.0
        self._now = now
        self._last: datetime | None = None

    def wait(self, sleep: Callable[[float], None]) -> None:
        """Sleep until the next message may start."""
        if not self._interval:
            return
        if self._last is not None:
            waited = (self._now() - self._last).total_seconds()
            # Clamped: a wall clock set back must not make the wait longer than one interval.
            pause = min(self._interval - waited, self._interval)
            if pause > 0:
                sleep(pause)
        self._last = self._now()


def send_all(
    messages: Sequence[Outgoing],
    settings: SmtpSettings,
    journal: Path,
    *,
    connect: Callable[[SmtpSettings], smtplib.SMTP] = connect,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    rate_per_minute: float | None = None,
    limit: int | None = None,
    on_progress: Callable[[Outgoing, str], None] | None = None,
) -> SendReport:
    """Send each message not yet in the journal, over one reused connection, and journal it.

    Temporary failures are retried with backoff (`settings.retries`, from `settings.retry_seconds`,
    doubling); permanent ones are reported and the rest still go. `limit` stops after that many
    messages sent in this run; `rate_per_minute` spaces them with `sleep`. Each message goes out
    with a Date header of `now()` when its attempt starts (csw.mail.stamp). Raises SendError when the
    first connection or a login fails (settings, password, certificate) or the journal cannot be
    written; a server that cannot be reached again later stops the run with `report.stopped` set
    and the rest in `report.remaining`.
    """
    report = SendReport()
    pacer = _Pacer(rate_per_minute, now)
    progress = on_progress or _ignore
    link = _Link(settings, connect)
    with _Journal(journal) as book:

        def pause(seconds: float) -> None:
            book.durable()  # no journal entry waits for its fsync through a pause
            sleep(seconds)

        try:
            for message in messages:
                if message.message_id in book.ids:
                    report.skipped.append(message)
                    progress(message, "skipped")
                elif report.stopped or (limit is not None and report.delivered >= limit):
                    report.remaining.append(message)
                else:
                    pacer.wait(pause)
                    delivery = _deliver(message, link, book, pause, now)
                    status = _settle(message, delivery, report, book, now)
                    progress(message, status)
            link.quit()
        finally:
            link.drop()
            report.connections = link.opened
    return report


def _settle(
    message: Outgoing, delivery: _Delivery, report: SendReport, book: _Journal, now: Callable[[], datetime]
) -> Status:
    """Journal what the server accepted and file the message in the report."""
    report.retries += delivery.retries
    if delivery.status != "failed":
        book.record(message, delivery.accepted, delivery.status, now())
        (report.sent if delivery.status == "sent" else report.unconfirmed).append(message)
        if delivery.dated is not None:
            report.dated[message.message_id] = delivery.dated
    if delivery.failure is not None:
        report.failed.append(delivery.failure)
        if delivery.unreachable:
            report.stopped = delivery.failure.reason
    return delivery.status


def _ignore(message: Outgoing, status: str) -> None:
    del message, status
