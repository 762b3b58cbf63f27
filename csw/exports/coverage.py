"""coverage.md, for the team leads: for each day and shift, who is away when and how many stay on
the phones in each quarter hour, counted from the people in roster.csv.

`coverage_context` is what the template (templates/coverage.md.j2, which a user's template folder
may override) sees; `coverage_md` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csw.people.waves import Assignment, Slot, Unplaced, shift_cap
from csw.plan.model import Plan
from csw.settings.config import clock_minutes

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from csw.people.roster import Member

TEMPLATE = "coverage.md.j2"
QUARTER = 15  # minutes


@dataclass(frozen=True)
class SessionRow:
    start: str
    end: str
    title: str
    idea: str
    wave: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class TimeRow:
    """A run of quarter hours with the same people away: `away` at most at once, `phones` on them."""

    start: str
    end: str
    away: int
    phones: int
    activities: tuple[str, ...]  # "Recharge Room, wave 2"
    short: bool  # fewer on the phones than the shift's floor: never, for a plan csw made


@dataclass(frozen=True)
class Missing:
    """Reps of one shift without a session of one activity, for one reason."""

    day: date
    shift: str
    title: str
    names: tuple[str, ...]
    kind: str
    reason: str


@dataclass(frozen=True)
class ShiftSheet:
    name: str
    start: str
    end: str
    reps: int
    cover: tuple[str, ...]
    cap: int
    floor: int  # reps who stay on the phones at the least, cover people aside
    sessions: tuple[SessionRow, ...]
    times: tuple[TimeRow, ...]
    recording: tuple[Missing, ...]
    unplaced: tuple[Missing, ...]
    # (activity, remote reps): they get its remote form, so they are counted on the phones
    from_home: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def short(self) -> bool:
        return any(row.short for row in self.times)


@dataclass(frozen=True)
class DaySheet:
    date: date
    shifts: tuple[ShiftSheet, ...]


def coverage_context(plan: Plan, assignment: Assignment, people: list[Member]) -> dict[str, Any]:
    names = {m.key: m.name for m in people}
    days = tuple(
        DaySheet(
            day.date,
            tuple(
                _sheet(plan, day.date, shift.name, assignment, people, names) for shift in plan.team.shifts
            ),
        )
        for day in sorted(plan.days, key=lambda d: d.date)
    )
    unplaced = _missing(plan, assignment.unplaced, names)
    return {
        "plan": plan,
        "year": plan.year,
        "organization": plan.organization,
        "team": plan.team,
        "days": days,
        "unplaced": unplaced,
        "short": any(sheet.short for day in days for sheet in day.shifts),
        "multi_shift": len(plan.team.shifts) > 1,
        "reps": sum(m.rep for m in people),
    }


def coverage_md(
    plan: Plan,
    assignment: Assignment,
    people: list[Member],
    env: SandboxedEnvironment | None = None,
    *,
    templates: Path | None = None,
) -> str:
    """coverage.md, rendered with `env` (else the built-in templates, after those in `templates`)."""
    from csw.exports.render import environment, render

    return render(env or environment(templates), TEMPLATE, coverage_context(plan, assignment, people))


def _sheet(
    plan: Plan, day: date, shift: str, assignment: Assignment, people: list[Member], names: dict[str, str]
) -> ShiftSheet:
    facts = next(s for s in plan.team.shifts if s.name == shift)
    reps = sum(1 for m in people if m.rep and m.shift == shift)
    cover = tuple(sorted((m.name for m in people if m.cover and m.shift == shift), key=str.casefold))
    cap = shift_cap(plan.team.max_off_phones, reps)
    slots = assignment.away(day, shift)
    titles = {idea_id: idea.title for idea_id, idea in plan.ideas.items()}
    sessions = []
    for (start, end, idea, wave), group in groupby(slots, key=lambda s: (s.start, s.end, s.idea, s.wave)):
        who = tuple(sorted((names.get(s.email.casefold(), s.email) for s in group), key=str.casefold))
        sessions.append(SessionRow(start, end, titles.get(idea, idea), idea, wave, who))
    return ShiftSheet(
        name=shift,
        start=facts.start,
        end=facts.end,
        reps=reps,
        cover=cover,
        cap=cap,
        floor=reps - cap,
        sessions=tuple(sessions),
        times=_times(facts.start_minute, facts.end_minute, slots, reps, len(cover), cap, titles),
        recording=_missing(
            plan, [u for u in assignment.recording if (u.day, u.shift) == (day, shift)], names
        ),
        unplaced=_missing(plan, [u for u in assignment.unplaced if (u.day, u.shift) == (day, shift)], names),
        from_home=_from_home(plan, day, shift, people),
    )


def _from_home(
    plan: Plan, day: date, shift: str, people: list[Member]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The activities of the shift that take reps off the phones but leave its remote reps out,
    with those reps: the sheet says they are counted on the phones."""
    remote = tuple(
        sorted((m.name for m in people if m.rep and m.remote and m.shift == shift), key=str.casefold)
    )
    if not remote:
        return ()
    found = []
    for activity in next(d for d in plan.days if d.date == day).activities:
        idea = plan.ideas[activity.idea]
        away = any(s.shift == shift and s.reps > 0 for s in activity.sessions)
        if away and idea.leaves_out_remote_reps(plan.team.mode):
            found.append((idea.title, remote))
    return tuple(found)


def _times(
    first: int, last: int, slots: tuple[Slot, ...], reps: int, cover: int, cap: int, titles: dict[str, str]
) -> tuple[TimeRow, ...]:
    """The shift in quarter hours, runs of equal ones as one row: the most away in each, from the
    minute-by-minute count of the people in the slots."""
    change = [0] * (24 * 60 + 1)
    for slot in slots:
        change[clock_minutes(slot.start)] += 1
        change[clock_minutes(slot.end)] -= 1
    at, running = [], 0
    for step in change:
        running += step
        at.append(running)
    waves_of = {s.idea: {o.wave for o in slots if o.idea == s.idea} for s in slots}
    runs: list[tuple[int, int, int, dict[str, set[int]]]] = []  # start, end, most away, waves by idea
    for start in range(first, last, QUARTER):
        end = min(start + QUARTER, last)
        peak = max(at[start:end])
        here: dict[str, set[int]] = {}
        for s in slots:
            if clock_minutes(s.start) < end and start < clock_minutes(s.end):
                here.setdefault(s.idea, set()).add(s.wave)
        if runs and runs[-1][2] == peak and list(runs[-1][3]) == list(here):
            before = runs[-1][3]
            runs[-1] = (runs[-1][0], end, peak, {i: before[i] | waves for i, waves in here.items()})
        else:
            runs.append((start, end, peak, here))
    rows = []
    for start, end, peak, here in runs:
        labels = tuple(
            titles.get(i, i) if len(waves_of[i]) == 1 else f"{titles.get(i, i)}, {_waves(sorted(waves))}"
            for i, waves in here.items()
        )
        phones = reps - peak + cover
        rows.append(TimeRow(_clock(start), _clock(end), peak, phones, labels, phones < reps - cap))
    return tuple(rows)


def _waves(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"wave {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"waves {numbers[0]}\N{EN DASH}{numbers[-1]}"
    return "waves " + ", ".join(map(str, numbers))


def _missing(
    plan: Plan, misses: list[Unplaced] | tuple[Unplaced, ...], names: dict[str, str]
) -> tuple[Missing, ...]:
    groups: dict[tuple[date, str, str, str, str], list[str]] = {}
    for miss in misses:
        key = (miss.day, miss.shift, miss.idea, miss.kind, miss.reason)
        groups.setdefault(key, []).append(names.get(miss.email.casefold(), miss.email))
    return tuple(
        Missing(
            day,
            shift,
            plan.ideas[idea].title if idea in plan.ideas else idea,
            tuple(sorted(who, key=str.casefold)),
            kind,
            reason,
        )
        for (day, shift, idea, kind, reason), who in groups.items()
    )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
