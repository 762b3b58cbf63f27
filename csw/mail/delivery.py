"""The use case behind `csw email send`: composed messages handed to the sender, and its report in words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time
from email.utils import parseaddr
from pathlib import Path

from csw.mail.compose import Composed
from csw.mail.send import Outgoing, SendReport
from csw.mail.stamp import describe, offtime
from csw.people.recipients import Recipient


def row_of(recipient: Recipient) -> dict[str, str]:
    """The recipient as a recipients.csv row, for failed.csv."""
    row = {"email": recipient.email, "name": recipient.name}
    row.update(
        {
            k: v or ""
            for k, v in (("shift", recipient.shift), ("team", recipient.team), ("role", recipient.role))
        }
    )
    row.update(recipient.extra)
    return row


def outgoing(composed: Sequence[Composed], outbox: Path) -> list[Outgoing]:
    """The sender's view of composed messages: envelope and CSV row; the bytes are read from each
    message's file as it is sent (Outgoing.data), never all held at once. A reader's messages
    share one row and a sender one address: 35,000 copies of them were 20 MB."""
    rows: dict[int, dict[str, str]] = {}
    senders: dict[str, str] = {}
    messages = []
    for item in composed:
        reader = item.draft.recipient
        row = rows.get(id(reader)) or rows.setdefault(id(reader), row_of(reader))
        sender = senders.get(item.sender) or senders.setdefault(item.sender, parseaddr(item.sender)[1])
        messages.append(
            Outgoing(outbox, item.filename, item.message_id, sender, (reader.email,), item.draft.kind, row)
        )
    return messages


def send_summary(
    pending: Sequence[Composed],
    already: int,
    server: str,
    sender: str,
    today: date,
    late: str | None = None,
) -> str:
    """What is about to happen, said before anything is sent; `late`: the overdue line."""
    if not pending and not already:
        return "Nothing to send: no message is of those kinds or due by that day."
    if not pending:
        return f"Nothing to send: all {already} selected messages are already in the journal."
    kinds = Counter(item.draft.kind for item in pending)
    parts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    lines = [f"About to send {len(pending)} messages ({parts}) via {server} as {sender}."]
    if already:
        lines.append(f"{already} more were sent before and will not be sent again.")
    later = sum(item.draft.due > today for item in pending)
    if later:
        lines.append(f"{later} of them are due after today; a daily job would use --due today.")
    if late:
        lines.append(late)
    return "\n".join(lines)


def overdue(pending: Sequence[Composed], at: datetime, zone: str, send_time: str) -> str | None:
    """A line for the messages more than a day past their due time at `at` (a missed daily job, a
    server that was down, a rep added late), by kind and due date; None if there are none.
    `send_time`: email.send_time, the time of day each message is due in `zone`."""
    from zoneinfo import ZoneInfo

    from csw.settings.config import clock_minutes

    tz = ZoneInfo(zone)
    due_at = time(*divmod(clock_minutes(send_time), 60))
    groups = [
        group
        for group in offtime(
            (item.draft.kind, datetime.combine(item.draft.due, due_at, tz), at) for item in pending
        )
        if group.late
    ]
    if not groups:
        return None
    total = sum(group.count for group in groups)
    parts = [f"{g.count} {g.kind} due {g.due:%a} {g.due.isoformat()}" for g in groups[:4]]
    if len(groups) > 4:
        parts.append(f"{sum(g.count for g in groups[4:])} more")
    return f"{total} of them {'is' if total == 1 else 'are'} more than a day late ({', '.join(parts)})."


def report_lines(report: SendReport) -> list[str]:
    """The run in a few lines: sent, skipped, resent, sent far from their due time, failed, stopped."""
    lines = [f"Sent {len(report.sent)} messages over {report.connections} connection(s)."]
    if report.unconfirmed:
        lines.append(twice_line(report.unconfirmed))
    if report.skipped:
        lines.append(f"{len(report.skipped)} skipped: sent by an earlier run.")
    lines += off_time_lines(report)
    if report.interrupted:
        lines.append(
            f"Interrupted: {report.delivered} sent in this run, {len(report.remaining)} left;"
            " run the same command again to send the rest."
        )
    elif report.remaining:
        lines.append(
            f"{len(report.remaining)} not sent yet (--limit, or the run stopped); run again to send them."
        )
    if report.stopped:
        lines.append(f"Stopped: {report.stopped}")
    if report.failed:
        lines.append(f"{len(report.failed)} failed.")
    return lines


def twice_line(messages: Sequence[Outgoing], shown: int = 5) -> str:
    """The messages that may have arrived twice, by file and recipient."""
    named = [f"{m.name} ({', '.join(m.recipients)})" for m in messages[:shown]]
    more = f" and {len(messages) - shown} more" if len(messages) > shown else ""
    count = "1 message" if len(messages) == 1 else f"{len(messages)} messages"
    return (
        f"{count} may have arrived twice: {', '.join(named)}{more}. The connection was lost, or csw"
        " stopped, between the data and the server's confirmation, so csw sent it again with the same"
        " Message-ID (most mail systems then drop the copy)."
    )


def off_time_lines(report: SendReport) -> list[str]:
    """One line for the messages that went out long after their due time, one for those long before."""
    delivered = [*report.sent, *report.unconfirmed]
    return describe(
        offtime(
            (m.kind, report.due.get(m.message_id), report.dated[m.message_id])
            for m in delivered
            if m.message_id in report.dated
        )
    )


def failure_rows(report: SendReport) -> list[tuple[str, str, str, str]]:
    return [
        (f.message.name, ", ".join(f.recipients), "" if f.code is None else str(f.code), f.reason)
        for f in report.failed
    ]


def report_record(report: SendReport, server: str, selected: int, already: int) -> dict[str, object]:
    """The run as JSON for cron jobs and monitoring: counts (of the `selected` messages, those the
    journal had as sent before this run, and what this run did), and each message that failed or
    whose arrival is in doubt."""

    def named(message: Outgoing) -> dict[str, object]:
        return {"file": message.name, "message_id": message.message_id, "to": list(message.recipients)}

    return {
        "server": server,
        "ok": report.ok,
        "counts": {
            "selected": selected,
            "already_sent": already,  # "nothing to send" after a full run: all of them
            "sent": len(report.sent),
            "unconfirmed": len(report.unconfirmed),
            "skipped": len(report.skipped),
            "failed": len(report.failed),
            "remaining": len(report.remaining),
        },
        "connections": report.connections,
        "retries": report.retries,
        # resent with the same Message-ID after a lost reply or a crash: may have arrived twice
        "unconfirmed": [named(message) for message in report.unconfirmed],
        "failed": [
            {
                **named(failure.message),
                "refused": list(failure.recipients),
                "code": failure.code,
                "reason": failure.reason,
            }
            for failure in report.failed
        ],
        "late": [line for line in off_time_lines(report)],
        "stopped": report.stopped,
        "interrupted": report.interrupted,
    }
