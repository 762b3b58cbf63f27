"""schedule.ics: the plan's themed days, activity sessions and prep tasks, built with icalendar.

Only this module imports icalendar, and only the ICS renderer imports this module, so commands
that write no calendar start without it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from csw.config import Mode, clock_minutes
from csw.ideas import Idea
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


def calendar_bytes(plan: Plan) -> bytes:
    """The plan as schedule.ics bytes (CRLF, folded, escaped by icalendar).

    Nothing depends on the clock or on chance: the same plan always gives the same bytes, and
    every event keeps its UID across re-renders, so a re-import updates instead of duplicating.
    """
    calendar = _calendar(plan)
    for event in _Events(plan).all():
        calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=plan.week.start - ZONE_MARGIN, last_date=plan.week.end + ZONE_MARGIN
    )
    return bytes(calendar.to_ical())


def combined_calendar_bytes(plans: Sequence[Plan], name: str) -> bytes:
    """Every team's events in one calendar, each in its team's own time zone."""
    calendar = _calendar(plans[0])
    calendar["x-wr-calname"] = name
    del calendar["x-wr-timezone"]
    for plan in plans:
        for event in _Events(plan).all():
            calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=min(p.week.start for p in plans) - ZONE_MARGIN,
        last_date=max(p.week.end for p in plans) + ZONE_MARGIN,
    )
    return bytes(calendar.to_ical())


def _calendar(plan: Plan) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Customer Service Week {plan.year} {DASH} {plan.organization.team}")
    calendar.add("x-wr-timezone", plan.organization.timezone)
    return calendar


@dataclass
class _Events:
    """Makes the plan's events, handing out UIDs that are stable and unique within the file."""

    plan: Plan
    taken: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.plan.organization.timezone)
        # The plan's own date, never the clock: the bytes must not change from one render to the next.
        self.stamp = datetime.combine(self.plan.week.start, time(), UTC)
        self.prefix = f"csw-{self.plan.year}-{slug(self.plan.organization.team)}"

    def all(self) -> Iterator[Event]:
        for day in self.plan.days:
            yield self.themed_day(day)
            for activity in day.activities:
                yield from self.sessions(day.date, activity)
        for item in self.plan.prep:
            yield self.prep(item)
        for point in self.plan.year_round:
            yield self.touchpoint(point)

    def touchpoint(self, point: Touchpoint) -> Event:
        idea = self.plan.idea(point.idea)
        event = self.event(f"year-round-{point.date}-{idea.id}", f"{idea.title} (year-round appreciation)")
        event.add("description", idea_text(idea))
        event.add("categories", [YEAR_ROUND_CATEGORY, idea.category.value])
        _all_day(event, point.date)
        return event

    def themed_day(self, day: Day) -> Event:
        idea = self.plan.idea(day.theme)
        event = self.event(f"{day.date}-{idea.id}", f"{idea.title} (Customer Service Week)")
        event.add("description", idea_text(idea))
        event.add("categories", [WEEK_CATEGORY, idea.category.value])
        _all_day(event, day.date)
        if idea.location:
            event.add("location", idea.location)
        return event

    def sessions(self, day: date, activity: Activity) -> Iterator[Event]:
        idea = self.plan.idea(activity.idea)
        waves = Counter(session.shift for session in activity.sessions)
        for session in activity.sessions:
            key = f"{day}-{idea.id}-{slug(session.shift)}-w{session.wave}"
            event = self.event(key, session_summary(idea, session, waves[session.shift]))
            event.add("description", session_text(idea, session))
            event.add("categories", [WEEK_CATEGORY, idea.category.value])
            event.add("dtstart", self.local(day, session.start))
            event.add("dtend", self.local(day, session.end))
            location = idea.location or ("Online" if self.plan.team.mode is Mode.remote else None)
            if location:
                event.add("location", location)
            yield event

    def prep(self, item: PrepItem) -> Event:
        idea = self.plan.idea(item.idea)
        # The task's text, not its position: adding or dropping another task keeps this UID.
        event = self.event(f"prep-{idea.id}-{_digest(item.task)}", f"Prep: {item.task}")
        event.add("description", f"For {idea.title}: {idea.summary}")
        event.add("categories", [PREP_CATEGORY])
        _all_day(event, item.due)
        return event

    def event(self, key: str, summary: str) -> Event:
        event = Event()
        event.add("uid", self.uid(key))
        event.add("dtstamp", self.stamp)
        event.add("sequence", 0)
        event.add("summary", summary)
        return event

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


def _all_day(event: Event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    # All-day markers must not show the whole day as busy.
    event.add("transp", "TRANSPARENT")


def idea_text(idea: Idea) -> str:
    """An idea's summary, a blank line, and its how-to (Markdown, left as text)."""
    return f"{idea.summary}\n\n{idea.how_to.rstrip()}"


def session_summary(idea: Idea, session: Session, waves: int) -> str:
    """'Breakfast Buffet, en dash, wave 2 of 4 (day shift)'; no wave part when the shift has one wave."""
    wave = f" {DASH} wave {session.wave} of {waves}" if waves > 1 else ""
    return f"{idea.title}{wave} ({session.shift} shift)"


def session_text(idea: Idea, session: Session) -> str:
    """The idea's text, and how many reps this wave takes off the phones when it takes any."""
    if session.reps == 0:
        return idea_text(idea)
    reps = f"{session.reps} rep" + ("s" if session.reps != 1 else "")
    return f"{idea_text(idea)}\n\nOff the phones in this wave: {reps} of the {session.shift} shift."


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
