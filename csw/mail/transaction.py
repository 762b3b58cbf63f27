"""One SMTP transaction and the connection that carries them: MAIL, RCPT and DATA driven one by
one, so that a lost connection tells in which phase it was lost, and how each try ended."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from csw.mail.journal import Journal
from csw.mail.outgoing import ConnectionFailed, Outgoing, ReadAhead
from csw.mail.smtp import SmtpSettings, said, timed_out
from csw.mail.stamp import due_time

Outcome = Literal["sent", "temporary", "permanent", "unconfirmed"]
Phase = Literal["connect", "rset", "mail", "rcpt", "data", "reply"]


@dataclass(frozen=True)
class Attempt:
    """How one try at one message ended."""

    outcome: Outcome
    phase: Phase
    code: int | None = None
    reason: str = ""
    usable: bool = True  # whether the connection can carry the next transaction
    accepted: tuple[str, ...] = ()
    refused: tuple[tuple[str, int, str], ...] = ()  # (recipient, code, text)
    due: datetime | None = None  # the Date the message was composed with, once it is sent


def transact(
    smtp: smtplib.SMTP,
    message: Outgoing,
    journal: Journal,
    at: datetime,
    data: bytes,
    meanwhile: Callable[[], None] = lambda: None,
) -> Attempt:
    """MAIL, RCPT, DATA driven one by one, so a lost connection tells in which phase it was lost.

    `data` is the message's bytes, read once for this try; `at` is its Date as it goes out. The
    client works while the server does: the journal's grouped fsync and the payload's making run
    while the server reads the MAIL command, and `meanwhile` (reading the next message) while it
    takes in the data. The in-flight line is written once the server is ready for the data,
    before any of it goes.
    """
    phase: Phase = "mail"
    try:
        options = _mail_options(smtp, message, not data.isascii())
        if options is None:
            return Attempt(
                "permanent", phase, None, "the server does not offer SMTPUTF8 for a non-ASCII address"
            )
        _put_mail(smtp, message.sender, options)
        journal.sync_some()
        payload = message.wire_at(at, data)
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
        journal.in_flight(message, at)
        smtp.send(payload)
        phase = "reply"  # the whole message is out: from here on, a lost connection is ambiguous
        meanwhile()
        due = due_time(data)
        code, text = smtp.getreply()
    except OSError as error:  # SMTPServerDisconnected, resets and timeouts: the connection is gone
        outcome: Outcome = "unconfirmed" if phase == "reply" else "temporary"
        lost = (
            "the server stopped answering"
            if timed_out(error)
            else f"connection lost: {error or type(error).__name__}"
        )
        return Attempt(outcome, phase, None, lost, usable=False)
    if code != 250:
        return _refusal("reply", code, text, ambiguous=code < 0)
    return Attempt("sent", "reply", code, accepted=accepted, refused=refused, due=due)


def _put_mail(smtp: smtplib.SMTP, sender: str, options: Sequence[str]) -> None:
    # smtplib's mail() without its getreply(), so that the caller can work before reading the reply.
    if "SMTPUTF8" in options:
        smtp.command_encoding = "utf-8"
    extra = "".join(f" {option}" for option in options) if smtp.does_esmtp else ""
    smtp.putcmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{extra}")


def _mail_options(smtp: smtplib.SMTP, message: Outgoing, eightbit: bool) -> list[str] | None:
    options = ["BODY=8BITMIME"] if eightbit and smtp.has_extn("8bitmime") else []
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


def _refusal(phase: Phase, code: int, text: bytes, *, ambiguous: bool = False) -> Attempt:
    reason = said(code, text).partition(" ")[2]
    if ambiguous:  # an unreadable reply to the data: as unsure as no reply at all
        return Attempt("unconfirmed", phase, None, f"unreadable reply: {reason}", usable=False)
    if 400 <= code < 500:
        # 421: the server is closing this connection.
        return Attempt("temporary", phase, code, reason, usable=code != 421)
    if 500 <= code < 600:
        return Attempt("permanent", phase, code, reason)
    return Attempt("temporary", phase, code, f"unexpected reply: {reason}", usable=False)


def _refused_recipients(refused: Sequence[tuple[str, int, str]]) -> Attempt:
    # Any 4xx: try the whole message again later (nothing was sent yet); all 5xx: it cannot go.
    temporary = [item for item in refused if item[1] < 500]
    first = (temporary or refused)[0]
    reason = "; ".join(f"{recipient}: {text}" for recipient, _, text in refused)
    outcome: Outcome = "temporary" if temporary else "permanent"
    return Attempt(outcome, "rcpt", first[1], reason, usable=first[1] != 421, refused=tuple(refused))


class Link:
    """The one SMTP connection of a run: opened on first use, reopened only when it was lost."""

    def __init__(self, settings: SmtpSettings, opener: Callable[[SmtpSettings], smtplib.SMTP]) -> None:
        self.settings = settings
        self._opener = opener
        self._smtp: smtplib.SMTP | None = None
        self._dirty = False  # a failed transaction may be open: RSET before the next one
        self.opened = 0
        self.carried = 0  # messages accepted over the current connection

    def attempt(self, message: Outgoing, journal: Journal, at: datetime, ahead: ReadAhead) -> Attempt:
        """One try at `message`, dated `at`, reconnecting or resetting first when needed; its bytes
        come from `ahead`, which reads the next message's while the server takes this one's."""
        smtp = self._ready()
        if isinstance(smtp, Attempt):
            return smtp
        result = transact(smtp, message, journal, at, ahead.data(message), ahead.read_next)
        if not result.usable:
            self.drop()
        elif result.outcome == "sent":
            self.carried += 1
        else:
            self._dirty = True
        return result

    def _ready(self) -> smtplib.SMTP | Attempt:
        if self._smtp is not None and self._dirty:
            try:
                code, text = self._smtp.rset()
            except OSError as error:
                code, text = -1, str(error).encode()
            if code != 250:
                self.drop()
                return Attempt(
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
                return Attempt("temporary", "connect", None, error.message, usable=False)
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
