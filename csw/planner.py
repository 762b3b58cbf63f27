"""make_plan: a pure function of (week, ideas, constraints, seed) -> Plan.

Each day gets a themed day and `per_day` activities, chosen greedily slot by slot. Every candidate
passes the constraint filters in order; when a slot is left with none, the filter that removed the
last candidates is the constraint reported, with what to relax. Ties are broken by a per-idea
number derived from the seed, so the same inputs give the same plan on every machine.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from csw.config import Shift, YearRound
from csw.dates import MAX_YEAR, WEEKDAYS, Week
from csw.errors import PlanError
from csw.ideas import Category, Idea, Kind, TimeOfDay
from csw.plan import (
    Activity,
    Day,
    Organization,
    Plan,
    Session,
    TeamFacts,
    Touchpoint,
    WeekSpan,
    prep_timeline,
)

MIN_CATEGORIES = 5
GRID = 15  # minutes: sessions start on the quarter hour of the shift


@dataclass(frozen=True)
class Constraints:
    """What the plan must respect, from csw.toml and the command line."""

    team: TeamFacts
    per_day: int = 2
    pins: Mapping[date, tuple[str, ...]] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()
    history: tuple[tuple[int, frozenset[str]], ...] = ()  # (year, idea ids) of earlier plans
    year_round: YearRound | None = None


_Busy = tuple[int, int, bool]  # start and end minute, and whether reps are off the phones


@dataclass
class _Week:
    """The plan being built: what is chosen so far, when it runs, and what it costs."""

    days: dict[date, list[Idea]]
    sessions: dict[tuple[date, str], list[Session]] = field(default_factory=dict)  # by (day, idea)
    busy: dict[tuple[date, str], list[_Busy]] = field(default_factory=dict)  # by (day, shift)
    used: set[str] = field(default_factory=set)
    categories: Counter[Category] = field(default_factory=Counter)
    spent: float = 0.0


@dataclass(frozen=True)
class _Filter:
    name: str
    keep: Callable[[Idea], bool]
    advice: str


PHONES = "phones stay staffed"
PHONES_ADVICE = "raise team.max_off_phones, lengthen the shifts, or lower --per-day"


def make_plan(
    week: Week,
    ideas: Mapping[str, Idea],
    constraints: Constraints,
    seed: int,
    *,
    organization: Organization,
    theme: str | None,
) -> Plan:
    """Plan `week` from `ideas` under `constraints`; raise PlanError naming what cannot be met."""
    planner = _Planner(week, ideas, constraints, seed)
    state = planner.run()
    chosen = [idea for day in week.days for idea in state.days[day]]
    points = year_round(week, ideas, constraints, seed, state.used) if constraints.year_round else ()
    return Plan(
        year=week.year,
        theme=theme,
        seed=seed,
        organization=organization,
        team=constraints.team,
        week=WeekSpan(start=week.start, end=week.end),
        days=tuple(_day(state, day) for day in week.days),
        prep=prep_timeline(chosen, week.start),
        ideas={idea.id: idea for idea in [*chosen, *(ideas[p.idea] for p in points)]},
        year_round=points,
        notes=tuple(planner.notes),
    )


def _day(state: _Week, day: date) -> Day:
    chosen = state.days[day]
    theme = next(i for i in chosen if i.kind is Kind.theme)
    activities = [
        Activity(idea=i.id, sessions=tuple(state.sessions[(day, i.id)]))
        for i in chosen
        if i.kind is Kind.activity
    ]
    activities.sort(key=lambda a: (a.sessions[0].start, a.idea))
    return Day(date=day, theme=theme.id, activities=tuple(activities))


class _Planner:
    def __init__(self, week: Week, ideas: Mapping[str, Idea], constraints: Constraints, seed: int) -> None:
        self.week = week
        self.ideas = ideas
        self.c = constraints
        self.team = constraints.team
        self.headcounts = self.team.shift_headcounts()
        self.notes: list[str] = []
        self.staleness = _staleness(constraints.history)
        self.order = {i: _tiebreak(seed, i) for i in ideas}
        usable = [
            i for i in ideas.values() if i.works_for(self.team.mode) and i.id not in constraints.exclude
        ]
        self.cheapest = {
            kind: min((i.cost(self.team.headcount) for i in usable if i.kind is kind), default=0.0)
            for kind in Kind
        }
        self.pools = {kind: [i for i in usable if i.kind is kind] for kind in Kind}
        self.recognition = [i for i in self.pools[Kind.activity] if i.category is Category.recognition]

    # --- the whole week -----------------------------------------------------------------------

    def run(self) -> _Week:
        self._check_pins()
        state = _Week(days={day: [] for day in self.week.days})
        for day in self.week.days:
            for idea_id in self.c.pins.get(day, ()):
                self._place_pin(state, day, self.ideas[idea_id])
        for day in self.week.days:
            self._fill_day(state, day)
        self._check_variety(state)
        self._note_reuse(state)
        return state

    def _fill_day(self, state: _Week, day: date) -> None:
        chosen = state.days[day]
        if not any(i.kind is Kind.theme for i in chosen):
            self._choose(state, day, Kind.theme, self.pools[Kind.theme])
        while sum(i.kind is Kind.activity for i in chosen) < self.c.per_day:
            needs_recognition = not any(i.category is Category.recognition for i in chosen)
            pool = self.recognition if needs_recognition else self.pools[Kind.activity]
            self._choose(state, day, Kind.activity, pool)
        if not any(i.category is Category.recognition for i in chosen):
            raise PlanError(
                f"{_day_name(day)}: no recognition item, and every day needs one"
                f" (--per-day {self.c.per_day} leaves no room for it).",
                hint="Raise --per-day to at least 1, or pin a recognition idea to that day.",
            )

    def _reserve(self, state: _Week, day: date, kind: Kind) -> float:
        """The least the slots still open after this one will cost: kept back from the budget."""
        themes = activities = 0
        for other in self.week.days:
            if other >= day:
                placed = state.days[other]
                themes += not any(i.kind is Kind.theme for i in placed)
                activities += max(self.c.per_day - sum(i.kind is Kind.activity for i in placed), 0)
        themes -= kind is Kind.theme
        activities -= kind is Kind.activity
        return themes * self.cheapest[Kind.theme] + activities * self.cheapest[Kind.activity]

    def _choose(self, state: _Week, day: date, kind: Kind, pool: list[Idea]) -> None:
        if not pool:
            raise self._empty_pool(day, kind, pool)
        reserve = self._reserve(state, day, kind)
        on_day = {i.category for i in state.days[day]}
        money = self.team.budget - state.spent - reserve + 1e-9
        filters = [
            _Filter(
                "each idea once a week",
                lambda i: i.id not in state.used,
                "add ideas to the bank with --ideas",
            ),
            _Filter(
                "no category twice on one day",
                lambda i: i.category not in on_day,
                "add ideas in other categories, or lower --per-day",
            ),
            _Filter(
                "the charity drive at most once",
                lambda i: i.category is not Category.charity or not state.categories[Category.charity],
                "add ideas outside the charity category",
            ),
            _Filter(
                "budget",
                lambda i: i.cost(self.team.headcount) <= money,
                f"raise --budget (now {self.team.budget:,.2f} {self.team.currency}), pin"
                " fewer paid ideas, or add free ideas",
            ),
        ]
        candidates = pool
        for rule in filters:
            candidates = [i for i in candidates if rule.keep(i)]
            if not candidates:
                raise self._infeasible(day, kind, rule.name, rule.advice)
        for idea in self._ranked(state, candidates):
            sessions = self._schedule(state, day, idea)
            if sessions is not None:
                self._take(state, day, idea, sessions)
                return
        raise self._infeasible(day, kind, PHONES, PHONES_ADVICE)

    def _ranked(self, state: _Week, candidates: list[Idea]) -> Iterator[Idea]:
        """Fresher ideas first, then categories the week has used least, then the seed's order."""

        def rank(i: Idea) -> tuple[int, int, str]:
            return (self.staleness.get(i.id, 0), state.categories[i.category], self.order[i.id])

        best = min(candidates, key=rank)
        yield best  # usually fits: spare the sort of a large bank
        yield from (i for i in sorted(candidates, key=rank) if i is not best)

    def _empty_pool(self, day: date, kind: Kind, pool: list[Idea]) -> PlanError:
        what = "themed day" if kind is Kind.theme else "activity"
        if pool is self.recognition:
            what = "recognition activity (every day needs one)"
        reason = f"no {what} in the idea bank works for a {self.team.mode.value} team"
        if self.c.exclude:
            reason += " once the excluded ideas are left out"
        return PlanError(
            f"{_day_name(day)}: {reason} (mode).",
            hint="Change --mode, exclude fewer ideas, or add ideas with --ideas.",
        )

    def _infeasible(self, day: date, kind: Kind, name: str, advice: str) -> PlanError:
        what = "themed day" if kind is Kind.theme else "activity"
        return PlanError(
            f"{_day_name(day)}: no {what} left that meets the constraint '{name}'.",
            hint=f"To relax it: {advice}.",
        )

    # --- pins ---------------------------------------------------------------------------------

    def _check_pins(self) -> None:
        seen: dict[str, date] = {}
        for day, ids in sorted(self.c.pins.items()):
            if day not in self.week.days:
                raise PlanError(f"--pin {day}: not a day of the {self.week.year} week.")
            for idea_id in ids:
                self._check_pin(day, idea_id, seen)
                seen[idea_id] = day
            self._check_pinned_day(day, [self.ideas[i] for i in ids])
        charity = [i for i in seen if self.ideas[i].category is Category.charity]
        if len(charity) > 1:
            raise PlanError(
                f"--pin: {' and '.join(charity)} are both charity drives; the charity drive runs"
                " at most once a week.",
                hint="Pin one of them.",
            )

    def _check_pin(self, day: date, idea_id: str, seen: dict[str, date]) -> None:
        where = f"--pin {WEEKDAYS[day.weekday()]}={idea_id}"
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise PlanError(
                f"{where}: there is no idea with that id.", hint="`csw ideas list` shows every id."
            )
        if idea_id in self.c.exclude:
            raise PlanError(f"{where}: that idea is also excluded.", hint="Drop the pin or the exclude.")
        if not idea.works_for(self.team.mode):
            raise PlanError(
                f"{where}: '{idea.title}' does not work for a {self.team.mode.value} team (mode).",
                hint="Pin another idea, or change --mode.",
            )
        if idea_id in seen:
            raise PlanError(
                f"{where}: that idea is already pinned to {seen[idea_id]}.",
                hint="Each idea runs once a week; pin it to one day.",
            )

    def _check_pinned_day(self, day: date, ideas: list[Idea]) -> None:
        kinds = Counter(i.kind for i in ideas)
        if kinds[Kind.theme] > 1:
            raise PlanError(
                f"--pin: {_day_name(day)} has two themed days pinned.",
                hint="Keep one themed day per day.",
            )
        if kinds[Kind.activity] > self.c.per_day:
            raise PlanError(
                f"--pin: {_day_name(day)} has {kinds[Kind.activity]} activities pinned,"
                f" more than --per-day {self.c.per_day}.",
                hint="Raise --per-day or pin fewer.",
            )
        twice = [c for c, n in Counter(i.category for i in ideas).items() if n > 1]
        if twice:
            raise PlanError(
                f"--pin: {_day_name(day)} has two pinned ideas in '{twice[0].value}'"
                " (no category twice on one day).",
                hint="Move one of them to another day.",
            )

    def _place_pin(self, state: _Week, day: date, idea: Idea) -> None:
        sessions = self._schedule(state, day, idea)
        if sessions is None:
            raise PlanError(
                f"--pin {WEEKDAYS[day.weekday()]}={idea.id}: it does not fit the shifts with at"
                f" most {self.team.max_off_phones:.0%} of a shift off the phones ({PHONES}).",
                hint="Raise team.max_off_phones, lengthen the shifts, or pin it to a lighter day.",
            )
        self._take(state, day, idea, sessions)
        if state.spent > self.team.budget + 1e-9:
            raise PlanError(
                f"--pin: the pinned ideas alone cost {state.spent:,.2f} {self.team.currency},"
                f" over the budget of {self.team.budget:,.2f} (budget).",
                hint="Raise --budget or pin fewer paid ideas.",
            )

    # --- taking an idea and scheduling it -------------------------------------------------------

    def _take(self, state: _Week, day: date, idea: Idea, sessions: list[Session]) -> None:
        for session in sessions:
            start, end = _minute(session.start), _minute(session.end)
            state.busy.setdefault((day, session.shift), []).append((start, end, idea.off_phones))
        state.sessions[(day, idea.id)] = sessions
        state.days[day].append(idea)
        state.used.add(idea.id)
        state.categories[idea.category] += 1
        state.spent = round(state.spent + idea.cost(self.team.headcount), 2)

    def _schedule(self, state: _Week, day: date, idea: Idea) -> list[Session] | None:
        """The sessions of `idea` on `day` in every shift, or None where it does not fit."""
        if idea.kind is Kind.theme:
            return []
        sessions: list[Session] = []
        for shift in self.team.shifts:
            reps = self.headcounts[shift.name]
            if reps == 0:
                continue
            waves = _waves(reps, self.team.max_off_phones) if idea.off_phones else [0]
            if not waves:
                return None
            busy = state.busy.get((day, shift.name), [])
            start = _free_start(shift, idea, len(waves), busy)
            if start is None:
                return None
            for number, size in enumerate(waves, start=1):
                begin = start + (number - 1) * idea.duration_minutes
                sessions.append(
                    Session(
                        shift=shift.name,
                        wave=number,
                        start=_clock(begin),
                        end=_clock(begin + idea.duration_minutes),
                        reps=size,
                    )
                )
        return sessions or None

    # --- the week as a whole ----------------------------------------------------------------------

    def _check_variety(self, state: _Week) -> None:
        slots = sum(len(ideas) for ideas in state.days.values())
        needed = min(MIN_CATEGORIES, slots)
        if len(state.categories) < needed:
            raise PlanError(
                f"the week uses {len(state.categories)} categories; it needs at least {needed} (variety).",
                hint="Raise --per-day or --budget, add ideas in other categories, or exclude fewer.",
            )

    def _note_reuse(self, state: _Week) -> None:
        reused = sorted(i for i in state.used if self.staleness.get(i, 0))
        if reused:
            years = sorted({year for year, ids in self.c.history if ids & set(reused)})
            self.notes.append(
                f"The idea bank ran out of ideas not used before, so {', '.join(reused)}"
                f" come back from the {', '.join(map(str, years))} plan (oldest first)."
            )


def year_round(
    week: Week, ideas: Mapping[str, Idea], constraints: Constraints, seed: int, used: set[str]
) -> tuple[Touchpoint, ...]:
    """One idea tagged for it in each of the eleven months after the week, never the same twice."""
    rule = constraints.year_round
    assert rule is not None
    if week.start.year >= MAX_YEAR:
        raise PlanError(
            f"year-round: the eleven months after the week fall in {week.start.year + 1}, and csw"
            f" plans up to the year {MAX_YEAR}.",
            hint="Turn year_round off for this year (--no-year-round).",
        )
    mode = constraints.team.mode
    pool = [
        i
        for i in ideas.values()
        if rule.tag in i.tags and i.works_for(mode) and i.id not in constraints.exclude
    ]
    if len(pool) < 11:
        raise PlanError(
            f"year-round: it needs 11 different ideas tagged '{rule.tag}' that work for a"
            f" {mode.value} team, and the idea bank has {len(pool)}.",
            hint=f"Tag more ideas '{rule.tag}' in your own bank (--ideas), or turn year_round off.",
        )
    # ideas the week did not use come first, so the year does not repeat the week
    pool.sort(key=lambda i: (i.id in used, _tiebreak(seed, f"year-round:{i.id}")))
    weekday = _WEEKDAYS[WEEKDAYS.index(rule.weekday)](rule.nth)
    months = [week.start + relativedelta(months=k, day=1) for k in range(1, 12)]
    return tuple(
        Touchpoint(date=first + relativedelta(weekday=weekday), idea=idea.id)
        for first, idea in zip(months, pool, strict=False)
    )


_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)


def _waves(reps: int, max_off_phones: float) -> list[int]:
    """Wave sizes so that at most `max_off_phones` of a shift is away at once; [] if < 1 rep."""
    per_wave = math.floor(max_off_phones * reps + 1e-9)
    if per_wave < 1:
        return []
    count = math.ceil(reps / per_wave)
    base, extra = divmod(reps, count)
    return [base + (1 if n < extra else 0) for n in range(count)]


_ANCHOR = {  # where in the shift each time of day starts, as (share of the shift, minutes)
    TimeOfDay.morning: (0.0, 30),
    TimeOfDay.midday: (0.45, 0),
    TimeOfDay.afternoon: (0.65, 0),
    TimeOfDay.any: (0.0, 60),
}


def _free_start(shift: Shift, idea: Idea, waves: int, busy: list[_Busy]) -> int | None:
    """A start on the shift's quarter-hour grid, nearest the idea's time of day.

    Waves that take reps off the phones never overlap other such waves in the shift (that is what
    keeps the share off the phones under the maximum); anything else may overlap at a pinch, but
    a free slot is preferred so that the day reads well.
    """
    length = idea.duration_minutes * waves
    first, last = shift.start_minute, shift.end_minute - length
    if last < first:
        return None
    share, minutes = _ANCHOR[idea.time_of_day]
    offset = share * (shift.end_minute - shift.start_minute) + minutes
    if idea.time_of_day is TimeOfDay.midday:
        offset -= length / 2
    anchor = min(max(first + GRID * round(offset / GRID), first), first + GRID * ((last - first) // GRID))
    starts: list[int] = [*range(anchor, last + 1, GRID), *range(anchor - GRID, first - 1, -GRID)]
    blocking = [(b, e) for b, e, away in busy if away or not idea.off_phones]
    for must_avoid in ([(b, e) for b, e, _ in busy], blocking if idea.off_phones else []):
        for start in starts:
            if all(start + length <= b or e <= start for b, e in must_avoid):
                return start
    return None


def _staleness(history: tuple[tuple[int, frozenset[str]], ...]) -> dict[str, int]:
    """0 for an idea never used; else higher for more recent use, so the oldest come back first."""
    ranks: dict[str, int] = {}
    for rank, (_, ids) in enumerate(sorted(history, key=lambda entry: entry[0]), start=1):
        for idea_id in ids:
            ranks[idea_id] = rank
    return ranks


def _tiebreak(seed: int, idea_id: str) -> str:
    # a hash, not random.Random: the order must not depend on the Python version or bank order
    return hashlib.blake2b(f"{seed}:{idea_id}".encode(), digest_size=8).hexdigest()


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _day_name(day: date) -> str:
    return f"{day:%A} {day.isoformat()}"
