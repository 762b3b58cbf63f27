"""The plan's calendars as iCalendar bytes, built with icalendar: the team's schedule.ics, each
rep's own, the coordinator's prep.ics, and an organisation's calendar of every team.

Only this module imports icalendar, and only the ICS renderer and the email composer import it,
so commands that write no calendar start without it. What the events hold comes from
csw.exports.calendar_events; this module writes them.

Every content line is made by icalendar (value types, parameters, escaping but for the one fix in
LiteralText) and every VTIMEZONE by its `Timezone.from_tzinfo`; this module puts the lines in order
and folds ASCII lines at the places icalendar would (a test holds the two to the byte). Lines are
made through a cache: an organisation of a thousand teams repeats the same descriptions, dates and
categories tens of thousands of times, and building an icalendar `Event` per event was most of
the time `csw plan` took for it (see tests/benchmarks/teams.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText
from icalendar.parser import Contentline

from csw.exports.calendar_events import (
    DASH,
    TEAM,
    CalEvent,
    Property,
    Scope,
    UidNames,
    plan_events,
    prep_events,
)
from csw.plan.model import Plan

PRODID = "-//csw//Customer Service Week planner//EN"
# Where the zone does not change its offset within a year of the week, its VTIMEZONE reaches this
# far either side.
ZONE_MARGIN = timedelta(days=7)
CALENDAR_END = b"END:VCALENDAR\r\n"
FOLD_OCTETS = 74  # what icalendar puts on a line before the CRLF and the space of a fold


class LiteralText(vText):
    """TEXT that says exactly what it holds.

    icalendar reads a backslash-N in the text it is given as a line break (its escaping starts by
    turning the two characters into a newline), so 'C:\\Newsletters' would come out as 'C:' and a
    new line. Idea text is the coordinator's words: escape it as RFC 5545 says, nothing more.
    """

    def to_ical(self) -> bytes:
        text = (
            self.replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\r\n", "\\n")
            .replace("\n", "\\n")
            .replace("\r", "\\n")
        )
        return text.encode("utf-8")


@dataclass(frozen=True)
class Revision:
    """How often an event has changed since it was first published, and when it last did."""

    sequence: int
    stamp: datetime


@dataclass(frozen=True)
class Publication:
    """How a calendar is published: PUBLISH (import it), REQUEST (an invitation), CANCEL.

    `organizer` and `attendee` are "Name <address>" texts; `revisions` the SEQUENCE and DTSTAMP of
    events that changed after they went out (the others are at 0 and the plan's own stamp).
    """

    method: str = "PUBLISH"
    organizer: str | None = None
    attendee: str | None = None
    revisions: Mapping[str, Revision] = field(default_factory=dict)
    name: str | None = None
    uids: UidNames | None = None  # the UIDs' names as first published, else the plan's own


def calendar_bytes(plan: Plan, scope: Scope = TEAM, how: Publication | None = None) -> bytes:
    """The plan's calendar for `scope` (the team's: schedule.ics) as bytes: CRLF, folded, escaped
    by icalendar.

    Nothing depends on the clock or on chance: the same plan always gives the same bytes, and
    every event keeps its UID across re-renders, so a re-import updates instead of duplicating.
    """
    how = how or Publication()
    return events_calendar(plan, plan_events(plan, scope, how.uids), how)


def prep_calendar_bytes(plan: Plan, how: Publication | None = None) -> bytes:
    """prep.ics: the coordinator's prep tasks, each an all-day event on its due date."""
    how = how or Publication()
    name = f"Customer Service Week {plan.year} {DASH} prep for {plan.organization.team}"
    return events_calendar(plan, prep_events(plan, how.uids), replace(how, name=how.name or name))


def events_calendar(plan: Plan, events: Sequence[CalEvent], how: Publication) -> bytes:
    """A calendar of these events of the plan, published as `how` says."""
    team = plan.organization.team
    head = _head(plan.year, team, plan.organization.timezone, how.name, how.method)
    zone = _zone_block(plan.organization.timezone, *_zone_range([plan]))
    stamp = plan_stamp(plan)
    people = _people(how)
    blocks = [
        _event_block(event, how.revisions.get(event.uid), stamp, people, how.method) for event in events
    ]
    return head + zone + b"".join(blocks) + CALENDAR_END


def plan_stamp(plan: Plan) -> datetime:
    """The DTSTAMP of what never changed: the plan's own date, never the clock, so that the bytes
    do not change from one render to the next."""
    return datetime.combine(plan.week.start, time(), UTC)


def combined_calendar_bytes(
    plans: Sequence[Plan], name: str, calendars: Sequence[bytes] | None = None
) -> bytes:
    """Every team's events in one calendar, each in its team's own time zone.

    `calendars`, each plan's schedule.ics as calendar_bytes made it, spares making the events again.
    """
    head = _head(plans[0].year, plans[0].organization.team, None, name)
    first, last = _zone_range(plans)
    zones = sorted({plan.organization.timezone for plan in plans})
    parts = [head, *(_zone_block(zone, first, last) for zone in zones)]
    if calendars is None:
        calendars = [calendar_bytes(plan) for plan in plans]
    parts.extend(_events_of(calendar) for calendar in calendars)
    parts.append(CALENDAR_END)
    return b"".join(parts)


def _events_of(calendar: bytes) -> bytes:
    """The VEVENTs of a schedule.ics that calendar_bytes made: from the first to END:VCALENDAR."""
    start = calendar.find(b"\r\nBEGIN:VEVENT\r\n")
    if not calendar.endswith(CALENDAR_END):
        raise ValueError("not a calendar made by calendar_bytes")
    return b"" if start < 0 else calendar[start + 2 : -len(CALENDAR_END)]


def _zone_range(plans: Sequence[Plan]) -> tuple[date, date]:
    return min(plan.week.start for plan in plans), max(plan.week.end for plan in plans)


@lru_cache(maxsize=64)
def _head(
    year: int, team: str, timezone: str | None, name: str | None = None, method: str = "PUBLISH"
) -> bytes:
    """BEGIN:VCALENDAR and the calendar's own properties, up to its first component."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name or f"Customer Service Week {year} {DASH} {team}")
    if timezone:
        calendar.add("x-wr-timezone", timezone)
    whole = bytes(calendar.to_ical())
    return whole.removesuffix(CALENDAR_END)


@lru_cache(maxsize=64)
def _zone_block(zone: str, first: date, last: date) -> bytes:
    """The zone's VTIMEZONE from its last change of offset before `first` to its first after
    `last`: a STANDARD and a DAYLIGHT part where the zone has both (Outlook shifts events without
    the STANDARD part), and not the default 1970-2038 list, which vobject (inside Radicale) misreads.
    """
    if zone == "UTC":
        return b""  # times in UTC need no VTIMEZONE: they are written with a Z
    tzinfo = ZoneInfo(zone)
    before = _change(tzinfo, first, -1) or first - ZONE_MARGIN
    after = _change(tzinfo, last, +1)
    end = after + timedelta(days=1) if after else last + ZONE_MARGIN
    timezone = Timezone.from_tzinfo(tzinfo, zone, first_date=before, last_date=end)
    return bytes(timezone.to_ical())


def _change(zone: ZoneInfo, day: date, step: int) -> date | None:
    """The nearest day within a year from `day` (back or forward) on which the UTC offset changes."""

    def offset(of: date) -> timedelta | None:
        return datetime.combine(of, time(12), zone).utcoffset()

    for n in range(1, 367):
        here, nearer = day + timedelta(days=step * n), day + timedelta(days=step * (n - 1))
        if offset(here) != offset(nearer):
            return nearer if step < 0 else here
    return None


def _people(how: Publication) -> tuple[bytes, ...]:
    """ORGANIZER and, for an invitation, the ATTENDEE lines every event carries."""
    lines = []
    if how.organizer:
        lines.append(address_line("ORGANIZER", how.organizer))
    if how.attendee and how.method != "PUBLISH":
        lines.append(address_line("ATTENDEE", how.attendee, ROLE="REQ-PARTICIPANT", RSVP="FALSE"))
    return tuple(lines)


def address_line(name: str, person: str, **params: str) -> bytes:
    """ORGANIZER or ATTENDEE of "Name <address>": CN and mailto, folded by icalendar."""
    display, address = parseaddr(person)
    value = vCalAddress(f"mailto:{address}")
    if display:
        value.params["CN"] = display
    for key, param in params.items():
        value.params[key] = param
    return bytes(Contentline.from_parts(name, value.params, value).to_ical()) + b"\r\n"


def _event_block(
    event: CalEvent, revision: Revision | None, stamp: datetime, people: tuple[bytes, ...], method: str
) -> bytes:
    sequence, when = (revision.sequence, revision.stamp) if revision else (0, stamp)
    identity: list[Property] = [("DTSTAMP", when), ("UID", event.uid), ("SEQUENCE", sequence)]
    tail = list(event.tail)
    if method == "CANCEL":
        tail = [*tail, ("STATUS", "CANCELLED")]
    lines = [b"BEGIN:VEVENT\r\n"]
    lines.extend(content_line(name, value) for name, value in (*event.head, *identity))
    lines.extend(people)
    lines.extend(content_line(name, value) for name, value in tail)
    lines.append(b"END:VEVENT\r\n")
    return b"".join(lines)


def _key(value: object) -> Hashable:
    """A cache key that tells apart what compares equal but writes differently.

    An aware datetime equals the same instant in any other zone, and True equals 1.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        return (datetime, value.replace(tzinfo=None), str(value.tzinfo))
    return (type(value), value)


def content_line(name: str, value: object) -> bytes:
    """One property as a content line: folded, ending in CRLF, exactly as icalendar writes it.

    `value` is a str (TEXT), an int, a date, an aware datetime or a tuple of str (CATEGORIES).
    """
    return _line(name, _key(value))


@lru_cache(maxsize=1 << 16)
def _line(name: str, key: Hashable) -> bytes:
    # Made as Event.add would make it, without an Event per line: a test holds the two equal.
    value = _value_of(key)
    if isinstance(value, str):
        prop: Any = LiteralText(value)
    else:
        kind = Event.types_factory.for_property(name)
        prop = kind(list(value) if isinstance(value, tuple) else value)
    return fold(Contentline.from_parts(name, prop.params, prop)) + b"\r\n"


def fold(line: Contentline) -> bytes:
    """The line folded as icalendar folds it, at the same places, without its char-by-char walk.

    Chunks of at most 74 octets; a chunk never ends on a backslash or a caret (icalendar's rule, so
    that an escape stays whole). Lines with non-ASCII text, where octets are not characters, are
    left to icalendar.
    """
    text = str(line)
    if not text.isascii():
        return bytes(line.to_ical())  # type: ignore[no-untyped-call]
    chunks, start = [], 0
    while len(text) - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        if text[end - 1] in "\\^" and end - 1 > start:
            end -= 1
        chunks.append(text[start:end])
        start = end
    chunks.append(text[start:])
    return "\r\n ".join(chunks).encode("ascii")


def _value_of(key: Hashable) -> object:
    assert isinstance(key, tuple)
    if key[0] is datetime and len(key) == 3:
        _, naive, zone = key
        return naive.replace(tzinfo=UTC if zone == "UTC" else ZoneInfo(zone))
    return key[1]
