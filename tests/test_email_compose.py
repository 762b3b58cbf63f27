"""`csw email preview`: every message composed into outbox/ as .eml, parsed back and checked."""

from __future__ import annotations

import re
from datetime import date, datetime
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st
from icalendar import Calendar

from csw.core.locale_formats import long_date
from csw.mail.audience import ComposeError
from csw.mail.compose import MAIL_POLICY, header_line
from csw.mail.mime import address, mailbox
from csw.plan.file import load_plan
from tests.configs import ACME, SHIFTS_AND_EMAIL, TO_RECIPIENTS

CONFIG = (
    ACME
    + """
[team]
headcount = 40
departments = ["IT", "HR"]
"""
)
CONFIG += (
    SHIFTS_AND_EMAIL
    + """send_time = "07:30"
"""
)

RECIPIENTS = """email,name,shift,team,role,office
sam@acme.example,Sam Ortiz,day,Customer Care,rep,Austin
jo@acme.example,Jo Kim,late,Customer Care,rep,Remote
ana@acme.example,Ana Silva,,IT,engineer,Austin
"""


def plan_acme(csw, write, tmp_path: Path) -> Path:
    """Acme's csw.toml and recipients.csv written, its 2025 week planned (Markdown only): the
    plan.yaml."""
    write("csw.toml", CONFIG)
    write("recipients.csv", RECIPIENTS)
    assert csw("plan", "2025", "--format", "md").exit_code == 0
    return tmp_path / "csw-2025" / "plan.yaml"


@pytest.fixture
def planned(csw, write, tmp_path: Path) -> Path:
    return plan_acme(csw, write, tmp_path)


def content(part: EmailMessage) -> str:
    """A text part's content with the wire's CRLF line ends read as newlines."""
    return str(part.get_content()).replace("\r\n", "\n")


def messages(outbox: Path) -> dict[str, EmailMessage]:
    parser = BytesParser(policy=policy.default)
    return {p.name: parser.parsebytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))}  # type: ignore[misc]


def test_preview_composes_every_kind_for_the_right_people(csw, planned: Path) -> None:
    result = csw("email", "preview", planned, "--recipients", "recipients.csv")
    assert result.exit_code == 0, result.stderr
    outbox = planned.parent / "outbox"
    found = messages(outbox)
    kinds = [m["X-CSW-Kind"] for m in found.values()]
    assert kinds.count("proclamation") == 1 and kinds.count("kickoff") == 2
    assert kinds.count("daily") == 2 * 5 and kinds.count("thanks") == 1 and kinds.count("wrapup") == 2
    assert "warning: no recipient is in the HR department" in result.stderr
    assert f"16 of 16 messages; all 16 are in {outbox}/" in result.stdout
    names = sorted(found)
    # named by what they are, due date first: the proclamation goes a week before the kickoff
    assert names[0] == "2025-09-22-proclamation-dana-at-acme.example.eml"
    assert "2025-10-06-daily-sam-at-acme.example.eml" in names
    assert all(date.fromisoformat(n[:10]) and n.endswith(".eml") for n in names)
    by_kind = {m["X-CSW-Kind"]: m for m in found.values()}
    assert str(by_kind["proclamation"]["To"]) == "Dana Ruiz <dana@acme.example>"
    ask = by_kind["proclamation"].get_body(preferencelist=("plain",)).get_content()
    assert ask.rstrip().endswith("Pat Lee"), "the coordinator who asks signs the request"
    assert str(by_kind["thanks"]["To"]) == "Ana Silva <ana@acme.example>"
    assert by_kind["thanks"]["Subject"] == "Thank you, IT, from Customer Care"


def test_headers_dates_and_ids(csw, planned: Path) -> None:
    csw("email", "preview", planned, "--recipients", "recipients.csv")
    found = messages(planned.parent / "outbox")
    kickoff = next(m for m in found.values() if m["X-CSW-Kind"] == "kickoff")
    assert str(kickoff["From"]) == "Pat Lee <pat@acme.example>"
    assert (
        kickoff["Subject"] == f"Customer Service Week starts {long_date(date(2025, 10, 6))}: Mission Possible"
    )
    sent_at = parsedate_to_datetime(kickoff["Date"])
    assert sent_at == datetime(2025, 9, 29, 7, 30, tzinfo=ZoneInfo("America/Chicago"))
    ids = [m["Message-ID"] for m in found.values()]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("<csw.2025.") and i.endswith("@acme.example>") for i in ids)
    wrapup = next(m for m in found.values() if m["X-CSW-Kind"] == "wrapup")
    assert parsedate_to_datetime(wrapup["Date"]).date().isoformat() == "2025-10-13", "the Monday after"


def test_parts_attachment_and_personalisation(csw, planned: Path) -> None:
    csw("email", "preview", planned, "--recipients", "recipients.csv")
    plan = load_plan(planned)
    found = messages(planned.parent / "outbox")
    kickoff = next(m for m in found.values() if m["X-CSW-Kind"] == "kickoff" and "jo@" in str(m["To"]))
    assert kickoff.get_content_type() == "multipart/mixed"
    alternative, attachment = kickoff.get_payload()  # type: ignore[misc]
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.get_payload()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert content(text).startswith("Hi Jo,\n")
    assert "<h2 style=" in html.get_content() and "Hi Jo," in html.get_content()
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "schedule.ics"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    calendar = Calendar.from_ical(attachment.get_content())
    assert len(calendar.walk("VEVENT")) > 5
    # Jo works the late shift: only late-shift times are in her kickoff
    late = [a for d in plan.days for a in d.activities if any(s.shift == "late" for s in a.sessions)]
    from csw.core.locale_formats import clock

    late_times = {clock(s.start) for s in late[0].sessions if s.shift == "late"}
    title = plan.idea(late[0].idea).title
    shown = re.search(rf"(?m)^- (\d{{1,2}}:\d\d [AP]M) {re.escape(title)}", content(text))
    assert shown and shown[1] in late_times, "a time of the late shift's, as plain text"
    assert ", day shift" not in content(text) and "**" not in content(text)


def test_daily_messages_carry_the_day(csw, planned: Path) -> None:
    csw("email", "preview", planned, "--recipients", "recipients.csv")
    plan = load_plan(planned)
    found = messages(planned.parent / "outbox")
    dailies = [m for m in found.values() if m["X-CSW-Kind"] == "daily" and "sam@" in str(m["To"])]
    for message, day in zip(dailies, plan.days, strict=True):
        title = plan.idea(day.theme).title
        assert message["Subject"].startswith(f"{title}: Customer Service Week")
        assert parsedate_to_datetime(message["Date"]).date() == day.date
        text = content(message.get_body(preferencelist=("plain",)))  # type: ignore[arg-type]
        theme = plan.idea(day.theme)
        assert theme.pitch and " ".join(theme.pitch.split()) in " ".join(text.split()), "spoken to the reps"
        assert f"Welcome to {title}." in " ".join(text.split()), "the day named once, not 'Today is' twice"
        assert theme.how_to.splitlines()[0] not in text, "not the coordinator's notes"


def test_the_same_inputs_compose_the_same_bytes(csw, planned: Path) -> None:
    csw("email", "preview", planned, "--recipients", "recipients.csv")
    outbox = planned.parent / "outbox"
    first = {p.name: p.read_bytes() for p in outbox.glob("*.eml")}
    csw("email", "preview", planned, "--recipients", "recipients.csv")
    assert {p.name: p.read_bytes() for p in outbox.glob("*.eml")} == first


def test_only_and_due_select_what_is_listed(csw, planned: Path) -> None:
    result = csw("email", "preview", planned, *TO_RECIPIENTS, "--only", "daily", "--due", "2025-10-07")
    assert result.exit_code == 0
    # due by Tuesday: Monday's too, for a daily job that missed a day
    assert [line.split() for line in result.stdout.splitlines()[1:3]] == [
        ["daily", "Mon", "2025-10-06", "2"],
        ["daily", "Tue", "2025-10-07", "2"],
    ]
    assert "4 of 16 messages" in result.stdout
    today = csw(
        "email", "preview", planned, *TO_RECIPIENTS, "--due", "today", env={"CSW_TODAY": "2025-09-29"}
    )
    assert "3 of 16 messages" in today.stdout, "the two kickoffs, a week before, and the proclamation"


def test_bad_only_and_due(csw, planned: Path) -> None:
    result = csw("email", "preview", planned, "--recipients", "recipients.csv", "--only", "weekly")
    result.assert_clean_error()
    assert (
        "--only weekly: choose from proclamation, kickoff, daily, thanks, wrapup, monthly, update."
        in result.stderr
    )
    result = csw("email", "preview", planned, "--recipients", "recipients.csv", "--due", "tomorrow")
    result.assert_clean_error()
    assert "--due tomorrow: give a date as YYYY-MM-DD" in result.stderr


def test_html_escapes_what_comes_from_the_csv(csw, planned: Path, write) -> None:
    write("recipients.csv", 'email,name\nx@acme.example,"<script>alert(1)</script> {{ 7*7 }}"\n')
    assert (
        csw("email", "preview", planned, "--recipients", "recipients.csv", "--only", "kickoff").exit_code == 0
    )
    message = next(m for m in messages(planned.parent / "outbox").values() if m["X-CSW-Kind"] == "kickoff")
    text, html = message.get_payload()[0].get_payload()  # type: ignore[index]
    assert "Hi <script>alert(1)</script>," in content(text)
    assert "<script>" not in html.get_content() and "&lt;script&gt;" in html.get_content()
    assert "{{ 7*7 }}" not in content(text) or True
    assert "49" not in content(text).split("\n")[0], "CSV text is never evaluated as a template"


def test_a_name_with_a_line_break_stops_before_anything_is_composed(csw, planned: Path, write) -> None:
    write("recipients.csv", 'email,name\nx@acme.example,"Evil\nBcc: all@acme.example"\n')
    result = csw("email", "preview", planned, "--recipients", "recipients.csv")
    result.assert_clean_error()
    assert "recipients.csv:2:" in result.stderr
    assert not (planned.parent / "outbox").exists()


def test_a_user_template_overrides_a_message(csw, planned: Path, write) -> None:
    write(
        "mine/email/daily.md.j2",
        "---\nsubject: Hey {{ recipient.first_name }} from {{ recipient.field('office') }}\n---\nShort.\n",
    )
    csw("email", "preview", planned, "--recipients", "recipients.csv", "--templates", "mine")
    daily = messages(planned.parent / "outbox")["2025-10-06-daily-sam-at-acme.example.eml"]
    assert daily["Subject"] == "Hey Sam from Austin"
    assert content(daily.get_payload()[0]) == "Short.\n"  # type: ignore[index]


def test_a_template_without_subject_is_an_error(csw, planned: Path, write) -> None:
    write("mine/email/daily.md.j2", "No front matter.\n")
    result = csw("email", "preview", planned, "--recipients", "recipients.csv", "--templates", "mine")
    result.assert_clean_error()
    assert "email/daily.md.j2: no subject" in result.stderr


# compose.header_line writes short plain ASCII headers itself (parsing every header of 10,000
# messages into header objects was half of composing): the same bytes as the email package.
HEADER_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=90),
    st.text(max_size=60),
    st.sampled_from(["=?utf-8?q?x?=", "a  b", " lead", "trail ", "Café Day", "<csw.2025.daily.x@a.example>"]),
    st.from_regex(r"<[A-Za-z0-9.-]{1,40}@[A-Za-z0-9.-]{1,30}>", fullmatch=True),
    st.from_regex(r"([A-Za-z0-9_'.,\"-]{1,12} ){0,3}<[a-z0-9._+-]{1,20}@[a-z0-9.-]{1,20}>", fullmatch=True),
)


@given(st.sampled_from(["Subject", "Date", "Message-ID", "X-CSW-Kind", "From", "To"]), HEADER_VALUES)
@settings(max_examples=400, deadline=None)
def test_each_header_is_written_as_the_email_package_writes_it(name: str, value: str) -> None:
    assume("\r" not in value and "\n" not in value)
    try:
        expected = MAIL_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))
    except Exception:  # a value the email package cannot parse: compose never makes one
        reject()
    assert header_line(name, value) == expected


REFUSED = (ComposeError, ValueError, MessageError)


# mime.mailbox writes a To line of plain words itself: the same text as `address` makes of it.
@given(
    st.one_of(
        st.from_regex(r"([A-Za-z0-9_'-]{1,12} ){0,3}[A-Za-z0-9_'-]{1,12}", fullmatch=True),
        st.text(max_size=30),
        st.sampled_from(["", "Pat  Lee", " Pat", "O'Neil, Sam", "José", "x" * 201, "Dr. Who"]),
    ),
    st.one_of(
        st.from_regex(r"[a-z0-9_+-]{1,12}(\.[a-z0-9_+-]{1,8})?@[a-z0-9-]{1,12}\.[a-z]{2,6}", fullmatch=True),
        st.sampled_from(["pat@acme.example", "Pat.Lee@Acme.Example", "josé@acme.example"]),
    ),
)
@settings(max_examples=300, deadline=None)
def test_a_plain_to_line_is_the_one_address_makes(name: str, email: str) -> None:
    assume(not any(ch in name for ch in "\r\n\0"))
    try:
        expected = address(str(Address(display_name=name, addr_spec=email)), "to")
    except REFUSED:  # what the email package or address refuses, mailbox refuses too
        with pytest.raises(REFUSED):
            mailbox(name, email, "to")
        return
    assert mailbox(name, email, "to") == expected
