"""The plan as templates see it: the week's shape, days with their ideas resolved, sessions by"
" shift, costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from csw.ideas.model import GOAL_LABELS, Goal, Idea, RemoteForm, Span
from csw.plan.model import Kudo, Plan, Session
from csw.settings.config import clock_minutes


@dataclass(frozen=True)
class ShiftRun:
    """An activity's waves, booked slots or one session inside one shift."""

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

    @property
    def most_at_once(self) -> int:
        return max(session.reps for session in self.sessions)


@dataclass(frozen=True)
class ActivityView:
    idea: Idea
    runs: tuple[ShiftRun, ...]
    remote: RemoteForm | None = None  # what this team's remote reps get instead, if anything
    recorded_for: tuple[str, ...] = ()
    main_shift: str = ""  # whose time is the activity's headline

    @property
    def start(self) -> str:
        main = [run.start for run in self.runs if run.shift == self.main_shift]
        return main[0] if main else min((run.start for run in self.runs), key=clock_minutes)

    @property
    def off_phones(self) -> bool:
        return self.idea.off_phones

    @property
    def daily(self) -> bool:
        return self.idea.span is Span.daily

    @property
    def format(self) -> str:
        return self.idea.format.value

    @property
    def role(self) -> str | None:
        return self.idea.role.value if self.idea.role else None


@dataclass(frozen=True)
class ItemView:
    """A themed day or a week-long item, with what remote reps get instead."""

    idea: Idea
    remote: RemoteForm | None = None

    @property
    def role(self) -> str | None:
        return self.idea.role.value if self.idea.role else None


@dataclass(frozen=True)
class DayView:
    date: date
    theme: Idea
    activities: tuple[ActivityView, ...]
    cost: float
    kudos: tuple[Kudo, ...] = ()
    first: bool = False
    last: bool = False
    theme_remote: RemoteForm | None = None

    @property
    def timed(self) -> tuple[ActivityView, ...]:
        """The day's own activities, without the daily items."""
        return tuple(a for a in self.activities if not a.daily)

    def in_order(
        self, shift: str | None, mine: Mapping[tuple[Any, str], Any] | None = None
    ) -> tuple[ActivityView, ...]:
        """The day's activities in the order a reader of `shift` meets them: by their own slot
        (`mine`, by day and idea), else by their shift's first session; a reader of every shift
        (None) by the headline times."""
        activities = self.activities
        if shift is None:
            return activities

        def start(activity: ActivityView) -> int:
            runs = [run.start for run in activity.runs if run.shift == shift]
            return self._met_at(activity, mine, min(runs, key=clock_minutes) if runs else activity.start)

        return tuple(sorted(activities, key=start))

    def runs_in_order(
        self, shift: str | None, mine: Mapping[tuple[Any, str], Any] | None = None
    ) -> tuple[tuple[ActivityView, ShiftRun], ...]:
        """The day's own activities (no daily items), each with its run in `shift` (each of its
        runs for a reader of every shift), in time order: by the reader's slot, else the run's start."""
        pairs = [(a, run) for a in self.timed for run in a.runs if shift is None or run.shift == shift]

        return tuple(sorted(pairs, key=lambda pair: self._met_at(pair[0], mine, pair[1].start)))

    def _met_at(self, activity: ActivityView, mine: Mapping[tuple[Any, str], Any] | None, start: str) -> int:
        """The minute the reader meets `activity`: their own slot's start (`mine`), else `start`."""
        slot = (mine or {}).get((self.date, activity.idea.id))
        return clock_minutes(slot.start if slot else start)


@dataclass(frozen=True)
class CostLine:
    idea: Idea
    day: date | None  # None: the whole week
    total: float
    per_rep: float


def plan_context(plan: Plan) -> dict[str, Any]:
    """Everything a template may use; see templates/README.md for the list."""
    days = tuple(_day(plan, index, day) for index, day in enumerate(plan.days))
    runs = [(None, i) for i in plan.all_week] + [(day.date, i) for day in plan.days for i in day.idea_ids]
    reps = plan.team.headcount
    costs = tuple(
        CostLine(idea=plan.idea(i), day=day, total=plan.cost_of(i), per_rep=round(plan.cost_of(i) / reps, 2))
        for day, i in runs
        if plan.cost_of(i)
    )
    daily: dict[str, ActivityView] = {}  # as on the first day: the planner keeps its time where it can
    for day in days:
        for activity in day.activities:
            if activity.daily:
                daily.setdefault(activity.idea.id, activity)
    return {
        "plan": plan,
        "year": plan.year,
        "theme": plan.theme,
        "organization": plan.organization,
        "team": plan.team,
        "week": plan.week,
        "days": days,
        "all_week": tuple(ItemView(plan.idea(i), _remote(plan, i)) for i in plan.all_week),
        "daily": tuple(daily.values()),
        "goals": _goals(plan),
        "prep": [(item, plan.idea(item.idea)) for item in plan.prep],
        "costs": costs,
        "spent": plan.spent,
        "spent_per_rep": plan.spent_per_rep,
        "budget": plan.team.budget,
        "remaining": round(plan.team.budget - plan.spent, 2),
        "currency": plan.team.currency,
        "multi_shift": len(plan.team.shifts) > 1,
        "year_round": [(point, plan.idea(point.idea)) for point in plan.year_round],
        "raised": plan.raised,
    }


def _remote(plan: Plan, idea_id: str) -> RemoteForm | None:
    return plan.idea(idea_id).remote if plan.remote_form(idea_id) else None


def _goals(plan: Plan) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each of the week's five goals with the titles of the ideas that serve it."""
    used = [*plan.all_week, *dict.fromkeys(i for day in plan.days for i in day.idea_ids)]
    return tuple(
        (GOAL_LABELS[goal], tuple(plan.idea(i).title for i in used if goal in plan.idea(i).goals))
        for goal in Goal
    )


def _day(plan: Plan, index: int, day: Any) -> DayView:
    activities = tuple(
        ActivityView(
            idea=plan.idea(activity.idea),
            runs=_runs(activity.sessions),
            remote=_remote(plan, activity.idea),
            recorded_for=activity.recorded_for,
            main_shift=plan.team.main_shift,
        )
        for activity in day.activities
    )
    return DayView(
        date=day.date,
        theme=plan.idea(day.theme),
        activities=tuple(sorted(activities, key=lambda a: clock_minutes(a.start))),
        cost=round(sum(plan.cost_of(i) for i in day.idea_ids), 2),
        kudos=tuple(k for k in plan.kudos if k.date == day.date),
        first=index == 0,
        last=index == len(plan.days) - 1,
        theme_remote=_remote(plan, day.theme),
    )


def _runs(sessions: tuple[Session, ...]) -> tuple[ShiftRun, ...]:
    by_shift: dict[str, list[Session]] = {}
    for session in sessions:
        by_shift.setdefault(session.shift, []).append(session)
    return tuple(ShiftRun(shift, tuple(sorted(s, key=lambda x: x.wave))) for shift, s in by_shift.items())
