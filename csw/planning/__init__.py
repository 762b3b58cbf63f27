"""The planner: make_plan, a pure function of (week, ideas, constraints, seed) -> Plan."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import date

from csw.core.errors import PlanError
from csw.ideas.model import Format, Idea, Span
from csw.plan.model import Activity, Day, Organization, Plan, WeekSpan, headline_start
from csw.planning.constraints import Constraints
from csw.planning.prep import prep_timeline
from csw.planning.state import WeekState
from csw.planning.week import Planner
from csw.planning.year_round import year_round
from csw.week.dates import Week

__all__ = ["Constraints", "make_plan", "year_round"]


def make_plan(
    week: Week,
    ideas: Mapping[str, Idea],
    constraints: Constraints,
    seed: int,
    *,
    organization: Organization,
    theme: str | None,
    respell: Collection[str] = (),
) -> Plan:
    """Plan `week` from `ideas` under `constraints`; raise PlanError naming what cannot be met.

    `respell`: the ids of the ideas csw wrote (in British English), which an American English team
    reads respelled; a user's own ideas come out as they wrote them."""
    planner = Planner(week, ideas, constraints, seed)
    state = planner.run()
    notes = [*planner.notes, *_displaced(week, ideas, constraints, seed, state)]
    notes += _few_seats(state, constraints)
    spelled = {p.idea.id: _spelled(p.idea, constraints.locale, respell) for p in state.placed.values()}
    chosen = list(spelled.values())
    used = set(state.placed)
    points = year_round(week, ideas, constraints, seed, used) if constraints.year_round else ()
    runs = [(p.day or week.start, spelled[p.idea.id]) for p in state.placed.values()]
    return Plan(
        year=week.year,
        theme=theme,
        seed=seed,
        organization=organization,
        team=constraints.team,
        week=WeekSpan(start=week.start, end=week.end),
        all_week=tuple(i.id for i in chosen if i.span is Span.week),
        days=tuple(_day(state, day, constraints.team.main_shift) for day in week.days),
        prep=prep_timeline(runs, constraints.team.mode),
        ideas={
            idea.id: idea
            for idea in [*chosen, *(_spelled(ideas[p.idea], constraints.locale, respell) for p in points)]
        },
        year_round=points,
        notes=tuple(notes),
    )


def _spelled(idea: Idea, locale: str, respell: Collection[str]) -> Idea:
    """The idea as the team spells: the built-in bank's British English respelled for American
    English teams (csw.core.spelling), once, for every output made from the plan."""
    if idea.id not in respell:
        return idea
    from csw.core.spelling import american, writes_american

    return idea.respelled(american) if writes_american(locale) else idea


def _day(state: WeekState, day: date, main_shift: str) -> Day:
    theme = state.theme(day)
    assert theme is not None
    activities = [
        Activity(
            idea=p.idea.id,
            sessions=tuple(p.sessions[day]),
            recorded_for=p.recorded_for.get(day, ()),
        )
        for p in state.placed.values()
        if day in p.sessions
    ]
    activities.sort(key=lambda a: (headline_start(a, main_shift), a.idea))
    return Day(date=day, theme=theme.id, activities=tuple(activities))


FEW_SEATS = 3  # a live session for fewer reps than this is a talk to one or two people


def _few_seats(state: WeekState, constraints: Constraints) -> list[str]:
    """A note when a live session seats fewer than FEW_SEATS of a shift's reps: a small team's cap
    on who may be off the phones at once leaves a speaker with a rep or two and the rest with the
    recording, which the coordinator should know before the reps read it."""
    team = constraints.team
    counts = team.shift_headcounts()
    short: dict[str, None] = {}  # titles in plan order, once
    seats: dict[str, int] = {}
    for placed in state.placed.values():
        if placed.idea.format is not Format.live:
            continue
        for sessions in placed.sessions.values():
            for session in sessions:
                if 0 < session.reps < min(FEW_SEATS, counts.get(session.shift, 0)):
                    short[placed.idea.title] = None
                    seats[session.shift] = max(seats.get(session.shift, 0), session.reps)
    if not short:
        return []
    from csw.core.locale_formats import and_list

    seated = and_list(
        (f"{n} of the {counts[shift]} {shift}-shift reps" for shift, n in seats.items()), constraints.locale
    )
    return [
        f"Live sessions seat at most {seated} (team.max_off_phones = {team.max_off_phones:g}), so most"
        f" reps watch {and_list(short, constraints.locale)} on the recording. To seat more of them,"
        " raise team.max_off_phones for the week, or exclude the live ideas (ideas.exclude)."
    ]


def _displaced(
    week: Week, ideas: Mapping[str, Idea], constraints: Constraints, seed: int, pinned: WeekState
) -> list[str]:
    """What the pins moved out: the ideas the same week had on each pinned day without them."""
    if not constraints.pins:
        return []
    try:
        free = Planner(week, ideas, replace(constraints, pins={}), seed).run()
    except PlanError:
        return []
    notes = []
    for day, ids in sorted(constraints.pins.items()):
        gone = [i.title for i in free.on(day) if i.id not in pinned.placed]
        if gone:
            titles = ", ".join(ideas[i].title for i in ids)
            notes.append(f"Pinned to {day:%A}: {titles}, in place of {', '.join(gone)}.")
    return notes
