"""The `Date:` of a message is the moment it goes out, and a message sent far from its due time is told.

Composing writes each message's due time as its `Date:` (the outbox is a preview: it shows when each
message is meant to go). Sending replaces that header, in the bytes sent only, with the time of the
attempt that delivered it, so a message sent by a 04:00 cron job is not dated in the future, and
one resent after a failure is not dated in the past. The outbox file, its Message-ID and the journal
stay as they are.

The new Date keeps the UTC offset of the Date it replaces: that is the organisation's offset
(composing writes it in `organization.timezone`), so recipients and the coordinator read the
organisation's local time in the raw headers, and nothing of the sending machine's zone (a cron
host in UTC) shows. A message without a Date, or with one that cannot be read, is dated in UTC.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import format_datetime, parsedate_to_datetime

__all__ = ["EARLY", "LATE", "Offtime", "describe", "due_time", "offtime", "restamp"]

# How far from its due time a message may go before the report says so. Early: a daily job at
# 04:00 sending what is due at 08:00 is on time; a message out the evening before its day is not.
# Late: a retry after a night's outage is on time; a message a whole day late is about a day that
# has begun or ended.
EARLY = timedelta(hours=12)
LATE = timedelta(hours=24)

_LINE_END = rb"(?:\r\n|\n|\r(?!\n))"
_ANY_LINE_END = re.compile(_LINE_END)
_BLANK_LINE = re.compile(_LINE_END + _LINE_END)
# One Date header with its continuation lines, in a CRLF header block.
_DATE = re.compile(rb"^Date[ \t]*:([^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)", re.IGNORECASE | re.MULTILINE)


def restamp(text: bytes, sent: datetime) -> bytes:
    """`text`, a message with CRLF line ends, with one Date header: `sent` (whole seconds), at the
    UTC offset of the Date it had, in the place of the first one (any other is dropped), or added
    after the other headers when it had none."""
    if sent.tzinfo is None:
        raise ValueError("the time of sending must be timezone-aware")
    if text.startswith(b"\r\n"):
        end = 0  # no headers at all
    else:
        blank = text.find(b"\r\n\r\n")
        end = len(text) if blank < 0 else blank + 2
    head, body = text[:end], memoryview(text)[end:]  # the body is copied once, into the result
    dates = list(_DATE.finditer(head))
    zone = _zone(dates[0][1]) if dates else UTC
    line = b"Date: " + format_datetime(sent.astimezone(zone)).encode("ascii") + b"\r\n"
    if not dates:
        return b"".join([head, line, body])
    pieces, at = [], 0
    for number, found in enumerate(dates):
        pieces += [head[at : found.start()], line if number == 0 else b""]
        at = found.end()
    return b"".join([*pieces, head[at:], body])


def due_time(data: bytes) -> datetime | None:
    """The Date the message was composed with (its due time), or None if it has none it can read."""
    if _ANY_LINE_END.match(data):
        return None  # no headers at all
    blank = _BLANK_LINE.search(data)
    head = _ANY_LINE_END.sub(b"\r\n", data[: blank.start()] if blank else data) + b"\r\n"
    found = _DATE.search(head)
    return _parsed(found[1]) if found else None


def _parsed(value: bytes) -> datetime | None:
    text = value.decode("ascii", "replace").replace("\r\n", "").strip()
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None  # "-0000": the zone is unknown


def _zone(value: bytes) -> tzinfo:
    parsed = _parsed(value)
    offset = parsed.utcoffset() if parsed is not None else None
    return UTC if offset is None else timezone(offset)


@dataclass(frozen=True)
class Offtime:
    """The messages of one kind and due date that went out too early or too late."""

    late: bool  # False: early
    kind: str
    due: date
    count: int


def offtime(delivered: Iterable[tuple[str, datetime | None, datetime]]) -> list[Offtime]:
    """The messages, as (kind, due time, time sent), that went out more than EARLY before or LATE
    after their due time (a due time of None is never flagged), grouped by kind and due date: the
    late ones first, each in due order."""
    groups: Counter[tuple[bool, date, str]] = Counter()
    for kind, due, sent in delivered:
        if due is not None and (sent - due > LATE or due - sent > EARLY):
            groups[(sent < due, due.date(), kind)] += 1
    return [Offtime(not early, kind, day, n) for (early, day, kind), n in sorted(groups.items())]


def describe(groups: Sequence[Offtime], *, shown: int = 4) -> list[str]:
    """At most two lines: the late messages, then the early ones, by kind and due date."""
    lines = []
    for late in (True, False):
        chosen = [g for g in groups if g.late == late]
        if not chosen:
            continue
        total = sum(g.count for g in chosen)
        parts = [f"{g.count} {g.kind} due {g.due:%a} {g.due.isoformat()}" for g in chosen[:shown]]
        if len(chosen) > shown:
            parts.append(f"{sum(g.count for g in chosen[shown:])} more")
        were = "it was" if total == 1 else "they were"
        when = f"more than {_span(LATE)} after" if late else f"more than {_span(EARLY)} before"
        lines.append(f"{total} message{'s' * (total != 1)} went out {when} {were} due ({', '.join(parts)}).")
    return lines


def _span(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    if hours % 24 == 0:
        days = hours // 24
        return "a day" if days == 1 else f"{days} days"
    return f"{hours} hours"
