"""schedule.ics: real plans rendered with calendar_bytes, parsed back with icalendar, checked exactly."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from icalendar.parser import Contentline

from csw.core.errors import PlanError
from csw.exports.ics import (
    PRODID,
    LiteralText,
    calendar_bytes,
    combined_calendar_bytes,
    content_line,
    fold,
    prep_calendar_bytes,
)
from csw.ideas.bank import Category, Idea, Kind, TimeOfDay, load_bank
from csw.plan.file import parse_plan, plan_text
from csw.plan.model import Organization, Plan
from csw.settings.config import Mode, Shift, clock_minutes
from csw.week.dates import WEEKDAYS, WORKWEEK
from tests.plans import plan_for

DAY = Shift(name="day", start="08:00", end="16:30")
LATE = Shift(name="late", start="12:00", end="20:30")
EARLY_START = Shift(name="day", start="08:45", end="16:30")  # a morning idea placed first starts 09:00
NIGHT = Shift(name="night", start="16:00", end="24:00")
ALL_MODES = (Mode.onsite, Mode.remote, Mode.hybrid)
EN_DASH = "\N{EN DASH}"


@cache
def builtin_ideas() -> dict[str, Idea]:
    bank, problems = load_bank()
    assert not problems
    return bank.ideas


def build(
    *,
    seed: int = 1,
    year: int = 2025,
    days: tuple[str, ...] = WORKWEEK,
    start: date | None = None,
    timezone: str = "America/Chicago",
    team: str = "Customer Care",
    mode: Mode = Mode.onsite,
    shifts: tuple[Shift, ...] = (DAY, LATE),
    pins: Mapping[date, tuple[str, ...]] | None = None,
    extra: tuple[Idea, ...] = (),
    headcount: int = 40,
    budget: float = 5000.0,
) -> Plan:
    """A real plan from the planner: the built-in bank plus `extra` ideas (a user's bank)."""
    return plan_for(
        seed=seed,
        year=year,
        days=days,
        start=start,
        mode=mode,
        shifts=shifts,
        pins=dict(pins or {}),
        headcount=headcount,
        budget=budget,
        ideas={**builtin_ideas(), **{idea.id: idea for idea in extra}},
        organization=Organization(name="Acme Support", team=team, timezone=timezone, domain="acme.example"),
        theme="Heroes",
    )


def user_idea(idea_id: str, **fields: Any) -> Idea:
    values: dict[str, Any] = {
        "id": idea_id,
        "title": idea_id.replace("-", " ").title(),
        "category": Category.wellness,
        "kind": Kind.activity,
        "summary": f"The {idea_id} summary.",
        "how_to": "1. Do it.\n2. Enjoy it.\n",
        "duration_minutes": 30,
        "time_of_day": TimeOfDay.morning,
        "modes": ALL_MODES,
    }
    values.update(fields)
    return Idea.model_validate(values)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events_by_uid(data: bytes) -> dict[str, Any]:
    events = parse(data).events
    by_uid = {str(event["UID"]): event for event in events}
    assert len(by_uid) == len(events), "UIDs must be unique within the file"
    return by_uid


def categories(event: Any) -> list[str]:
    return [str(value) for value in event.categories]


def idea_text(idea: Idea) -> str:
    return f"{idea.summary}\n\n{idea.how_to.rstrip()}"


def local(day: date, clock: str, zone: str) -> datetime:
    midnight = datetime.combine(day, time(), ZoneInfo(zone))
    return midnight + timedelta(minutes=clock_minutes(clock))


def session_count(plan: Plan) -> int:
    return sum(len(activity.sessions) for day in plan.days for activity in day.activities)


def pinnable() -> Idea:
    """A built-in activity (not recognition, so the day still has room for one) to pin."""
    return next(
        idea
        for _, idea in sorted(builtin_ideas().items())
        if idea.kind is Kind.activity and idea.category is not Category.recognition
    )


# --- the calendar and its events -------------------------------------------------------------------


def test_the_calendar_header() -> None:
    calendar = parse(calendar_bytes(build()))
    assert str(calendar["PRODID"]) == PRODID == "-//csw//Customer Service Week planner//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == f"Customer Service Week 2025 {EN_DASH} Customer Care"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Chicago"


def test_one_event_per_themed_day_and_session_and_the_prep_tasks_in_a_calendar_of_their_own() -> None:
    plan = build(shifts=(DAY, LATE))
    events = parse(calendar_bytes(plan)).events
    assert session_count(plan) > len(plan.days), "two shifts and waves: more sessions than days"
    assert len(events) == len(plan.days) + len(plan.all_week) + session_count(plan)
    assert not [e for e in events if categories(e) == ["CSW prep"]], "the reps' calendar holds no to-dos"
    prep = parse(prep_calendar_bytes(plan)).events
    assert len(prep) == len(plan.prep) > 0
    assert all(categories(e) == ["CSW prep"] for e in prep)


def test_every_themed_day_is_an_all_day_event_on_its_date() -> None:
    plan = build()
    data = calendar_bytes(plan)
    events = events_by_uid(data)
    for day in plan.days:
        idea = plan.idea(day.theme)
        event = events[f"csw-2025-customer-care-{day.date}-{idea.id}@acme.example"]
        assert type(event.start) is date and event.start == day.date
        assert type(event.end) is date and event.end == day.date + timedelta(days=1)
        assert f"DTSTART;VALUE=DATE:{day.date:%Y%m%d}\r\n".encode() in data
        assert str(event["SUMMARY"]) == f"{idea.title} (Customer Service Week)"
        assert str(event["DESCRIPTION"]) == idea_text(idea)
        assert categories(event) == ["Customer Service Week", idea.category.value]
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert event.get("LOCATION") == idea.location
        assert event["DTSTAMP"].dt == datetime(2025, 10, 6, tzinfo=ZoneInfo("UTC"))
        assert int(event["SEQUENCE"]) == 0


def test_every_session_is_a_timed_event_at_the_plans_local_time() -> None:
    plan = build(shifts=(DAY, LATE))
    data = calendar_bytes(plan)
    events = events_by_uid(data)
    seen = 0
    for day in plan.days:
        for activity in day.activities:
            idea = plan.idea(activity.idea)
            waves = Counter(session.shift for session in activity.sessions)
            for s in activity.sessions:
                uid = f"csw-2025-customer-care-{day.date}-{idea.id}-{s.shift}-w{s.wave}@acme.example"
                event = events[uid]
                assert event.start == local(day.date, s.start, "America/Chicago")
                assert event.end == local(day.date, s.end, "America/Chicago")
                assert event.start.replace(tzinfo=None) == datetime.combine(
                    day.date, time.fromisoformat(s.start)
                )
                assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == "America/Chicago"
                assert event.start.tzinfo == ZoneInfo("America/Chicago")
                stamp = f"{day.date:%Y%m%d}T{s.start.replace(':', '')}00"
                assert f"DTSTART;TZID=America/Chicago:{stamp}\r\n".encode() in data
                wave = f" {EN_DASH} wave {s.wave} of {waves[s.shift]}" if waves[s.shift] > 1 else ""
                assert str(event["SUMMARY"]) == f"{idea.title}{wave} ({s.shift} shift)"
                assert categories(event) == ["Customer Service Week", idea.category.value]
                assert event.get("LOCATION") == idea.location
                assert "TRANSP" not in event
                seen += 1
    assert seen == session_count(plan)


def test_summary_and_description_of_waves_off_the_phones() -> None:
    workshop = user_idea(
        "phone-free-workshop", category=Category.learning, duration_minutes=60, off_phones=True
    )
    desk = user_idea("desk-quiz", category=Category.recognition, off_phones=False)
    tuesday = date(2025, 10, 7)
    plan = build(shifts=(DAY,), extra=(workshop, desk), pins={tuesday: (workshop.id, desk.id)})
    events = events_by_uid(calendar_bytes(plan))
    prefix = "csw-2025-customer-care-2025-10-07"
    second = events[f"{prefix}-phone-free-workshop-day-w2@acme.example"]
    assert str(second["SUMMARY"]) == f"Phone Free Workshop {EN_DASH} wave 2 of 4 (day shift)"
    assert str(second["DESCRIPTION"]) == (
        "The phone-free-workshop summary.\n\n1. Do it.\n2. Enjoy it.\n\n"
        "Off the phones in this wave: 10 reps of the day shift."
    )
    only = events[f"{prefix}-desk-quiz-day-w1@acme.example"]
    assert str(only["SUMMARY"]) == "Desk Quiz (day shift)"
    assert str(only["DESCRIPTION"]) == "The desk-quiz summary.\n\n1. Do it.\n2. Enjoy it."
    assert f"{prefix}-desk-quiz-day-w2@acme.example" not in events


@pytest.mark.parametrize(
    ("mode", "elsewhere"), [(Mode.onsite, None), (Mode.hybrid, None), (Mode.remote, "Online")]
)
def test_location_is_the_ideas_else_online_for_a_remote_team_else_none(
    mode: Mode, elsewhere: str | None
) -> None:
    placed = user_idea("placed-quiz", category=Category.games, location="Training room 2")
    nowhere = user_idea("nowhere-quiz", category=Category.learning, location=None)
    plan = build(
        mode=mode,
        shifts=(DAY,),
        extra=(placed, nowhere),
        pins={date(2025, 10, 7): (placed.id,), date(2025, 10, 8): (nowhere.id,)},
    )
    events = events_by_uid(calendar_bytes(plan))
    prefix = "csw-2025-customer-care"
    assert (
        str(events[f"{prefix}-2025-10-07-placed-quiz-day-w1@acme.example"]["LOCATION"]) == "Training room 2"
    )
    assert events[f"{prefix}-2025-10-08-nowhere-quiz-day-w1@acme.example"].get("LOCATION") == elsewhere
    for day in plan.days:
        for activity in day.activities:
            idea = plan.idea(activity.idea)
            for event in (
                e for uid, e in events.items() if uid.startswith(f"{prefix}-{day.date}-{idea.id}-")
            ):
                assert event.get("LOCATION") == (idea.location or elsewhere)


def test_every_prep_task_is_an_all_day_event_on_its_due_date() -> None:
    plan = build()
    assert len(plan.prep) > 5
    events = parse(prep_calendar_bytes(plan)).events
    prep = [event for event in events if categories(event) == ["CSW prep"]]
    assert [(e.start, str(e["SUMMARY"])) for e in prep] == [(i.due, f"Prep: {i.task}") for i in plan.prep]
    for item, event in zip(plan.prep, prep, strict=True):
        idea = plan.idea(item.idea)
        assert event.end == item.due + timedelta(days=1) and type(event.start) is date
        assert str(event["DESCRIPTION"]) == f"For {idea.title}: {idea.summary}"
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert re.fullmatch(
            rf"csw-2025-customer-care-prep-{item.idea}-[0-9a-f]{{8}}@acme\.example", event.uid
        )


# --- stable, unique UIDs and reproducible bytes -----------------------------------------------------


def test_the_same_plan_gives_the_same_bytes() -> None:
    plan = build(seed=11)
    first = calendar_bytes(plan)
    assert calendar_bytes(plan) == first
    assert calendar_bytes(build(seed=11)) == first, "a fresh plan from the same inputs"
    reloaded = parse_plan(plan_text(plan), "plan.yaml")
    assert calendar_bytes(reloaded) == first, "a plan saved and loaded again"
    assert b"DTSTAMP:20251006T000000Z\r\n" in first
    assert len(set(re.findall(rb"DTSTAMP:[^\r]*", first))) == 1


def test_another_seed_keeps_the_uids_of_what_did_not_change() -> None:
    monday, wednesday = date(2025, 10, 6), date(2025, 10, 8)
    activity = pinnable()
    pins = {monday: ("pajama-day",), wednesday: (activity.id,)}
    one, two = build(seed=1, pins=pins), build(seed=99, pins=pins)
    assert one.days != two.days, "the seeds must give different weeks for this test to mean anything"
    uids_one, uids_two = events_by_uid(calendar_bytes(one)), events_by_uid(calendar_bytes(two))
    assert "csw-2025-customer-care-2025-10-06-pajama-day@acme.example" in uids_one.keys() & uids_two.keys()
    pinned = {uid for uid in uids_one if f"-2025-10-08-{activity.id}-" in uid}
    assert pinned and pinned <= uids_two.keys()
    same_days = {(d.date, d.theme) for d in one.days} & {(d.date, d.theme) for d in two.days}
    for day, theme in same_days:
        assert f"csw-2025-customer-care-{day}-{theme}@acme.example" in uids_one.keys() & uids_two.keys()
    assert uids_one.keys() != uids_two.keys()


def test_uids_depend_on_date_and_idea_not_on_position_or_time() -> None:
    plan = build()
    data = plan.model_dump(mode="json")
    del data["days"][0]  # every later day moves up a place
    session = data["days"][1]["activities"][0]["sessions"][0]
    session["start"], session["end"] = "15:00", "15:30"  # a hand edit of the time
    edited = Plan.model_validate(data)
    before, after = events_by_uid(calendar_bytes(plan)), events_by_uid(calendar_bytes(edited))
    assert set(after) < set(before)
    monday = {uid for uid in before if "-2025-10-06-" in uid}
    assert set(before) - set(after) == monday and monday
    moved = after[
        f"csw-2025-customer-care-{edited.days[1].date}-{edited.days[1].activities[0].idea}-day-w1@acme.example"
    ]
    assert moved.start.strftime("%H:%M") == "15:00"


def test_a_prep_tasks_uid_survives_other_tasks_being_dropped() -> None:
    plan = build()
    fewer = plan.model_copy(update={"prep": plan.prep[2:]})
    prep = {e.uid: e.start for e in parse(prep_calendar_bytes(plan)).events}
    kept = {e.uid: e.start for e in parse(prep_calendar_bytes(fewer)).events}
    assert len(kept) == len(prep) - 2 == len(plan.prep) - 2
    assert kept.items() < prep.items()


def test_a_hand_edited_plan_that_repeats_an_activity_still_has_unique_uids() -> None:
    plan = build(shifts=(DAY,))
    data = plan.model_dump(mode="json")
    repeated = data["days"][0]["activities"][0]
    data["days"][0]["activities"].append(repeated)
    edited = Plan.model_validate(data)
    uids = [str(event["UID"]) for event in parse(calendar_bytes(edited)).events]
    expected = len(edited.days) + len(edited.all_week) + session_count(edited)
    assert len(uids) == len(set(uids)) == expected
    base = f"csw-2025-customer-care-2025-10-06-{repeated['idea']}-day-w1"
    assert f"{base}@acme.example" in uids and f"{base}-2@acme.example" in uids


def test_team_names_become_slugs_in_uids() -> None:
    plan = build(team="Kundenservice Zürich, 2nd Floor")
    uids = events_by_uid(calendar_bytes(plan))
    assert all(uid.startswith("csw-2025-kundenservice-zurich-2nd-floor-") for uid in uids)
    assert all(uid.endswith("@acme.example") for uid in uids)


# --- the file format ---------------------------------------------------------------------------------


def test_crlf_line_endings_and_folded_lines_of_at_most_75_octets() -> None:
    long_title = "Zürich Straße Kaffeepause mit Kuchen 🎉 " * 3
    idea = user_idea("long-coffee-break", title=long_title.strip(), location="Café, Floor 2; east wing")
    plan = build(extra=(idea,), pins={date(2025, 10, 9): (idea.id,)})
    data = calendar_bytes(plan)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) == 75, "long descriptions are folded right at the limit"
    for line in lines:
        line.decode("utf-8")  # folding never splits a character
    assert any(line.startswith(b" ") for line in lines)
    events = events_by_uid(data)
    event = events["csw-2025-customer-care-2025-10-09-long-coffee-break-day-w1@acme.example"]
    assert str(event["SUMMARY"]) == f"{long_title.strip()} (day shift)"
    assert str(event["LOCATION"]) == "Café, Floor 2; east wing"


def test_commas_semicolons_newlines_and_markup_come_back_intact() -> None:
    title = 'Tacos, Tea; & <script>alert("x")</script>'
    how_to = (
        "1. Order tacos, salsa; napkins.\n"
        "2. <script>alert(1)</script> \\n is not a newline\n\n**Bold**, done;"
    )
    odd = user_idea(
        "odd-tacos", title=title, how_to=how_to, summary="Lunch; with, commas", location="A, B; C"
    )
    theme = user_idea(
        "odd-theme",
        kind=Kind.theme,
        category=Category.dress_up,
        title="Hats; Caps, <b>Berets</b>",
        duration_minutes=0,
    )
    thursday = date(2025, 10, 9)
    plan = build(extra=(odd, theme), pins={thursday: (theme.id, odd.id)}, team="Care; Billing, <Support>")
    data = calendar_bytes(plan)
    assert rb"Tacos\, Tea\; & <script>" in data
    events = events_by_uid(data)
    prefix = "csw-2025-care-billing-support-2025-10-09"
    event = events[f"{prefix}-odd-tacos-day-w1@acme.example"]
    assert str(event["SUMMARY"]) == f"{title} (day shift)"
    assert str(event["DESCRIPTION"]) == f"Lunch; with, commas\n\n{how_to}"
    assert str(event["LOCATION"]) == "A, B; C"
    themed = events[f"{prefix}-odd-theme@acme.example"]
    assert str(themed["SUMMARY"]) == "Hats; Caps, <b>Berets</b> (Customer Service Week)"
    assert categories(themed) == ["Customer Service Week", "dress-up"]
    calendar = parse(data)
    assert str(calendar["X-WR-CALNAME"]) == f"Customer Service Week 2025 {EN_DASH} Care; Billing, <Support>"


def test_a_session_ending_at_midnight_ends_at_00_00_the_next_day() -> None:
    plan = build(shifts=(DAY, NIGHT))
    data = plan.model_dump(mode="json")
    session = next(s for s in data["days"][0]["activities"][0]["sessions"] if s["shift"] == "night")
    session["start"], session["end"] = "23:30", "24:00"
    edited = Plan.model_validate(data)
    events = events_by_uid(calendar_bytes(edited))
    activity = edited.days[0].activities[0].idea
    event = events[f"csw-2025-customer-care-2025-10-06-{activity}-night-w1@acme.example"]
    chicago = ZoneInfo("America/Chicago")
    assert event.start == datetime(2025, 10, 6, 23, 30, tzinfo=chicago)
    assert event.end == datetime(2025, 10, 7, 0, 0, tzinfo=chicago)


def test_a_utc_organisation_gets_utc_times_and_no_vtimezone() -> None:
    plan = build(timezone="UTC", shifts=(DAY,))
    data = calendar_bytes(plan)
    calendar = parse(data)
    assert calendar.walk("VTIMEZONE") == []
    first = plan.days[0].activities[0].sessions[0]
    assert f"DTSTART:20251006T{first.start.replace(':', '')}00Z\r\n".encode() in data
    assert b"TZID" not in data


# --- time zones: the DST change, and a narrow VTIMEZONE -----------------------------------------------


def sydney_dst_plan() -> Plan:
    """A 7-day week from Wed 1 Oct 2025 with a 09:00 activity on Sat 4 and Mon 6 October."""
    saturday, monday = date(2025, 10, 4), date(2025, 10, 6)
    before = user_idea("saturday-stretch", category=Category.wellness)
    after = user_idea("monday-mindfulness", category=Category.wellness)
    return build(
        timezone="Australia/Sydney",
        days=WEEKDAYS,
        start=date(2025, 10, 1),
        shifts=(EARLY_START,),
        extra=(before, after),
        pins={saturday: (before.id,), monday: (after.id,)},
    )


def test_sydney_dst_change_falls_inside_the_week() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    offsets = [datetime(2025, 10, 5, hour, tzinfo=sydney).utcoffset() for hour in (1, 4)]
    assert offsets == [timedelta(hours=10), timedelta(hours=11)], "DST starts Sunday 5 October 2025"
    plan = sydney_dst_plan()
    assert [d.date for d in plan.days] == [date(2025, 10, n) for n in range(1, 8)]


def test_a_0900_session_either_side_of_the_dst_change_stays_0900_local() -> None:
    plan = sydney_dst_plan()
    data = calendar_bytes(plan)
    events = events_by_uid(data)
    prefix = "csw-2025-customer-care"
    cases = [("2025-10-04", "saturday-stretch", 10), ("2025-10-06", "monday-mindfulness", 11)]
    for day, idea, hours in cases:
        event = events[f"{prefix}-{day}-{idea}-day-w1@acme.example"]
        assert event["DTSTART"].params["TZID"] == "Australia/Sydney"
        assert f"DTSTART;TZID=Australia/Sydney:{day.replace('-', '')}T090000\r\n".encode() in data
        assert event.start.strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"
        assert event.start.utcoffset() == timedelta(hours=hours)
        assert event.end.strftime("%H:%M") == "09:30"
    sat = events[f"{prefix}-2025-10-04-saturday-stretch-day-w1@acme.example"].start
    mon = events[f"{prefix}-2025-10-06-monday-mindfulness-day-w1@acme.example"].start
    # Python subtracts wall clocks within one zone; in UTC the weekend is an hour shorter.
    assert mon - sat == timedelta(days=2)
    assert mon.astimezone(UTC) - sat.astimezone(UTC) == timedelta(days=2, hours=-1)


def vtimezone_of(data: bytes) -> Any:
    zones = parse(data).walk("VTIMEZONE")
    assert len(zones) == 1
    return zones[0]


def parts_of(zone: Any) -> list[tuple[str, date, timedelta, timedelta]]:
    """Each change of offset the VTIMEZONE lists (its DTSTART and any RDATEs), in date order."""
    found = []
    for part in zone.subcomponents:
        rdates = part.get("RDATE", [])
        more = [
            moment.dt for group in (rdates if isinstance(rdates, list) else [rdates]) for moment in group.dts
        ]
        for start in (part["DTSTART"].dt, *more):
            found.append((part.name, start.date(), part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td))
    return sorted(found, key=lambda change: change[1])


def test_the_vtimezone_has_standard_and_daylight_parts_and_reaches_only_the_changes_around_the_week() -> None:
    # Outlook shifts events whose zone has no STANDARD part; vobject misreads the 1970-2038 list.
    chicago = parts_of(vtimezone_of(calendar_bytes(build())))
    names = [name for name, *_ in chicago]
    assert {"STANDARD", "DAYLIGHT"} <= set(names) and len(names) <= 4
    real = [(name, day, before, after) for name, day, before, after in chicago if before != after]
    assert real == [
        ("DAYLIGHT", date(2025, 3, 9), timedelta(hours=-6), timedelta(hours=-5)),
        ("STANDARD", date(2025, 11, 2), timedelta(hours=-5), timedelta(hours=-6)),
    ], "the change into summer time before the week and the change out of it after"
    sydney = parts_of(vtimezone_of(calendar_bytes(sydney_dst_plan())))
    real = [(name, day, after) for name, day, before, after in sydney if before != after]
    assert real == [
        ("STANDARD", date(2025, 4, 6), timedelta(hours=10)),
        ("DAYLIGHT", date(2025, 10, 5), timedelta(hours=11)),
        ("STANDARD", date(2026, 4, 5), timedelta(hours=10)),
    ]
    tokyo = parts_of(vtimezone_of(calendar_bytes(build(timezone="Asia/Tokyo"))))
    assert [name for name, *_ in tokyo] == ["STANDARD"], "a zone without summer time has one part"


def test_the_vtimezone_itself_gives_every_session_its_offset() -> None:
    # What a client that trusts the file's VTIMEZONE (vobject in Radicale, via dateutil) computes.
    plan = sydney_dst_plan()
    data = calendar_bytes(plan)
    zone = vtimezone_of(data)
    from_file = dateutil_tz.tzical(io.StringIO(zone.to_ical().decode())).get()
    sydney = ZoneInfo("Australia/Sydney")
    checked = 0
    for day in plan.days:
        for activity in day.activities:
            for session in activity.sessions:
                wall = datetime.combine(day.date, time.fromisoformat(session.start))
                assert wall.replace(tzinfo=from_file).utcoffset() == wall.replace(tzinfo=sydney).utcoffset()
                assert (
                    wall.replace(tzinfo=zone.to_tz()).utcoffset() == wall.replace(tzinfo=sydney).utcoffset()
                )
                checked += 1
    assert checked == session_count(plan) >= 7


# --- every plan -----------------------------------------------------------------------------------------


plans = st.fixed_dictionaries(
    {
        "seed": st.integers(min_value=0, max_value=2**32),
        "mode": st.sampled_from(list(Mode)),
        "shifts": st.sampled_from([(DAY,), (DAY, LATE), (EARLY_START, NIGHT)]),
        "days": st.sampled_from([WORKWEEK, WEEKDAYS]),
        "timezone": st.sampled_from(["America/Chicago", "Australia/Sydney", "Europe/London", "Asia/Kolkata"]),
        "year": st.integers(min_value=2000, max_value=2040),
        "headcount": st.integers(min_value=8, max_value=400),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_every_plan_renders_a_complete_well_formed_calendar(inputs: dict[str, Any]) -> None:
    try:
        plan = build(**inputs, budget=10**6)
    except PlanError:
        reject()
    data = calendar_bytes(plan)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert data.count(b"\n") == data.count(b"\r\n")
    events = events_by_uid(data)
    assert len(events) == len(plan.days) + len(plan.all_week) + session_count(plan)
    zone = vtimezone_of(data)
    assert len(zone.subcomponents) <= 3
    for day in plan.days:
        for activity in day.activities:
            for s in activity.sessions:
                key = f"{day.date}-{activity.idea}-{s.shift}-w{s.wave}"
                uid = f"csw-{plan.year}-customer-care-{key}@acme.example"
                assert events[uid].start == local(day.date, s.start, inputs["timezone"])
                assert events[uid].end == local(day.date, s.end, inputs["timezone"])
    assert calendar_bytes(plan) == data


@pytest.mark.parametrize("timezone", ["America/Chicago", "Australia/Sydney"])
def test_prep_and_theme_dates_carry_no_time_zone(timezone: str) -> None:
    plan = build(timezone=timezone)
    for event in [*parse(calendar_bytes(plan)).events, *parse(prep_calendar_bytes(plan)).events]:
        if "TRANSP" in event:
            assert type(event.start) is date and "TZID" not in event["DTSTART"].params


# Folding: csw folds ASCII lines itself (icalendar walks them a character at a time). The folded
# line must unfold to the same line, in parts of at most 75 octets, as icalendar reads it back;
# where exactly the breaks fall is each library's own choice and is not compared.
FOLDABLE = st.text(st.sampled_from('ab ,;:\\^"=xyz0123'), max_size=400) | st.text(max_size=200)


def assert_folds_well(line: Contentline) -> None:
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    assert b"".join(part.removeprefix(b" ") for part in parts).decode() == str(line)
    assert Contentline.from_ical(folded.decode()).parts() == line.parts()
    if str(line).isascii():
        # csw's own rule: a break never falls inside an escape (a backslash or caret ends no part)
        assert not any(part.endswith((b"\\", b"^")) for part in parts[:-1] if part.strip(b" \\^"))


@given(FOLDABLE)
@settings(max_examples=300, deadline=None)
def test_folding_keeps_the_line_whole(text: str) -> None:
    assert_folds_well(Contentline("DESCRIPTION:" + text.replace("\n", " ").replace("\r", " ")))


@pytest.mark.parametrize("width", [73, 74, 75, 76, 148, 149, 150])
@pytest.mark.parametrize("last", ["x", "\\", "^"])
def test_folding_at_the_limit_never_splits_an_escape(width: int, last: str) -> None:
    name = "DESCRIPTION:"
    line = Contentline(name + "U" * (width - 1 - len(name)) + last + "tail")  # `last` is octet `width`
    assert_folds_well(line)
    if last != "x":
        assert f"{last}\r\n".encode() not in fold(line)


def test_the_combined_calendar_is_the_same_from_the_teams_calendars_or_from_their_plans() -> None:
    plans = [
        build(team="Care", timezone="America/Chicago"),
        build(team="Billing", timezone="Europe/London", seed=2),
        build(team="Night Desk", timezone="UTC", shifts=(NIGHT,)),
    ]
    made = [calendar_bytes(plan) for plan in plans]
    combined = combined_calendar_bytes(plans, "All of us", made)
    assert combined == combined_calendar_bytes(plans, "All of us")
    events = events_by_uid(combined)
    assert sorted(events) == sorted(uid for data in made for uid in events_by_uid(data))
    zones = [str(zone["TZID"]) for zone in parse(combined).walk("VTIMEZONE")]
    assert zones == ["America/Chicago", "Europe/London"]  # UTC times need none


# ics.content_line makes each line without an icalendar Event (an Event per line was most of the
# time a thousand teams took); it must mean what Event.add and to_ical write: the same name, parameters and value once parsed.
ZONES = st.sampled_from(["America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"])
INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31))
PROPERTY_VALUES = st.one_of(
    st.tuples(
        st.sampled_from(["SUMMARY", "DESCRIPTION", "LOCATION", "UID", "TRANSP"]), st.text(max_size=300)
    ),
    st.tuples(st.sampled_from(["DTSTART", "DTEND"]), st.dates(date(2000, 1, 1), date(2090, 12, 31))),
    st.tuples(
        st.sampled_from(["DTSTART", "DTEND"]),
        st.builds(lambda moment, zone: moment.replace(tzinfo=ZoneInfo(zone)), INSTANTS, ZONES),
    ),
    st.tuples(st.just("DTSTAMP"), INSTANTS.map(lambda moment: moment.replace(tzinfo=UTC))),
    st.tuples(st.just("SEQUENCE"), st.integers(0, 10_000)),
    st.tuples(st.just("CATEGORIES"), st.lists(st.text(max_size=30), min_size=1, max_size=3).map(tuple)),
)


@given(PROPERTY_VALUES)
@settings(max_examples=300, deadline=None)
def test_each_content_line_means_what_icalendar_writes(prop: tuple[str, Any]) -> None:
    name, value = prop
    event = Event()
    given_value = LiteralText(value) if isinstance(value, str) else value
    event.add(name, list(given_value) if isinstance(given_value, tuple) else given_value)
    (line,) = event.content_lines()[1:-2]
    assert parsed(name, content_line(name, value)) == parsed(name, line.to_ical() + b"\r\n")


def parsed(name: str, line: bytes) -> tuple[Any, dict[str, str]]:
    """What an event holding this one content line says: the decoded value and the parameters."""
    event = Event.from_ical(b"BEGIN:VEVENT\r\n" + line + b"END:VEVENT\r\n")
    prop = event[name]
    value = [str(category) for category in prop.cats] if name == "CATEGORIES" else event.decoded(name)
    return value, dict(prop.params)
