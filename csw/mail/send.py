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

import dataclasses
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from csw.mail.journal import JOURNAL_NAME, SYNC_EVERY, Journal, Status, message_key, read_journal
from csw.mail.outgoing import ConnectionFailed, Outgoing, ReadAhead, SendError, read_outbox
from csw.mail.report import Failure, SendReport, write_failed_csv
from csw.mail.smtp import SmtpSettings, connect, settings_from_config
from csw.mail.transaction import Attempt, Link

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


@dataclass(frozen=True)
class _Delivery:
    status: Status
    failure: Failure | None = None
    unreachable: bool = False
    retries: int = 0
    accepted: tuple[str, ...] = ()
    dated: datetime | None = None  # the Date it went out with
    due: datetime | None = None  # the Date it was composed with


def _deliver(
    message: Outgoing,
    link: Link,
    ahead: ReadAhead,
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
        result = link.attempt(message, journal, at, ahead)
        unconfirmed = unconfirmed or result.outcome == "unconfirmed"
        if result.outcome == "sent":
            status: Status = "unconfirmed-resent" if unconfirmed else "sent"
            partial = _partial(message, result)
            return _Delivery(
                status, partial, retries=retries, accepted=result.accepted, dated=at, due=result.due
            )
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


def _partial(message: Outgoing, result: Attempt) -> Failure | None:
    # Some recipients refused, the others accepted the data: the message counts as sent for them.
    if not result.refused:
        return None
    reason = "; ".join(f"{recipient}: {text}" for recipient, _, text in result.refused)
    refused = tuple(recipient for recipient, _, _ in result.refused)
    return Failure(message, result.refused[0][1], reason, refused)


def _failure(message: Outgoing, result: Attempt, retries: int, unconfirmed: bool) -> Failure:
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
    and the rest in `report.remaining`, and so does Ctrl-C, with `report.interrupted`. A message an
    earlier run left in flight (killed between its data and the reply) is sent again with the same
    Message-ID and counted in `report.unconfirmed`: it may have arrived twice.
    """
    report = SendReport()
    pacer = _Pacer(rate_per_minute, now)
    progress = on_progress or _ignore
    link = Link(settings, connect)
    with Journal(journal) as book:

        def pause(seconds: float) -> None:
            book.durable()  # no journal entry waits for its fsync through a pause
            sleep(seconds)

        queue = ReadAhead(messages, skip=lambda message: message_key(message.message_id) in book.keys)
        in_hand: Outgoing | None = None  # for the summary of an interrupted run
        try:
            for in_hand in queue:
                key = message_key(in_hand.message_id)
                if key in book.keys:
                    report.skipped.append(in_hand)
                    progress(in_hand, "skipped")
                elif report.stopped or (limit is not None and report.delivered >= limit):
                    report.remaining.append(in_hand)
                else:
                    pacer.wait(pause)
                    delivery = _deliver(in_hand, link, queue, book, pause, now)
                    if key in book.unsure and delivery.status == "sent":
                        delivery = dataclasses.replace(delivery, status="unconfirmed-resent")
                    progress(in_hand, _settle(in_hand, delivery, report, book, now))
                in_hand = None
            link.quit()
        except KeyboardInterrupt:
            # Ctrl-C: what went out is journaled; the message in hand and the rest are left, and
            # the caller says so. A message cut off mid-data is in flight: the rerun reports it.
            report.interrupted = True
            report.remaining.extend([in_hand, *queue] if in_hand is not None else queue)
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
            report.due[message.message_id] = delivery.due
    if delivery.failure is not None:
        report.failed.append(delivery.failure)
        if delivery.unreachable:
            report.stopped = delivery.failure.reason
    return delivery.status


def _ignore(message: Outgoing, status: str) -> None:
    del message, status
