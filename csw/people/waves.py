"""Waves of real people: every rep of a shift in one session of each activity that takes them off
the queue, never two at once, never more of the shift away at any minute than the phones allow.

The rules, for each day and each shift:

- Each activity's away sessions (reps > 0) share the shift's eligible reps: every rep in exactly
  one, as even as the capacity and the phone share let. Eligible: the shift's reps, less its
  remote reps where the idea leaves them out (they get its remote form). A live activity seats as
  many as its session holds; the rest stay on the queue and watch the recording.
- At any minute, at most `cap` of the shift's reps are away, counted from the people assigned,
  whatever the sessions of an edited plan overlap: cap = max_off_phones x reps, rounded down, and
  at least 1. A rep's sessions never overlap.
- The order is a seeded shuffle (the plan's seed, the day, the idea, the shift), then rotation:
  who has been in a first wave least often, then who has been latest on average, goes first. So
  the same people are not always first, and the same plan gives the same waves on every machine.
- With `keep` (the assignment in roster.csv), every rep first keeps their session where it still
  exists and the rules still hold; only the others are placed anew.

Whoever cannot be placed is in `Assignment.unplaced`, with the reason and what to do.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from csw.ideas.model import Format, Idea
from csw.plan.model import Day, Plan, Session
from csw.settings.config import clock_minutes


@dataclass(frozen=True)
class Member:
    """One person of the roster, as the waves see them."""

    email: str
    name: str
    shift: str | None  # a name of plan.team.shifts; always set for a rep
    role: str | None
    team: str | None
    remote: bool
    rep: bool  # takes calls and goes in waves
    cover: bool  # not a rep, but on the phones while reps are away
    line: int = 0

    @property
    def key(self) -> str:
        return self.email.casefold()


@dataclass(frozen=True, order=True)
class Slot:
    """One rep in one session: `wave` of `idea` in `shift` on `day`, from `start` to `end`."""

    day: date
    start: str
    shift: str
    idea: str
    wave: int
    end: str
    email: str

    @property
    def session(self) -> tuple[date, str, str, int, str, str]:
        """What names the session in the plan: day, idea, shift, wave, start, end."""
        return (self.day, self.idea, self.shift, self.wave, self.start, self.end)


@dataclass(frozen=True)
class Unplaced:
    """A rep without a session of an activity of their shift, and why (`reason` says what to do).

    `kind`: "recording" (a live activity they watch recorded, while on the queue: as planned),
    "full" (no session has room under the capacity and the phone share), "clash" (every session
    with room is at a time they are in another one).
    """

    day: date
    idea: str
    shift: str
    email: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Assignment:
    """Who is in which session. Emails are matched ignoring case."""

    slots: tuple[Slot, ...]
    unplaced: tuple[Unplaced, ...] = ()  # "full" and "clash": someone has to act
    recording: tuple[Unplaced, ...] = ()  # on the queue during a live activity, as planned

    @cached_property
    def _by_email(self) -> dict[str, tuple[Slot, ...]]:
        found: dict[str, list[Slot]] = {}
        for slot in self.slots:
            found.setdefault(slot.email.casefold(), []).append(slot)
        return {key: tuple(sorted(slots, key=_in_time)) for key, slots in found.items()}

    def of(self, email: str) -> tuple[Slot, ...]:
        """The rep's sessions, in time order."""
        return self._by_email.get(email.casefold(), ())

    def slot(self, email: str, day: date, idea: str) -> Slot | None:
        """The rep's session of `idea` on `day`, if any."""
        return next((s for s in self.of(email) if s.day == day and s.idea == idea), None)

    def watching(self, email: str, day: date, idea: str) -> Unplaced | None:
        """Why the rep has no session of `idea` on `day` (a recording, or a problem), if they have none."""
        key = email.casefold()
        return next(
            (
                u
                for u in (*self.recording, *self.unplaced)
                if u.day == day and u.idea == idea and u.email.casefold() == key
            ),
            None,
        )

    def away(self, day: date, shift: str) -> tuple[Slot, ...]:
        """Every rep's session in `shift` on `day`, by start, activity, wave and address."""
        return tuple(sorted((s for s in self.slots if s.day == day and s.shift == shift), key=_in_time))

    def people(self, day: date, idea: str, shift: str, wave: int) -> tuple[str, ...]:
        """The addresses in one session."""
        return tuple(
            s.email for s in self.slots if (s.day, s.idea, s.shift, s.wave) == (day, idea, shift, wave)
        )


def _in_time(slot: Slot) -> tuple[date, int, int, str, int, str]:
    return (
        slot.day,
        clock_minutes(slot.start),
        clock_minutes(slot.end),
        slot.idea,
        slot.wave,
        slot.email.casefold(),
    )


def shift_cap(share: float, reps: int) -> int:
    """How many of a shift's `reps` may be off the phones at once (at least one, when there are reps)."""
    return max(int(share * reps + 1e-9), 1) if reps else 0


_Key = tuple[date, str, str, int, str, str]
_Span = tuple[int, int]


def assign(plan: Plan, members: Iterable[Member], *, keep: Assignment | None = None) -> Assignment:
    """Every rep of the plan's shifts in their sessions; see the module's rules."""
    reps: dict[str, list[Member]] = {shift.name: [] for shift in plan.team.shifts}
    for member in members:
        if member.rep and member.shift in reps:
            reps[member.shift].append(member)
    kept: dict[_Key, list[str]] = defaultdict(list)
    for slot in keep.slots if keep else ():
        kept[slot.session].append(slot.email.casefold())
    turns: dict[str, _Turns] = defaultdict(_Turns)
    found = _Found()
    for day in sorted(plan.days, key=lambda d: d.date):
        for shift, people in reps.items():
            if people:
                _DayShift(plan, day, shift, people, turns, found).run(kept)
    return Assignment(
        slots=tuple(sorted(found.slots)),
        unplaced=tuple(sorted(found.unplaced, key=_missed)),
        recording=tuple(sorted(found.recording, key=_missed)),
    )


def _missed(miss: Unplaced) -> tuple[date, str, str, str]:
    return (miss.day, miss.shift, miss.idea, miss.email.casefold())


@dataclass
class _Found:
    slots: list[Slot] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    recording: list[Unplaced] = field(default_factory=list)


@dataclass
class _Turns:
    """A rep's places so far this week: how often first, how late on average, how often live."""

    firsts: int = 0
    lateness: float = 0.0
    runs: int = 0
    live: int = 0

    def order(self) -> tuple[int, float]:
        return (self.firsts, -(self.lateness / self.runs if self.runs else 0.5))


@dataclass
class _Run:
    """One activity's away sessions in one shift on one day, and who is in each."""

    idea: Idea
    sessions: list[Session]
    eligible: list[Member]
    spans: list[_Span] = field(default_factory=list)
    people: list[list[Member]] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.spans = [(clock_minutes(s.start), clock_minutes(s.end)) for s in self.sessions]
        self.people = [[] for _ in self.sessions]


class _Load:
    """People away at each minute of a day's shift, kept on the segments between session edges."""

    def __init__(self, spans: Iterable[_Span]) -> None:
        self.edges = sorted({minute for span in spans for minute in span})
        self.count = [0] * max(len(self.edges) - 1, 0)

    def _segments(self, span: _Span) -> range:
        return range(bisect_left(self.edges, span[0]), bisect_left(self.edges, span[1]))

    def peak(self, span: _Span) -> int:
        return max((self.count[i] for i in self._segments(span)), default=0)

    def add(self, span: _Span) -> None:
        for i in self._segments(span):
            self.count[i] += 1


class _DayShift:
    def __init__(
        self, plan: Plan, day: Day, shift: str, people: list[Member], turns: dict[str, _Turns], found: _Found
    ) -> None:
        self.plan, self.day, self.shift, self.turns, self.found = plan, day.date, shift, turns, found
        self.reps = len(people)
        self.cap = shift_cap(plan.team.max_off_phones, self.reps)
        self.busy: dict[str, list[_Span]] = defaultdict(list)
        self.runs = self._runs(day, people)
        self.load = _Load(span for run in self.runs for span in run.spans)

    def _runs(self, day: Day, people: list[Member]) -> list[_Run]:
        sessions: dict[str, list[Session]] = {}
        recorded: set[str] = set()
        for activity in day.activities:
            own = [s for s in activity.sessions if s.shift == self.shift and s.reps > 0]
            sessions.setdefault(activity.idea, []).extend(own)
            if self.shift in activity.recorded_for:
                recorded.add(activity.idea)
        runs = []
        for idea_id, own in sessions.items():
            idea = self.plan.ideas[idea_id]
            leave_out = idea.leaves_out_remote_reps(self.plan.team.mode)
            eligible = [m for m in people if not (leave_out and m.remote)]
            if idea_id in recorded and not own:
                reason = (
                    f"{idea.title} has no live session for the {self.shift} shift: they watch the recording"
                )
                self._miss(idea, eligible, "recording", reason)
            elif own and eligible:
                own.sort(key=lambda s: (clock_minutes(s.start), s.wave))
                runs.append(_Run(idea, own, eligible))
        return sorted(runs, key=lambda r: (r.spans[0][0], r.idea.id))

    def run(self, kept: dict[_Key, list[str]]) -> None:
        for run in self.runs:  # first everyone who keeps their session, in every activity
            by_key = {m.key: m for m in run.eligible}
            for j, session in enumerate(run.sessions):
                key = (self.day, run.idea.id, self.shift, session.wave, session.start, session.end)
                for email in sorted(kept.get(key, ())):
                    member = by_key.get(email)
                    if member and member.key not in run.placed and self._fits(run, j, member):
                        self._place(run, j, member)
        for run in self.runs:
            rest = self._order(run, [m for m in run.eligible if m.key not in run.placed])
            if run.idea.format is Format.live:
                self._seat(run, rest)
            else:
                self._fill(run, rest)
                self._rotate(run)

    def _order(self, run: _Run, rest: list[Member]) -> list[Member]:
        order = sorted(rest, key=lambda m: m.key)
        random.Random(f"{self.plan.seed}:{self.day}:{run.idea.id}:{self.shift}").shuffle(order)
        if run.idea.format is Format.live:
            return sorted(order, key=lambda m: self.turns[m.key].live)
        return sorted(order, key=lambda m: self.turns[m.key].order())

    def _room(self, run: _Run, j: int) -> int:
        held = (run.idea.capacity or self.reps) - len(run.people[j])
        return min(held, self.cap - self.load.peak(run.spans[j]))

    def _free(self, member: Member, span: _Span) -> bool:
        return all(span[1] <= start or end <= span[0] for start, end in self.busy[member.key])

    def _fits(self, run: _Run, j: int, member: Member) -> bool:
        return self._room(run, j) > 0 and self._free(member, run.spans[j])

    def _place(self, run: _Run, j: int, member: Member) -> None:
        run.people[j].append(member)
        run.placed.add(member.key)
        self.busy[member.key].append(run.spans[j])
        self.load.add(run.spans[j])
        session = run.sessions[j]
        self.found.slots.append(
            Slot(self.day, session.start, self.shift, run.idea.id, session.wave, session.end, member.email)
        )

    def _targets(self, run: _Run, count: int) -> list[int]:
        """How many more each session takes: the sizes as even as the rooms let, extras to later waves."""
        rooms = [max(self._room(run, j), 0) for j in range(len(run.sessions))]
        give = [0] * len(rooms)
        for _ in range(count):
            open_ = [j for j, room in enumerate(rooms) if give[j] < room]
            if not open_:
                break
            j = min(open_, key=lambda j: (len(run.people[j]) + give[j], -j))
            give[j] += 1
        return give

    def _fill(self, run: _Run, rest: list[Member]) -> None:
        need = self._targets(run, len(rest))
        every = range(len(run.sessions))
        for index, member in enumerate(rest):
            if not any(self._room(run, j) > 0 for j in every):  # rooms only shrink: the rest miss too
                self._miss(run.idea, rest[index:], "full", self._full(run))
                return
            j = next((j for j in every if need[j] > 0 and self._fits(run, j, member)), None)
            if j is not None:
                need[j] -= 1
            else:
                fits = [j for j in every if self._fits(run, j, member)]
                j = min(fits, key=lambda j: (len(run.people[j]), j)) if fits else None
            if j is not None:
                self._place(run, j, member)
            else:
                self._miss(run.idea, [member], "clash", _CLASH)

    def _seat(self, run: _Run, rest: list[Member]) -> None:
        for member in rest:
            j = next((j for j in range(len(run.sessions)) if self._fits(run, j, member)), None)
            if j is None:
                seats = sum(len(p) for p in run.people)
                reason = (
                    f"{run.idea.title} is live for {seats}: they stay on the queue and watch the recording"
                )
                self._miss(run.idea, [member], "recording", reason)
            else:
                self._place(run, j, member)
                self.turns[member.key].live += 1

    def _rotate(self, run: _Run) -> None:
        last = len(run.sessions) - 1
        if last < 1:
            return
        for j, people in enumerate(run.people):
            for member in people:
                turn = self.turns[member.key]
                turn.runs += 1
                turn.lateness += j / last
                turn.firsts += j == 0

    def _full(self, run: _Run) -> str:
        limit = f"at most {self.cap} of the shift's {self.reps} reps off the phones at once"
        if run.idea.capacity:
            limit += f", {run.idea.capacity} in a session"
        return (
            f"every session is full ({limit}); add a wave to it in plan.yaml and run csw render, or"
            " raise team.max_off_phones"
        )

    def _miss(self, idea: Idea, people: list[Member], kind: str, reason: str) -> None:
        into = self.found.recording if kind == "recording" else self.found.unplaced
        into.extend(Unplaced(self.day, idea.id, self.shift, m.email, kind, reason) for m in people)


_CLASH = (
    "every session with room is at a time they are in another session; move a session in plan.yaml"
    " and run csw render"
)
