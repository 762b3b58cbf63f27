"""The plan as templates see it: days with their ideas resolved, sessions grouped by shift, costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from csw.config import clock_minutes
from csw.ideas import Idea
from csw.plan import Kudo, Plan, Session


@dataclass(frozen=True)
class ShiftRun:
    """An activity's waves inside one shift."""

    shift: str
    sessions: tuple[Session, ...]

    @property
    def start(self) -> str:
        return self.sessions[0].start

    @property
    def end(self) -> str:
        return self.sessions[-1].end

    @property
    def waves(self) -> int:
        return len(self.sessions)


@dataclass(frozen=True)
class ActivityView:
    idea: Idea
    runs: tuple[ShiftRun, ...]

    @property
    def start(self) -> str:
        return min((run.start for run in self.runs), key=clock_minutes)

    @property
    def off_phones(self) -> bool:
        return self.idea.off_phones


@dataclass(frozen=True)
class DayView:
    date: date
    theme: Idea
    activities: tuple[ActivityView, ...]
    cost: float
    kudos: tuple[Kudo, ...] = ()


@dataclass(frozen=True)
class CostLine:
    idea: Idea
    day: date
    per_person: float
    fixed: float
    total: float


def plan_context(plan: Plan) -> dict[str, Any]:
    """Everything a template may use; see templates/README.md for the list."""
    days = tuple(_day(plan, day) for day in plan.days)
    costs = tuple(
        CostLine(
            idea=plan.idea(idea_id),
            day=day.date,
            per_person=plan.idea(idea_id).cost_per_person,
            fixed=plan.idea(idea_id).fixed_cost,
            total=plan.cost_of(idea_id),
        )
        for day in plan.days
        for idea_id in day.idea_ids
    )
    return {
        "plan": plan,
        "year": plan.year,
        "theme": plan.theme,
        "organization": plan.organization,
        "team": plan.team,
        "week": plan.week,
        "days": days,
        "prep": [(item, plan.idea(item.idea)) for item in plan.prep],
        "costs": costs,
        "spent": plan.spent,
        "budget": plan.team.budget,
        "remaining": round(plan.team.budget - plan.spent, 2),
        "currency": plan.team.currency,
        "multi_shift": len(plan.team.shifts) > 1,
        "year_round": [(point, plan.idea(point.idea)) for point in plan.year_round],
        "raised": plan.raised,
    }


def _day(plan: Plan, day: Any) -> DayView:
    activities = tuple(
        ActivityView(idea=plan.idea(activity.idea), runs=_runs(activity.sessions))
        for activity in day.activities
    )
    return DayView(
        date=day.date,
        theme=plan.idea(day.theme),
        activities=tuple(sorted(activities, key=lambda a: clock_minutes(a.start))),
        cost=round(sum(plan.cost_of(i) for i in day.idea_ids), 2),
        kudos=tuple(k for k in plan.kudos if k.date == day.date),
    )


def _runs(sessions: tuple[Session, ...]) -> tuple[ShiftRun, ...]:
    by_shift: dict[str, list[Session]] = {}
    for session in sessions:
        by_shift.setdefault(session.shift, []).append(session)
    return tuple(ShiftRun(shift, tuple(sorted(s, key=lambda x: x.wave))) for shift, s in by_shift.items())
