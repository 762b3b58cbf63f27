"""The events of a plan's calendars, before they are written: the team's, one rep's, the prep list's.

An event is its UID and its properties in the order icalendar writes them: SUMMARY, DTSTART and
DTEND (the head), then DTSTAMP, UID and SEQUENCE (added when the calendar is written, since they
say when and how often it was published, not what it holds), then the rest by name (the tail).
Its digest covers the head and the tail: what a reader sees, so a change there is a new version.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from csw.core.slugs import slug
from csw.ideas.bank import Format, Idea
from csw.plan.model import Activity, Day, Plan, PrepItem, Session, Touchpoint
from csw.settings.config import Mode, clock_minutes

WEEK_CATEGORY = "Customer Service Week"
PREP_CATEGORY = "CSW prep"
YEAR_ROUND_CATEGORY = "CSW year-round"
DASH = "\N{EN DASH}"

# One property of an event: its name and a Python value (str, int, date, aware datetime, or a
# tuple of str for CATEGORIES).
Property = tuple[str, object]
SessionKey = tuple[date, str, str, int]  # day, idea, shift, wave


@dataclass(frozen=True)
class CalEvent:
    uid: str
    head: tuple[Property, ...]
    tail: tuple[Property, ...]
    # what the digest is of, when not the event itself: a rep's own wave is digested as the team
    # calendar's event of that wave, so that one version of an event has one digest everywhere
    basis: tuple[tuple[Property, ...], tuple[Property, ...]] | None = field(default=None, compare=False)

    @cached_property
    def digest(self) -> str:
        text = repr(self.basis or (self.head, self.tail)).encode("utf-8")
        return hashlib.blake2b(text, digest_size=8).hexdigest()

    def value(self, name: str) -> object:
        return next((value for key, value in (*self.head, *self.tail) if key == name), None)

    @property
    def summary(self) -> str:
        return str(self.value("SUMMARY"))

    @property
    def start(self) -> date | datetime:
        start = self.value("DTSTART")
        assert isinstance(start, date)
        return start


@dataclass(frozen=True)
class Scope:
    """Whose calendar: every shift and wave (the team's), or one rep's shift and own sessions.

    `sessions` None: every session of the shift (a rep whose waves nobody assigned); otherwise
    only the sessions that take reps off the queue that this rep is in, besides the shift's desk
    items. `year_round`: the touchpoints of the months after the week.
    """

    shift: str | None = None
    sessions: frozenset[SessionKey] | None = None
    year_round: bool = True

    @property
    def personal(self) -> bool:
        return self.sessions is not None

    def holds(self, day: date, idea: str, session: Session) -> bool:
        if self.shift is not None and session.shift != self.shift:
            return False
        if session.reps == 0 or self.sessions is None:
            return True
        return (day, idea, session.shift, session.wave) in self.sessions


TEAM = Scope()


@dataclass(frozen=True)
class UidNames:
    """What every event UID of a plan is made of besides the event's own key: csw-YEAR-team before
    it, the domain after the @. Fixed when the calendars first go out (csw.mail.published keeps
    it), so that renaming the team or changing the domain later does not make every event new."""

    prefix: str
    domain: str


def uid_names(plan: Plan) -> UidNames:
    """The plan's own UidNames, from its year, team and domain."""
    return UidNames(f"csw-{plan.year}-{slug(plan.organization.team)}", plan.organization.domain)


def plan_events(plan: Plan, scope: Scope = TEAM, names: UidNames | None = None) -> list[CalEvent]:
    """The week's events for `scope`: the all-week items, the themed days, the sessions and the
    year-round touchpoints. The prep tasks are the coordinator's: see `prep_events`. `names`: the
    UIDs' names as first published, else the plan's own."""
    return list(_Events(plan, scope, names or uid_names(plan)).week())


def prep_events(plan: Plan, names: UidNames | None = None) -> list[CalEvent]:
    """The coordinator's to-do list as all-day events, each on its due date."""
    maker = _Events(plan, TEAM, names or uid_names(plan))
    return [maker.prep(item) for item in plan.prep]


@dataclass
class _Events:
    """Makes the plan's events, handing out UIDs that are stable and unique within the file."""

    plan: Plan
    scope: Scope
    names: UidNames
    taken: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.plan.organization.timezone)

    def week(self) -> Iterator[CalEvent]:
        for idea_id in self.plan.all_week:
            yield self.week_long(idea_id)
        for day in self.plan.days:
            yield self.themed_day(day)
            for activity in day.activities:
                yield from self.sessions(day.date, activity)
        for point in self.plan.year_round if self.scope.year_round else ():
            yield self.touchpoint(point)

    def touchpoint(self, point: Touchpoint) -> CalEvent:
        idea = self.plan.idea(point.idea)
        return self.all_day(
            f"{idea.title} (year-round appreciation)",
            point.date,
            f"year-round-{point.date}-{idea.id}",
            ("CATEGORIES", (YEAR_ROUND_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
        )

    def week_long(self, idea_id: str) -> CalEvent:
        """An item that runs from the first day to the last, as one all-day event over the week."""
        idea = self.plan.idea(idea_id)
        start, end = self.plan.week.start, self.plan.week.end
        head = (
            ("SUMMARY", f"{idea.title} (all week)"),
            ("DTSTART", start),
            ("DTEND", end + timedelta(days=1)),
        )
        tail = (
            ("CATEGORIES", (WEEK_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
            ("TRANSP", "TRANSPARENT"),
        )
        return CalEvent(self.uid(f"all-week-{idea.id}"), head, tail)

    def themed_day(self, day: Day) -> CalEvent:
        idea = self.plan.idea(day.theme)
        return self.all_day(
            f"{idea.title} (Customer Service Week)",
            day.date,
            f"{day.date}-{idea.id}",
            ("CATEGORIES", (WEEK_CATEGORY, idea.category.value)),
            ("DESCRIPTION", idea_text(idea)),
            *_optional("LOCATION", idea.location),
        )

    def sessions(self, day: date, activity: Activity) -> Iterator[CalEvent]:
        idea = self.plan.idea(activity.idea)
        waves = Counter(session.shift for session in activity.sessions)
        location = idea.location or ("Online" if self.plan.team.mode is Mode.remote else None)
        for session in activity.sessions:
            key = f"{day}-{idea.id}-{slug(session.shift)}-w{session.wave}"
            uid = self.uid(key)  # taken for every session: a rep's UIDs are the team calendar's
            if not self.scope.holds(day, activity.idea, session):
                continue
            when = (("DTSTART", self.local(day, session.start)), ("DTEND", self.local(day, session.end)))
            category = ("CATEGORIES", (WEEK_CATEGORY, idea.category.value))
            where = _optional("LOCATION", location)
            team = (
                (("SUMMARY", session_summary(idea, session, waves[session.shift])), *when),
                (category, ("DESCRIPTION", session_text(idea, session)), *where),
            )
            if not (self.scope.personal and session.reps > 0):
                yield CalEvent(uid, *team)
                continue
            head = (("SUMMARY", own_summary(idea, session)), *when)
            tail = (category, ("DESCRIPTION", own_text(idea, session)), *where)
            yield CalEvent(uid, head, tail, basis=team)

    def prep(self, item: PrepItem) -> CalEvent:
        idea = self.plan.idea(item.idea)
        # The task's text, not its position: adding or dropping another task keeps this UID.
        return self.all_day(
            f"Prep: {item.task}",
            item.due,
            f"prep-{idea.id}-{_digest(item.task)}",
            ("CATEGORIES", (PREP_CATEGORY,)),
            ("DESCRIPTION", f"For {idea.title}: {idea.summary}"),
        )

    def all_day(self, summary: str, day: date, key: str, *tail: Property) -> CalEvent:
        head = (("SUMMARY", summary), ("DTSTART", day), ("DTEND", day + timedelta(days=1)))
        # all-day markers must not show the whole day as busy
        tail = tuple(sorted((*tail, ("TRANSP", "TRANSPARENT")), key=lambda p: p[0]))
        return CalEvent(self.uid(key), head, tail)

    def uid(self, key: str) -> str:
        # A hand-edited plan can list an idea or a wave twice: number the repeats, in plan order.
        base, domain = f"{self.names.prefix}-{key}", self.names.domain
        uid, repeat = f"{base}@{domain}", 1
        while uid in self.taken:
            repeat += 1
            uid = f"{base}-{repeat}@{domain}"
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
    wave = f" {DASH} {_part(idea)} {session.wave} of {waves}" if waves > 1 else ""
    return f"{idea.title}{wave} ({session.shift} shift)"


def own_summary(idea: Idea, session: Session) -> str:
    """'Recharge Room, en dash, your slot (day shift)': the session a rep is in."""
    return f"{idea.title} {DASH} your {_part(idea)} ({session.shift} shift)"


def session_text(idea: Idea, session: Session) -> str:
    """The idea's text, and how many reps this wave takes off the phones when it takes any."""
    if session.reps == 0:
        return idea_text(idea)
    reps = f"{session.reps} rep" + ("s" if session.reps != 1 else "")
    return f"{idea_text(idea)}\n\nOff the phones in this wave: {reps} of the {session.shift} shift."


def own_text(idea: Idea, session: Session) -> str:
    when = f"{session.start}{DASH}{session.end}"
    return f"Your {_part(idea)}: {when}. The rest of the shift keeps the phones covered.\n\n{idea_text(idea)}"


def _part(idea: Idea) -> str:
    return "slot" if idea.format is Format.appointments else "wave"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
