"""schedule.ics: the plan's themed days, activity sessions and prep tasks, built with icalendar.

Only this module imports icalendar, and only the ICS renderer imports this module, so commands
that write no calendar start without it.

Every content line is made by icalendar (value types, parameters, escaping but for the one fix in
LiteralText) and every VTIMEZONE by its `Timezone.from_tzinfo`; this module puts the lines in order
and folds ASCII lines at the places icalendar would (a test holds the two to the byte). Lines are
made through a cache: an organisation of a thousand teams repeats the same descriptions, dates and
categories tens of thousands of times, and building an icalendar `Event` per event was most of
the time `csw plan` took for it (see tests/benchmarks/teams.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vText
from icalendar.parser import Contentline

from csw.config import Mode, clock_minutes
from csw.ideas import Format, Idea
from csw.plan import Activity, Day, Plan, PrepItem, Session, Touchpoint
from csw.views import slug

PRODID = "-//csw//Customer Service Week planner//EN"
WEEK_CATEGORY = "Customer Service Week"
PREP_CATEGORY = "CSW prep"
YEAR_ROUND_CATEGORY = "CSW year-round"
DASH = "\N{EN DASH}"
# The VTIMEZONE covers only the timed events (all in the week) and this margin either side: the
# default 1970-2038 list of transitions is misread by vobject, the parser inside Radicale.
ZONE_MARGIN = timedelta(days=7)
CALENDAR_END = b"END:VCALENDAR\r\n"
FOLD_OCTETS = 74  # what icalendar puts on a line before the CRLF and the space of a fold

# One property of an event: its name and a Python value (str, int, date, aware datetime, or a
# tuple of str for CATEGORIES).
Property = tuple[str, object]


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


def calendar_bytes(plan: Plan) -> bytes:
    """The plan as schedule.ics bytes (CRLF, folded, escaped by icalendar).

    Nothing depends on the clock or on chance: the same plan always gives the same bytes, and
    every event keeps its UID across re-renders, so a re-import updates instead of duplicating.
    """
    head = _head(plan.year, plan.organization.team, plan.organization.timezone)
    zone = _zone_block(plan.organization.timezone, *_zone_range([plan]))
    return head + zone + _event_blocks(plan) + CALENDAR_END


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
        parts.extend(_event_blocks(plan) for plan in plans)
    else:
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
    return (
        min(plan.week.start for plan in plans) - ZONE_MARGIN,
        max(plan.week.end for plan in plans) + ZONE_MARGIN,
    )


@lru_cache(maxsize=64)
def _head(year: int, team: str, timezone: str | None, name: str | None = None) -> bytes:
    """BEGIN:VCALENDAR and the calendar's own properties, up to its first component."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or f"Customer Service Week {year} {DASH} {team}")
    if timezone:
        calendar.add("x-wr-timezone", timezone)
    whole = bytes(calendar.to_ical())
    return whole.removesuffix(CALENDAR_END)


@lru_cache(maxsize=64)
def _zone_block(zone: str, first: date, last: date) -> bytes:
    """The zone's VTIMEZONE with only the transitions between first and last."""
    if zone == "UTC":
        return b""  # times in UTC need no VTIMEZONE: they are written with a Z
    timezone = Timezone.from_tzinfo(ZoneInfo(zone), zone, first_date=first, last_date=last)
    return bytes(timezone.to_ical())


def _event_blocks(plan: Plan) -> bytes:
    lines: list[bytes] = []
    for properties in _Events(plan).all():
        lines.append(b"BEGIN:VEVENT\r\n")
        lines.extend(content_line(name, value) for name, value in properties)
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


@dataclass
class _Events:
    """Makes the plan's events, handing out UIDs that are stable and unique within the file.

    An event is its properties in the order icalendar writes them: SUMMARY, DTSTART, DTEND,
    DTSTAMP, UID, SEQUENCE, then the rest by name.
    """

    plan: Plan
    taken: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.plan.organization.timezone)
        # The plan's own date, never the clock: the bytes must not change from one render to the next.
        self.stamp = datetime.combine(self.plan.week.start, time(), UTC)
        self.prefix = f"csw-{self.plan.year}-{slug(self.plan.organization.team)}"

    def all(self) -> Iterator[list[Property]]:
        for idea_id in self.plan.all_week:
            yield self.week_long(idea_id)
        for day in self.plan.days:
            yield self.themed_day(day)
            for activity in day.activities:
                yield from self.sessions(day.date, activity)
        for item in self.plan.prep:
            yield self.prep(item)
        for point in self.plan.year_round:
            yield self.touchpoint(point)

    def touchpoint(self, point: Touchpoint) -> list[Property]:
        idea = self.plan.idea(point.idea)
        summary = f"{idea.title} (year-round appreciation)"
        return [
            *self.all_day(summary, point.date, f"year-round-{point.date}-{idea.id}"),
            ("CATEGORIES", (YEAR_ROUND_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
            ("TRANSP", "TRANSPARENT"),
        ]

    def week_long(self, idea_id: str) -> list[Property]:
        """An item that runs from the first day to the last, as one all-day event over the week."""
        idea = self.plan.idea(idea_id)
        start, end = self.plan.week.start, self.plan.week.end
        return [
            ("SUMMARY", f"{idea.title} (all week)"),
            ("DTSTART", start),
            ("DTEND", end + timedelta(days=1)),
            *self.identity(f"all-week-{idea.id}"),
            ("CATEGORIES", (WEEK_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
            ("TRANSP", "TRANSPARENT"),
        ]

    def themed_day(self, day: Day) -> list[Property]:
        idea = self.plan.idea(day.theme)
        summary = f"{idea.title} (Customer Service Week)"
        return [
            *self.all_day(summary, day.date, f"{day.date}-{idea.id}"),
            ("CATEGORIES", (WEEK_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
            *_optional("LOCATION", idea.location),
            ("TRANSP", "TRANSPARENT"),
        ]

    def sessions(self, day: date, activity: Activity) -> Iterator[list[Property]]:
        idea = self.plan.idea(activity.idea)
        waves = Counter(session.shift for session in activity.sessions)
        location = idea.location or ("Online" if self.plan.team.mode is Mode.remote else None)
        for session in activity.sessions:
            key = f"{day}-{idea.id}-{slug(session.shift)}-w{session.wave}"
            yield [
                ("SUMMARY", session_summary(idea, session, waves[session.shift])),
                ("DTSTART", self.local(day, session.start)),
                ("DTEND", self.local(day, session.end)),
                *self.identity(key),
                ("CATEGORIES", (WEEK_CATEGORY, idea.category.value)),
                ("DESCRIPTION", session_text(idea, session)),
                *_optional("LOCATION", location),
            ]

    def prep(self, item: PrepItem) -> list[Property]:
        idea = self.plan.idea(item.idea)
        # The task's text, not its position: adding or dropping another task keeps this UID.
        key = f"prep-{idea.id}-{_digest(item.task)}"
        return [
            *self.all_day(f"Prep: {item.task}", item.due, key),
            ("CATEGORIES", (PREP_CATEGORY,)),
            ("DESCRIPTION", f"For {idea.title}: {idea.summary}"),
            ("TRANSP", "TRANSPARENT"),  # all-day markers must not show the whole day as busy
        ]

    def all_day(self, summary: str, day: date, key: str) -> list[Property]:
        return [
            ("SUMMARY", summary),
            ("DTSTART", day),
            ("DTEND", day + timedelta(days=1)),
            *self.identity(key),
        ]

    def identity(self, key: str) -> list[Property]:
        return [("DTSTAMP", self.stamp), ("UID", self.uid(key)), ("SEQUENCE", 0)]

    def uid(self, key: str) -> str:
        # A hand-edited plan can list an idea or a wave twice: number the repeats, in plan order.
        base = f"{self.prefix}-{key}"
        uid, repeat = f"{base}@{self.plan.organization.domain}", 1
        while uid in self.taken:
            repeat += 1
            uid = f"{base}-{repeat}@{self.plan.organization.domain}"
        self.taken.add(uid)
        return uid

    def local(self, day: date, clock: str) -> datetime:
        # Wall-clock arithmetic on purpose: "09:00" is 09:00 local whatever the UTC offset; "24:00"
        # is midnight at the end of the day.
        return datetime.combine(day, time(), self.zone) + timedelta(minutes=clock_minutes(clock))


def _optional(name: str, value: str | None) -> list[Property]:
    return [(name, value)] if value else []


def idea_text(idea: Idea) -> str:
    """An idea's summary, a blank line, and its how-to (Markdown, left as text)."""
    return f"{idea.summary}\n\n{idea.how_to.rstrip()}"


def session_summary(idea: Idea, session: Session, waves: int) -> str:
    """'Breakfast Buffet, en dash, wave 2 of 4 (day shift)'; no wave part when the shift has one wave."""
    part = "slot" if idea.format is Format.appointments else "wave"
    wave = f" {DASH} {part} {session.wave} of {waves}" if waves > 1 else ""
    return f"{idea.title}{wave} ({session.shift} shift)"


def session_text(idea: Idea, session: Session) -> str:
    """The idea's text, and how many reps this wave takes off the phones when it takes any."""
    if session.reps == 0:
        return idea_text(idea)
    reps = f"{session.reps} rep" + ("s" if session.reps != 1 else "")
    return f"{idea_text(idea)}\n\nOff the phones in this wave: {reps} of the {session.shift} shift."


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
