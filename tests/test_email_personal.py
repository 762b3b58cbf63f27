"""Every rep their own times: the kickoff and daily messages and calendars of a rostered team, and
the updates after an edit, end to end through the real CLI and a real aiosmtpd server on 127.0.0.1.
Every message is parsed strictly; calendars with icalendar; the roster with csv."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from icalendar import Calendar

from tests.configs import ACME, SHIFTS_AND_EMAIL
from tests.smtp_server import Recorder, serve

STRICT = policy.default.clone(raise_on_defect=True)

CONFIG = (
    ACME
    + """
[team]
mode = "onsite"
budget = 3000
max_off_phones = 0.25
departments = ["IT", "HR"]
"""
)
CONFIG += (
    SHIFTS_AND_EMAIL
    + """send_time = "07:30"
"""
)

DAY_REPS = [f"day{n}@acme.example" for n in range(1, 9)]
LATE_REPS = [f"late{n}@acme.example" for n in range(1, 7)]


def roster_text() -> str:
    rows = ["email,name,shift,team,role"]
    rows += [f"{a},Day Rep {n},day,Customer Care,rep" for n, a in enumerate(DAY_REPS, 1)]
    rows += [f"{a},Late Rep {n},late,Customer Care,rep" for n, a in enumerate(LATE_REPS, 1)]
    rows += [
        "lee@acme.example,Lee Park,day,Customer Care,lead",
        "pat@acme.example,Pat Lee,day,Customer Care,coordinator",
        "dana@acme.example,Dana Ruiz,,Leadership,sponsor",
        "ana@acme.example,Ana Silva,,IT,engineer",
        "hal@acme.example,Hal Jones,,HR,partner",
    ]
    return "\n".join(rows) + "\n"


@pytest.fixture
def planned(csw, write, tmp_path: Path) -> Path:
    write("csw.toml", CONFIG)
    write("team.csv", roster_text())
    result = csw("plan", "2025", "--roster", "team.csv")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "csw-2025" / "plan.yaml"


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=STRICT).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def outbox_messages(plan_file: Path) -> dict[str, EmailMessage]:
    return {p.name: parse(p.read_bytes()) for p in sorted((plan_file.parent / "outbox").glob("*.eml"))}


def of_kind(messages: dict[str, EmailMessage], kind: str, to: str) -> EmailMessage:
    found = [m for m in messages.values() if m["X-CSW-Kind"] == kind and m["To"].addresses[0].addr_spec == to]
    assert len(found) == 1, (kind, to, len(found))
    return found[0]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def calendars(message: EmailMessage) -> dict[str, Any]:
    found = {}
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            found[part.get_filename()] = part
    return found


def roster_rows(plan_file: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((plan_file.parent / "roster.csv").read_text(encoding="utf-8"))))


def clock(text: str) -> str:
    """A time as the default locale (en_US) writes it, in Babel's words: 2:30 PM."""
    from babel.dates import format_time

    hours, minutes = (int(part) for part in text.split(":"))
    return format_time(time(hours % 24, minutes), "short", locale="en_US").replace("\u202f", " ")


def test_every_message_parses_strictly_and_its_base64_lines_are_short(csw, planned: Path) -> None:
    result = csw("email", "preview", planned, "--recipients", "team.csv")
    assert result.exit_code == 0, result.stderr
    assert "warning:" not in result.stderr
    files = sorted((planned.parent / "outbox").glob("*.eml"))
    assert files
    for path in files:
        data = path.read_bytes()
        message = parse(data)  # raises on any defect
        for part in message.walk():
            if part.get("Content-Transfer-Encoding", "").lower() == "base64":
                body = part.as_bytes().partition(b"\n\n")[2] or part.as_bytes().partition(b"\r\n\r\n")[2]
                assert all(len(line.rstrip(b"\r")) <= 76 for line in body.splitlines()), path.name
            if part.get_content_type() == "text/calendar":
                assert part.get_param("charset") == "utf-8" and part.get_param("method") in (
                    "PUBLISH",
                    "CANCEL",
                )
            if part.get_content_type() == "text/plain":
                text = str(part.get_content())
                assert "**" not in text and not re.search(r"(?m)^#+ ", text), path.name
                long = [line for line in text.splitlines() if len(line) > 78 and " " in line.strip()]
                assert not long, (path.name, long[:2])
            if part.get_content_type() == "text/html":
                assert "max-width:600px" in str(part.get_content()).replace(" ", "")


def test_a_reps_kickoff_tells_their_own_times_and_carries_only_their_calendar(csw, planned: Path) -> None:
    assert csw("email", "preview", planned, "--recipients", "team.csv").exit_code == 0
    messages = outbox_messages(planned)
    rows = roster_rows(planned)
    rep = DAY_REPS[2]
    mine = [row for row in rows if row["email"] == rep]
    assert mine, "the rep is in some sessions"
    kickoff = of_kind(messages, "kickoff", rep)
    text = " ".join(text_of(kickoff).split())
    for row in mine:
        assert f"{clock(row['start'])} to {clock(row['end'])}" in text, row
    assert "your lead has the roster" not in text
    assert text.rstrip().endswith("Pat Lee"), "signed by the sender"
    (ics,) = calendars(kickoff).values()
    calendar = Calendar.from_ical(ics.get_content().encode("utf-8"))
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    own = [e for e in events if "your " in str(e["SUMMARY"])]
    assert sorted(
        (e.decoded("DTSTART").date().isoformat(), f"{e.decoded('DTSTART'):%H:%M}") for e in own
    ) == sorted((row["date"], row["start"]) for row in mine)
    assert not any("late shift" in str(e["SUMMARY"]) for e in events), "nothing of the other shift"
    assert not any(str(e["SUMMARY"]).startswith("Prep:") for e in events)
    assert all(str(e["ORGANIZER"]) == "mailto:pat@acme.example" for e in events)


def test_the_coordinator_gets_the_prep_calendar_and_the_whole_week(csw, planned: Path) -> None:
    assert csw("email", "preview", planned, "--recipients", "team.csv").exit_code == 0
    kickoff = of_kind(outbox_messages(planned), "kickoff", "pat@acme.example")
    parts = calendars(kickoff)
    assert set(parts) == {"schedule.ics", "prep.ics"}
    prep = Calendar.from_ical(parts["prep.ics"].get_content().encode("utf-8")).walk("VEVENT")
    assert prep and all(str(e["SUMMARY"]).startswith("Prep:") for e in prep)
    week = Calendar.from_ical(parts["schedule.ics"].get_content().encode("utf-8")).walk("VEVENT")
    assert any("late shift" in str(e["SUMMARY"]) for e in week) and any(
        "day shift" in str(e["SUMMARY"]) for e in week
    )
    text = " ".join(text_of(kickoff).split())
    assert "every shift" in text and "(late shift)" in text and "(day shift)" in text, "as it says"
    dailies = [
        m for m in outbox_messages(planned).values() if m["X-CSW-Kind"] == "daily" and "pat@" in str(m["To"])
    ]
    assert dailies and all("(late shift)" in text_of(m) and "(day shift)" in text_of(m) for m in dailies), (
        "each day's times of every shift, as the kickoff gave them"
    )


def test_a_lead_and_the_coordinator_are_not_told_their_lead_has_the_roster(csw, planned: Path) -> None:
    assert csw("email", "preview", planned, "--recipients", "team.csv").exit_code == 0
    messages = outbox_messages(planned)
    for reader in ("lee@acme.example", "pat@acme.example"):
        kickoff = " ".join(text_of(of_kind(messages, "kickoff", reader)).split())
        assert "small waves from" in kickoff, "the week has activities in waves"
        dailies = [m for m in messages.values() if m["X-CSW-Kind"] == "daily" and reader in str(m["To"])]
        assert dailies
        for text in (kickoff, *(text_of(m) for m in dailies)):
            assert "your lead has the roster" not in text, reader
            assert "book one of the" not in text, "the slots are booked for the reps"
        assert "booked slots from" in kickoff, "the week has booked slots"


def test_each_departments_thanks_says_what_it_does(csw, planned: Path) -> None:
    assert csw("email", "preview", planned, "--recipients", "team.csv").exit_code == 0
    messages = outbox_messages(planned)
    it = text_of(of_kind(messages, "thanks", "ana@acme.example"))
    hr = text_of(of_kind(messages, "thanks", "hal@acme.example"))
    it_words = set(it.split()) - set(hr.split())
    assert len(it_words) > 5, "the two thank-you notes say different things"


@contextmanager
def kickoffs_sent(csw: Any, write: Any, planned: Path) -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 that has received every kickoff, still running."""
    with serve(Recorder()) as server:
        smtp = f'host = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nretry_seconds = 0.01\n'
        write("csw.toml", CONFIG + smtp)
        sent = csw("email", "send", planned, "--recipients", "team.csv", "--only", "kickoff", "--yes")
        assert sent.exit_code == 0, sent.stderr
        yield server


def desk_session(plan: dict[str, Any], shift: str) -> tuple[int, int, int]:
    """(day, activity, session) indexes of a session of `shift` that takes nobody off the phones."""
    for d, day in enumerate(plan["days"]):
        for a, activity in enumerate(day["activities"]):
            for s, session in enumerate(activity["sessions"]):
                if session["shift"] == shift and session["reps"] == 0:
                    return d, a, s
    pytest.skip("no desk session in this plan")


def test_an_edit_after_the_kickoff_went_out_updates_exactly_the_readers_it_touches(
    csw, write, planned: Path
) -> None:
    with kickoffs_sent(csw, write, planned) as server:
        kickoffs = len(server.handler.received)
        assert kickoffs == len(DAY_REPS) + len(LATE_REPS) + 2

        plan = yaml.safe_load(planned.read_text(encoding="utf-8"))
        d, a, s = desk_session(plan, "late")
        session = plan["days"][d]["activities"][a]["sessions"][s]
        idea = plan["days"][d]["activities"][a]["idea"]
        hours = int(str(session["start"]).split(":")[0])
        hours = hours + 1 if hours < 19 else hours - 1  # another hour of the late shift (12:00-20:30)
        session["start"], session["end"] = f"{hours:02d}:00", f"{hours:02d}:15"
        planned.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
        assert csw("render", planned, "--roster", "team.csv").exit_code == 0
        uid = f"csw-2025-customer-care-{plan['days'][d]['date']}-{idea}-late-w{session['wave']}@acme.example"
        team = Calendar.from_ical((planned.parent / "schedule.ics").read_bytes()).walk("VEVENT")
        raised = {str(e["UID"]) for e in team if e.decoded("SEQUENCE") > 0}
        assert raised == {uid}, "the team calendar raises the SEQUENCE of the changed event alone"

        preview = csw("email", "preview", planned, "--recipients", "team.csv")
        assert preview.exit_code == 0, preview.stderr
        assert "out of date" in preview.stderr and "--only update" in preview.stderr
        update = csw("email", "send", planned, "--recipients", "team.csv", "--only", "update", "--yes")
        assert update.exit_code == 0, update.stderr
        updates = server.handler.received[kickoffs:]
        reached = sorted(r.rcpt_tos[0] for r in updates)
        assert reached == sorted([*LATE_REPS, "pat@acme.example"]), "the late shift and the coordinator"
        for received in updates:
            message = parse(received.data)
            assert message["X-CSW-Kind"] == "update"
            (ics,) = calendars(message).values()
            (event,) = Calendar.from_ical(ics.get_content().encode("utf-8")).walk("VEVENT")
            assert str(event["UID"]) == uid and event.decoded("SEQUENCE") == 1
            assert event.decoded("DTSTAMP") > datetime(2025, 10, 6, tzinfo=event.decoded("DTSTAMP").tzinfo)
            assert f"{event.decoded('DTSTART'):%H:%M}" == f"{hours:02d}:00"
            assert "was" in text_of(message)

        again = csw("email", "send", planned, "--recipients", "team.csv", "--only", "update", "--yes")
        assert again.exit_code == 0 and len(server.handler.received) == kickoffs + len(updates)
        assert "Nothing to send" in again.stdout


def test_a_removed_activity_is_cancelled_for_those_who_had_it(csw, write, planned: Path) -> None:
    with kickoffs_sent(csw, write, planned) as server:
        kickoffs = len(server.handler.received)
        plan = yaml.safe_load(planned.read_text(encoding="utf-8"))
        day = next(day for day in plan["days"] if len(day["activities"]) > 1)
        removed = day["activities"].pop()
        planned.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
        assert csw("render", planned, "--roster", "team.csv").exit_code == 0
        assert (
            csw("email", "send", planned, "--recipients", "team.csv", "--only", "update", "--yes").exit_code
            == 0
        )
        shifts = {session["shift"] for session in removed["sessions"]}
        for received in server.handler.received[kickoffs:]:
            message = parse(received.data)
            parts = calendars(message)
            assert "cancelled.ics" in parts
            cancel = Calendar.from_ical(parts["cancelled.ics"].get_content().encode("utf-8"))
            assert str(cancel["METHOD"]) == "CANCEL"
            for event in cancel.walk("VEVENT"):
                assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") >= 1
                assert f"-{removed['idea']}-" in str(event["UID"])
        reached = {r.rcpt_tos[0] for r in server.handler.received[kickoffs:]}
        expected, surely = {"pat@acme.example"}, {"pat@acme.example"}
        if "day" in shifts:  # the lead sees every wave of the shift; each rep their own
            expected |= {*DAY_REPS, "lee@acme.example"}
            surely.add("lee@acme.example")
        if "late" in shifts:
            expected |= set(LATE_REPS)
        assert surely <= reached <= expected
        assert len(reached) > len(surely), "some reps had a wave or a desk session of it"


def test_a_daily_message_names_the_reps_own_slot_of_the_day(csw, planned: Path) -> None:
    assert csw("email", "preview", planned, "--recipients", "team.csv").exit_code == 0
    messages = outbox_messages(planned)
    rows = roster_rows(planned)
    rep = LATE_REPS[0]
    for row in (r for r in rows if r["email"] == rep):
        daily = [
            m
            for m in messages.values()
            if m["X-CSW-Kind"] == "daily"
            and m["To"].addresses[0].addr_spec == rep
            and date.fromisoformat(row["date"]).strftime("%B") in str(m["Subject"])
            and f" {date.fromisoformat(row['date']).day}" in str(m["Subject"])
        ]
        assert len(daily) == 1
        assert f"{clock(row['start'])} to {clock(row['end'])}" in " ".join(text_of(daily[0]).split())


def test_invites_go_as_requests_to_each_rep_without_rsvp(csw, write, planned: Path) -> None:
    result = csw("email", "preview", planned, "--recipients", "team.csv", "--invites", "--only", "kickoff")
    assert result.exit_code == 0, result.stderr
    rep = LATE_REPS[1]
    kickoff = of_kind(outbox_messages(planned), "kickoff", rep)
    inline = [p for p in kickoff.walk() if p.get_content_type() == "text/calendar" and not p.get_filename()]
    assert len(inline) == 1 and inline[0].get_param("method") == "REQUEST", "the invitation's own part"
    (ics,) = calendars(kickoff).values()
    assert ics.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(ics.get_content().encode("utf-8"))
    assert str(calendar["METHOD"]) == "REQUEST"
    for event in calendar.walk("VEVENT"):
        attendees = event["ATTENDEE"]
        assert not isinstance(attendees, list), "one attendee: the rep the message goes to"
        assert str(attendees) == f"mailto:{rep}" and attendees.params["RSVP"] == "FALSE"
        assert str(event["ORGANIZER"]) == "mailto:pat@acme.example"


def test_no_invites_overrides_email_invites_for_one_run(csw, write, planned: Path) -> None:
    config = Path("csw.toml").read_text()
    write("csw.toml", config.replace("[email]\n", "[email]\ninvites = true\n", 1))
    methods = {}
    for flag in ("--invites", "--no-invites"):
        result = csw("email", "preview", planned, "--recipients", "team.csv", flag, "--only", "kickoff")
        assert result.exit_code == 0, result.stderr
        (ics,) = calendars(of_kind(outbox_messages(planned), "kickoff", LATE_REPS[1])).values()
        methods[flag] = ics.get_param("method")
    assert methods == {"--invites": "REQUEST", "--no-invites": "PUBLISH"}


def test_a_reader_taken_off_the_list_after_the_kickoff_is_reported(csw, write, planned: Path) -> None:
    with kickoffs_sent(csw, write, planned):
        pass
    write("team.csv", "\n".join(line for line in roster_text().splitlines() if "late6@" not in line) + "\n")
    preview = csw("email", "preview", planned, "--recipients", "team.csv")
    assert preview.exit_code == 0, preview.stderr
    assert "1 person sent a calendar is no longer on the list (late6@acme.example)" in preview.stderr


def test_a_sent_message_that_no_longer_matches_is_reported_not_resent(csw, write, planned: Path) -> None:
    with kickoffs_sent(csw, write, planned) as server:
        received = len(server.handler.received)
        write("team.csv", roster_text().replace("Late Rep 6,", "Lena Rep 6,"))
        preview = csw("email", "preview", planned, "--recipients", "team.csv")
        assert preview.exit_code == 0, preview.stderr
        assert "1 sent kickoff message no longer matches the plan or the recipients" in preview.stderr
        again = csw("email", "send", planned, "--recipients", "team.csv", "--only", "kickoff", "--yes")
        assert again.exit_code == 0, again.stderr
        assert len(server.handler.received) == received, "the kickoff that went out is not sent again"


def test_a_send_of_one_kind_composes_that_kind_and_still_knows_the_whole_list(
    csw, write, planned: Path
) -> None:
    with kickoffs_sent(csw, write, planned) as server:
        received = len(server.handler.received)
        thanks = csw("email", "send", planned, "--recipients", "team.csv", "--only", "thanks", "--yes")
        assert thanks.exit_code == 0, thanks.stderr
        kinds = {r.message["X-CSW-Kind"] for r in server.handler.received[received:]}
    assert kinds == {"thanks"}
    assert "no longer on the list" not in thanks.stderr, "the reps sent a kickoff are still on the list"


def test_reps_in_the_same_sessions_each_get_their_own_words(csw, write, tmp_path: Path) -> None:
    # reps of one shift and the same sessions share a composed body: what differs must still differ
    write("csw.toml", CONFIG)
    reps = [f"rep{n}@acme.example" for n in range(40)]
    rows = [f"{rep},Rep {n},day,Customer Care,rep" for n, rep in enumerate(reps)]
    write(
        "team.csv",
        "\n".join(["email,name,shift,team,role", *rows, "pat@acme.example,Pat Lee,day,,coordinator"]),
    )
    write(
        "mine/email/kickoff.md.j2",
        "---\nsubject: Your week\n---\nFor {% for slot in mine.values() %}{{ slot.email }} {% endfor %}\n",
    )
    assert csw("plan", "2025", "--roster", "team.csv").exit_code == 0
    plan = tmp_path / "csw-2025" / "plan.yaml"
    result = csw(
        "email", "preview", plan, "--recipients", "team.csv", "--templates", "mine", "--only", "kickoff"
    )
    assert result.exit_code == 0, result.stderr
    slots: dict[str, list[tuple[str, str]]] = {}
    for row in roster_rows(plan):
        slots.setdefault(row["email"], []).append((row["date"], row["start"]))
    alike = Counter(tuple(sorted(own)) for own in slots.values())
    assert max(alike.values()) > 1, "some reps share all their sessions"
    messages = outbox_messages(plan)
    for rep in reps:
        assert text_of(of_kind(messages, "kickoff", rep)).split()[1:] == [rep] * len(slots[rep])
