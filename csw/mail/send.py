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

import smtplib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from csw.mail.journal import JOURNAL_NAME, SYNC_EVERY, Journal, Status, message_key, read_journal
from csw.mail.outgoing import ConnectionFailed, Outgoing, SendError, read_outbox
from csw.mail.report import Failure, SendReport, write_failed_csv
from csw.mail.smtp import SmtpSettings, connect, said, settings_from_config

__all__ = [
    "JOURNAL_NAME",
    "SYNC_EVERY",
    "ConnectionFailed",
    "Failure",
    "Outgoing",
    "SendError",
    "SendReport",
    "SmtpSettings",
    "Status",
    "connect",
    "read_journal",
    "read_outbox",
    "send_all",
    "settings_from_config",
    "write_failed_csv",
]


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
            refused.append((recipient, code, said(code, text).partition(" ")[2]))
    return tuple(accepted), tuple(refused)


def _refusal(phase: Phase, code: int, text: bytes, *, ambiguous: bool = False) -> _Attempt:
    reason = said(code, text).partition(" ")[2]
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
    journal: Journal,
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
    with Journal(journal) as book:

        def pause(seconds: float) -> None:
            book.durable()  # no journal entry waits for its fsync through a pause
            sleep(seconds)

        try:
            for message in messages:
                if message_key(message.message_id) in book.keys:
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
    message: Outgoing, delivery: _Delivery, report: SendReport, book: Journal, now: Callable[[], datetime]
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
