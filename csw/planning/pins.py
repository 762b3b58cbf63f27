"""Pins: ideas the coordinator puts on a day. They are checked first, then placed before anything else."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from csw.core.errors import PlanError
from csw.ideas.model import Idea, Role, Span
from csw.planning.choose import PHONES
from csw.planning.order import day_name
from csw.planning.state import is_fundraiser
from csw.week.dates import WEEKDAYS

if TYPE_CHECKING:
    from csw.planning.week import Planner


def place_pins(planner: Planner) -> None:
    check_pins(planner)
    for day in planner.days:
        for idea_id in planner.c.pins.get(day, ()):
            _place_pin(planner, day, planner.ideas[idea_id])


def check_pins(planner: Planner) -> None:
    seen: dict[str, date] = {}
    for day, ids in sorted(planner.c.pins.items()):
        if day not in planner.days:
            raise PlanError(f"--pin {day}: not a day of the {planner.week.year} week.")
        for idea_id in ids:
            _check_pin(planner, day, idea_id, seen)
            seen[idea_id] = day
        _check_pinned_day(planner, day, [planner.ideas[i] for i in ids])
    pinned = [planner.ideas[i] for i in seen]
    drives = [i.id for i in pinned if is_fundraiser(i)]
    if len(drives) > 1:
        raise PlanError(
            f"--pin: {' and '.join(drives)} are both charity drives; the charity drive runs at most"
            " once a week.",
            hint="Pin one of them.",
        )
    for idea in pinned:
        clash = next((other.id for other in pinned if other.id in idea.conflicts), None)
        if clash:
            raise PlanError(
                f"--pin: {idea.id} and {clash} should not share a week (conflicts).", hint="Pin one of them."
            )


def _check_pin(planner: Planner, day: date, idea_id: str, seen: dict[str, date]) -> None:
    where = f"--pin {WEEKDAYS[day.weekday()]}={idea_id}"
    idea = planner.ideas.get(idea_id)
    mode = planner.team.mode
    if idea is None:
        raise PlanError(f"{where}: there is no idea with that id.", hint="`csw ideas list` shows every id.")
    if idea_id in planner.c.exclude:
        raise PlanError(f"{where}: that idea is also excluded.", hint="Drop the pin or the exclude.")
    if not idea.works_for(mode):
        raise PlanError(
            f"{where}: '{idea.title}' does not work for a {mode.value} team (mode).",
            hint="Pin another idea, or change --mode.",
        )
    if idea_id in seen:
        raise PlanError(
            f"{where}: that idea is already pinned to {seen[idea_id]}.",
            hint="Each idea runs once a week; pin it to one day.",
        )


def _check_pinned_day(planner: Planner, day: date, ideas: list[Idea]) -> None:
    spans = Counter(i.span for i in ideas)
    if spans[Span.day] > 1:
        raise PlanError(
            f"--pin: {day_name(day)} has two themed days pinned.", hint="Keep one themed day per day."
        )
    if spans[Span.slot] > planner.c.per_day:
        raise PlanError(
            f"--pin: {day_name(day)} has {spans[Span.slot]} activities pinned, more than --per-day"
            f" {planner.c.per_day}.",
            hint="Raise --per-day or pin fewer.",
        )
    on_day = [i for i in ideas if i.span in (Span.day, Span.slot)]
    twice = [c for c, n in Counter(i.category for i in on_day).items() if n > 1]
    if twice:
        raise PlanError(
            f"--pin: {day_name(day)} has two pinned ideas in '{twice[0].value}'"
            " (no category twice on one day).",
            hint="Move one of them to another day.",
        )


def _place_pin(planner: Planner, day: date, idea: Idea) -> None:
    if not planner.place(idea, day, pinned=True):
        raise PlanError(
            f"--pin {WEEKDAYS[day.weekday()]}={idea.id}: it does not fit the shifts on that day with at most"
            f" {planner.team.max_off_phones:.0%} of a shift off the phones, its capacity, its room and its"
            f" time of day ({PHONES}).",
            hint="Raise team.max_off_phones, lengthen the shifts, or pin it to a lighter day.",
        )
    if planner.state.spent > planner.team.budget + 1e-9:
        raise PlanError(
            f"--pin: the pinned ideas alone cost {planner.money(planner.state.spent)},"
            f" over the budget of {planner.money(planner.team.budget)} (budget).",
            hint="Raise --budget or pin fewer paid ideas.",
        )
    _note_where(planner, day, idea)


def _note_where(planner: Planner, day: date, idea: Idea) -> None:
    """A pin wins, and says when it bends the week's shape."""
    name = f"{day:%A}"
    if idea.span is Span.week:
        planner.notes.append(f"{idea.title}, pinned to {name}, runs all week: it starts on the first day.")
    elif idea.span is Span.daily:
        planner.notes.append(f"{idea.title}, pinned to {name}, is a daily item: it runs on every day.")
    elif idea.role is Role.opening and day != planner.days[0]:
        planner.notes.append(
            f"{idea.title} opens a week, and is pinned to {name}: the first day gets another opening."
        )
    elif idea.role is Role.finale and day != planner.days[-1]:
        planner.notes.append(
            f"{idea.title} closes a week, and is pinned to {name}: the last day gets another finale."
        )
