"""csw.mail.stamp: the Date of the bytes sent is the moment of sending; far from due is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csw.mail.delivery import report_lines
from csw.mail.send import Outgoing, SendReport
from csw.mail.stamp import EARLY, LATE, Offtime, describe, due_time, offtime, restamp

STRICT = policy.default.clone(raise_on_defect=True)
CHICAGO = timezone(timedelta(hours=-5))
DUE = datetime(2025, 9, 29, 7, 30, tzinfo=CHICAGO)


def composed(*, date: datetime | None = DUE, body: str = "Hello,\nDate: not a header\n") -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Pat Lee <pat@acme.example>"
    message["To"] = "Sam Ortiz <sam@acme.example>"
    message["Subject"] = "Customer Service Week starts Monday"
    if date is not None:
        message["Date"] = format_datetime(date)
    message["Message-ID"] = "<csw.2025.kickoff.sam@acme.example>"
    message.set_content(body)
    return message.as_bytes()


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=STRICT)
    assert isinstance(message, EmailMessage)
    return message


def test_the_date_is_replaced_in_its_place_at_its_offset_and_nothing_else_changes() -> None:
    data = composed()
    sent = datetime(2025, 10, 1, 14, 45, 30, tzinfo=UTC)
    out = restamp(data, sent)
    message = parsed(out)
    assert message["Date"].datetime == sent
    assert message["Date"].datetime.utcoffset() == timedelta(hours=-5)
    assert message["Message-ID"] == "<csw.2025.kickoff.sam@acme.example>"
    assert (
        out.replace(b"Date: Wed, 01 Oct 2025 09:45:30 -0500", b"Date: Mon, 29 Sep 2025 07:30:00 -0500")
        == data
    )
    assert b"Date: not a header" in out  # a body line is no header


def test_extra_date_headers_go_and_a_folded_one_is_replaced_whole() -> None:
    data = b"From: a@x.example\r\nDate: Mon, 29 Sep 2025\r\n 07:30:00 -0500\r\ndate : Tue, 30 Sep 2025 07:30:00 +0000\r\n\r\nhi\r\n"
    out = restamp(data, datetime(2025, 10, 1, 12, 0, tzinfo=UTC))
    assert out == b"From: a@x.example\r\nDate: Wed, 01 Oct 2025 07:00:00 -0500\r\n\r\nhi\r\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"From: a@x.example\r\n\r\nhi\r\n",
            b"From: a@x.example\r\nDate: Wed, 01 Oct 2025 12:00:00 +0000\r\n\r\nhi\r\n",
        ),
        (b"From: a@x.example\r\n", b"From: a@x.example\r\nDate: Wed, 01 Oct 2025 12:00:00 +0000\r\n"),
        (b"\r\nhi\r\n", b"Date: Wed, 01 Oct 2025 12:00:00 +0000\r\n\r\nhi\r\n"),
        # -0000: the composer did not know its zone; an unreadable Date says nothing either
        (b"Date: Mon, 29 Sep 2025 07:30:00 -0000\r\n\r\n", b"Date: Wed, 01 Oct 2025 12:00:00 +0000\r\n\r\n"),
        (b"Date: someday\r\n\r\n", b"Date: Wed, 01 Oct 2025 12:00:00 +0000\r\n\r\n"),
    ],
)
def test_without_a_readable_offset_it_is_utc(data: bytes, expected: bytes) -> None:
    assert restamp(data, datetime(2025, 10, 1, 12, 0, tzinfo=UTC)) == expected


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        restamp(composed(), datetime(2025, 10, 1, 12, 0))


OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))


@given(
    OFFSETS, TIMES, st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
)
@settings(max_examples=200, deadline=None)
def test_any_composed_message_parses_strictly_with_the_time_of_sending(
    offset: timezone, sent: datetime, body: str
) -> None:
    data = composed(date=DUE.astimezone(offset), body=body)
    out = restamp(data, sent)
    message = parsed(out)
    assert message["Date"].datetime == sent
    assert message["Date"].datetime.utcoffset() == offset.utcoffset(None)
    assert len(message.get_all("Date", [])) == 1
    assert due_time(data) == DUE and due_time(out) == sent
    assert out.partition(b"\r\n\r\n")[2] == data.partition(b"\r\n\r\n")[2]


def test_the_due_time_is_read_whatever_the_line_ends() -> None:
    data = composed()
    assert due_time(data) == DUE
    assert due_time(data.replace(b"\r\n", b"\n")) == DUE
    assert due_time(data.replace(b"\r\n", b"\r")) == DUE
    assert due_time(composed(date=None)) is None
    assert due_time(b"\r\nDate: Mon, 29 Sep 2025 07:30:00 -0500\r\n") is None  # a body line, no headers


def test_off_time_is_more_than_twelve_hours_early_or_more_than_a_day_late() -> None:
    second = timedelta(seconds=1)
    daily = datetime(2025, 10, 7, 7, 30, tzinfo=CHICAGO)
    found = offtime(
        [
            ("kickoff", DUE, DUE + LATE),  # a day late: still on time
            ("kickoff", DUE, DUE + LATE + second),
            ("kickoff", DUE, DUE + 2 * LATE),
            ("daily", daily, daily - EARLY),  # twelve hours early: on time
            ("daily", daily, daily - EARLY - second),
            ("daily", daily, daily + LATE + second),
            ("wrapup", None, DUE),  # no due time known: never flagged
        ]
    )
    assert found == [
        Offtime(True, "kickoff", DUE.date(), 2),
        Offtime(True, "daily", daily.date(), 1),
        Offtime(False, "daily", daily.date(), 1),
    ]
    assert describe(found) == [
        "3 messages went out more than a day after they were due"
        " (2 kickoff due Mon 2025-09-29, 1 daily due Tue 2025-10-07).",
        "1 message went out more than 12 hours before it was due (1 daily due Tue 2025-10-07).",
    ]


def test_many_groups_stay_on_one_line() -> None:
    days = [DUE + timedelta(days=n) for n in range(6)]
    found = offtime([("daily", day, day + 3 * LATE) for day in days])
    (line,) = describe(found)
    assert line == (
        "6 messages went out more than a day after they were due (1 daily due Mon 2025-09-29,"
        " 1 daily due Tue 2025-09-30, 1 daily due Wed 2025-10-01, 1 daily due Thu 2025-10-02, 2 more)."
    )


def outgoing(number: int, data: bytes, kind: str = "kickoff") -> Outgoing:
    return Outgoing(
        folder=Path(),
        name=f"{number:03d}-{kind}-rep.eml",
        message_id=f"<m{number}@acme.example>",
        sender="pat@acme.example",
        recipients=("sam@acme.example",),
        kind=kind,
        row={},
        given=data,
    )


def test_the_send_report_says_which_went_out_late() -> None:
    late, on_time, resent = (outgoing(n, composed()) for n in range(3))
    report = SendReport(sent=[late, on_time], unconfirmed=[resent], connections=1)
    report.due = {m.message_id: due_time(m.data) for m in (late, on_time, resent)}  # as the send finds
    report.dated = {
        late.message_id: DUE + timedelta(days=2),
        on_time.message_id: DUE - timedelta(hours=4),  # a 03:30 cron job
        resent.message_id: DUE + timedelta(days=2, hours=3),
    }
    lines = report_lines(report)
    assert "2 messages went out more than a day after they were due (2 kickoff due Mon 2025-09-29)." in lines
    assert not [line for line in lines if "before it was due" in line or "before they were due" in line]
    report.dated = {m.message_id: DUE for m in (late, on_time, resent)}
    assert not [line for line in report_lines(report) if "went out" in line]
