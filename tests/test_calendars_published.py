"""A rep's own calendar, the coordinator's prep calendar, and calendars as clients apply them:
ORGANIZER and METHOD, SEQUENCE and DTSTAMP raised on exactly the events that changed, CANCEL for
what was removed, and the MIME part that carries them. Parsed with icalendar and the email package."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from csw.exports.calendar_events import TEAM, Scope, plan_events, prep_events
from csw.exports.ics import (
    Publication,
    Revision,
    calendar_bytes,
    events_calendar,
    plan_stamp,
    prep_calendar_bytes,
)
from csw.mail.mime import calendar_part
from csw.mail.published import Record, changes, load_record, save_record
from csw.plan.model import Plan
from tests.plans import plan_for

STRICT = policy.default.clone(raise_on_defect=True)


def parse(data: bytes) -> Any:
    return Calendar.from_ical(data)


def two_shift_plan(seed: int = 1) -> Plan:
    return plan_for(shifts="two", headcount=40, seed=seed, budget=3000)


def away_sessions(plan: Plan) -> list[tuple[date, str, str, int]]:
    return [
        (day.date, activity.idea, session.shift, session.wave)
        for day in plan.days
        for activity in day.activities
        for session in activity.sessions
        if session.reps > 0
    ]


def test_a_reps_calendar_holds_the_themed_days_their_shifts_desk_items_and_their_own_waves_only() -> None:
    plan = two_shift_plan()
    waves = away_sessions(plan)
    mine = frozenset(key for key in waves if key[2] == "day" and key[3] == 1)
    assert mine, "the day shift has waves"
    scope = Scope(shift="day", sessions=mine, year_round=False)
    team = {event.uid: event for event in plan_events(plan)}
    own = plan_events(plan, scope)
    kept = {event.uid for event in own}
    assert kept <= set(team), "a rep's events are the team calendar's, by UID"
    for day in plan.days:
        for activity in day.activities:
            for session in activity.sessions:
                key = (day.date, activity.idea, session.shift, session.wave)
                uid = f"csw-2025-care-{day.date}-{activity.idea}-{session.shift}-w{session.wave}@acme.example"
                expected = session.shift == "day" and (session.reps == 0 or key in mine)
                assert (uid in kept) == expected, uid
    themed = [
        e for e in own if e.uid.startswith(tuple(f"csw-2025-care-{d.date}-{d.theme}" for d in plan.days))
    ]
    assert len(themed) == len(plan.days)
    calendar = parse(calendar_bytes(plan, scope))
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert not any("Prep:" in s for s in summaries), "no prep to-dos in a rep's calendar"
    assert not any("(late shift)" in s for s in summaries), "nothing of the other shift"
    own_waves = [e for e in calendar.walk("VEVENT") if "your wave" in str(e["SUMMARY"])]
    assert len(own_waves) == len(mine)
    for event in own_waves:
        start = event.decoded("DTSTART")
        assert f"{start:%H:%M}" in str(event["DESCRIPTION"]), "the description says the rep's own time"


def test_the_prep_tasks_are_the_coordinators_calendar() -> None:
    plan = two_shift_plan()
    calendar = parse(prep_calendar_bytes(plan, Publication(organizer="Pat Lee <pat@acme.example>")))
    events = calendar.walk("VEVENT")
    assert [(e.decoded("DTSTART"), str(e["SUMMARY"])) for e in events] == [
        (item.due, f"Prep: {item.task}") for item in plan.prep
    ]
    assert "prep" in str(calendar["X-WR-CALNAME"])
    assert all(str(e["ORGANIZER"]) == "mailto:pat@acme.example" for e in events)
    assert len(prep_events(plan)) == len(plan.prep)


def test_organizer_method_and_invitations() -> None:
    plan = two_shift_plan()
    published = parse(calendar_bytes(plan, TEAM, Publication(organizer="Pat Lee <pat@acme.example>")))
    assert str(published["METHOD"]) == "PUBLISH"
    event = published.walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:pat@acme.example"
    assert event["ORGANIZER"].params["CN"] == "Pat Lee"
    assert "ATTENDEE" not in event, "a published calendar invites nobody"
    invite = Publication("REQUEST", "Pat Lee <pat@acme.example>", "Jo Kim <jo@acme.example>")
    request = parse(calendar_bytes(plan, TEAM, invite))
    assert str(request["METHOD"]) == "REQUEST"
    for event in request.walk("VEVENT"):
        attendee = event["ATTENDEE"]
        assert str(attendee) == "mailto:jo@acme.example"
        assert attendee.params["RSVP"] == "FALSE" and attendee.params["CN"] == "Jo Kim"


def test_revisions_raise_sequence_and_dtstamp_on_exactly_the_events_given() -> None:
    plan = two_shift_plan()
    events = plan_events(plan)
    changed = events[3].uid
    later = datetime(2025, 10, 1, 14, 30, tzinfo=UTC)
    data = events_calendar(plan, events, Publication(revisions={changed: Revision(2, later)}))
    for event in parse(data).walk("VEVENT"):
        if str(event["UID"]) == changed:
            assert (event.decoded("SEQUENCE"), event.decoded("DTSTAMP")) == (2, later)
        else:
            assert (event.decoded("SEQUENCE"), event.decoded("DTSTAMP")) == (0, plan_stamp(plan))


def test_a_cancellation_says_so() -> None:
    plan = two_shift_plan()
    event = plan_events(plan)[5]
    data = events_calendar(
        plan, [event], Publication("CANCEL", revisions={event.uid: Revision(1, plan_stamp(plan))})
    )
    calendar = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    (cancelled,) = calendar.walk("VEVENT")
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled.decoded("SEQUENCE") == 1


def test_the_calendar_part_has_its_charset_and_method_and_base64_in_short_lines() -> None:
    plan = two_shift_plan()
    data = calendar_bytes(plan)
    assert "\N{EN DASH}".encode() in data, "non-ASCII text, which needs the charset"
    part = calendar_part(data, "schedule.ics", "PUBLISH")
    wire = part.as_bytes()
    _, _, body = wire.partition(b"\r\n\r\n")
    assert body and all(len(line) <= 76 for line in body.split(b"\r\n"))
    parsed = message_from_bytes(wire, policy=STRICT)
    assert parsed.get_content_type() == "text/calendar"
    assert parsed.get_param("charset") == "utf-8" and parsed.get_param("method") == "PUBLISH"
    assert parsed.get_filename() == "schedule.ics"
    assert base64.b64decode(b"".join(body.split())) == data
    assert parsed.get_content() == data.decode("utf-8"), "the en dashes arrive as en dashes"


def test_the_record_finds_what_changed_was_added_and_removed_and_raises_only_those() -> None:
    plan = two_shift_plan()
    events = plan_events(plan)
    record = Record()
    record.hold("jo@acme.example", record.calendar(events, {}, plan_stamp(plan)))
    assert changes(record, "Jo@Acme.example", events) == [], "nothing changed: addresses ignore case"
    edited = plan_for(
        shifts="two", headcount=40, seed=1, budget=3000, pins={plan.days[1].date: ("pajama-day",)}
    )
    now = plan_events(edited)
    found = changes(record, "jo@acme.example", now)
    assert found, "the pin changed the Tuesday"
    before = {e.uid: e.digest for e in events}
    after = {e.uid: e.digest for e in now}
    assert {c.uid for c in found if c.what == "removed"} == set(before) - set(after)
    assert {c.uid for c in found if c.what == "added"} == set(after) - set(before)
    assert {c.uid for c in found if c.what == "changed"} == {
        u for u in before if u in after and before[u] != after[u]
    }
    later = plan_stamp(plan) + timedelta(days=3)
    revisions = record.revisions(after, later)
    for uid, revision in revisions.items():
        moved = before[uid] != after[uid]
        assert revision == (Revision(1, later) if moved else Revision(0, plan_stamp(plan))), uid
    assert changes(record, "nobody@acme.example", now) == [], "a reader who was sent nothing has no update"


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(0, 10**6))
def test_every_revision_is_newer_than_what_went_out(sequence: int, seconds: int) -> None:
    plan = two_shift_plan()
    events = plan_events(plan)[:3]
    sent_at = plan_stamp(plan) + timedelta(seconds=seconds)
    record = Record()
    record.hold(
        "jo@acme.example",
        record.calendar(events, {e.uid: Revision(sequence, sent_at) for e in events}, sent_at),
    )
    revised = record.revisions({e.uid: "another digest" for e in events}, plan_stamp(plan))
    for revision in revised.values():
        assert revision.sequence == sequence + 1 and revision.stamp > sent_at


def test_the_record_reads_back_what_was_saved(tmp_path: Any) -> None:
    plan = two_shift_plan()
    record = Record()
    record.hold("jo@acme.example", record.calendar(plan_events(plan), {}, plan_stamp(plan)))
    record.messages["<a@b>"] = "digest"
    save_record(tmp_path, record)
    assert load_record(tmp_path) == record


def test_a_reader_updated_later_is_still_told_what_they_had() -> None:
    plan = two_shift_plan()
    events = plan_events(plan)
    record = Record()
    for reader in ("a@acme.example", "b@acme.example"):
        record.hold(reader, record.calendar(events, {}, plan_stamp(plan)))
    data = plan.model_dump(mode="json")
    session = next(s for d in data["days"] for a in d["activities"] for s in a["sessions"] if s["reps"] == 0)
    old = session["start"]
    hours = int(old[:2]) + (1 if int(old[:2]) < 15 else -1)
    session["start"], session["end"] = f"{hours:02d}:00", f"{hours:02d}:15"
    now = plan_events(Plan.model_validate(data))
    record.hold(
        "a@acme.example",
        record.calendar(
            now,
            record.revisions({e.uid: e.digest for e in now}, plan_stamp(plan)),
            plan_stamp(plan),
        ),
    )
    assert changes(record, "a@acme.example", now) == [], "a has the new version"
    (moved,) = changes(record, "b@acme.example", now)
    assert moved.what == "changed" and moved.was is not None and f"T{old}" in moved.was
