"""The rules of a whole plan that a hand edit of plan.yaml can break: ids, dates, spans, shifts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from csw.core.validation import Loc, dotted
from csw.ideas.model import Span
from csw.settings.config import clock_minutes

if TYPE_CHECKING:
    from csw.plan.model import Activity, Plan

_CALENDAR_MARGIN = timedelta(days=7)


class PlanRuleError(ValueError):
    """A whole-plan rule broken at `loc`: pydantic reports it at the top, `loc` finds its line."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _check_prices(plan: Plan) -> None:
    """Every paid idea is priced in the team's currency, or in USD with team.usd_rate set."""
    from csw.plan.pricing import unpayable

    refused = unpayable(plan.ideas.values(), plan.team)
    if not refused:
        return
    first = refused[0]
    if first.currency == "USD":
        raise PlanRuleError(
            ("team", "usd_rate"),
            f"team.usd_rate is missing: the team pays in {plan.team.currency} and {first.id} is priced"
            f" in USD; add usd_rate under team (how many {plan.team.currency} one USD buys)",
        )
    raise PlanRuleError(
        ("ideas", first.id, "currency"),
        f"ideas.{first.id}.currency is {first.currency}, and the team pays in {plan.team.currency};"
        " csw converts prices only from USD (team.usd_rate)",
    )


def check_plan(plan: Plan) -> None:
    """Rules a hand edit can break: unknown ids, dates outside the week, kinds, shifts."""
    _check_dates_near_the_year(plan)
    _check_ideas_keyed_by_id(plan)
    _check_prices(plan)
    seen_dates: set[date] = set()
    for index, day in enumerate(plan.days):
        where = f"days[{index}]"
        if not plan.week.start <= day.date <= plan.week.end:
            raise PlanRuleError(
                ("days", index, "date"),
                f"{where}.date {day.date} is outside the week ({plan.week.start} to {plan.week.end})",
            )
        if day.date in seen_dates:
            raise PlanRuleError(("days", index, "date"), f"{where}.date {day.date} appears twice")
        seen_dates.add(day.date)
        _check_idea(plan, day.theme, (Span.day,), ("days", index, "theme"))
        for number, activity in enumerate(day.activities):
            loc: Loc = ("days", index, "activities", number, "idea")
            _check_idea(plan, activity.idea, (Span.slot, Span.daily), loc)
            _check_sessions(plan, activity, ("days", index, "activities", number))
    for index, idea_id in enumerate(plan.all_week):
        _check_idea(plan, idea_id, (Span.week,), ("all_week", index))
    for index, item in enumerate(plan.prep):
        if item.idea not in plan.ideas:
            raise PlanRuleError(
                ("prep", index, "idea"),
                f"prep[{index}].idea: '{item.idea}' is not one of the ideas listed under ideas",
            )
    for index, point in enumerate(plan.year_round):
        if point.idea not in plan.ideas:
            raise PlanRuleError(
                ("year_round", index, "idea"),
                f"year_round[{index}].idea: '{point.idea}' is not one of the ideas listed under ideas",
            )
    for index, kudo in enumerate(plan.kudos):
        if kudo.date not in seen_dates:
            raise PlanRuleError(
                ("kudos", index, "date"),
                f"kudos[{index}].date {kudo.date} is not one of the days of the plan",
            )


def _check_dates_near_the_year(plan: Plan) -> None:
    # Prep starts up to a year before the week, year-round touchpoints end within the next year.
    # Anything further is a typo, and at the ends of the calendar (year 1, 9999) date arithmetic
    # in the calendar export would overflow. (A kudo's `received` is only shown, never computed
    # with, and a customer's words may be years old: it is left free.)
    first = max(date(max(plan.year - 1, date.min.year), 1, 1), date.min + _CALENDAR_MARGIN)
    last = min(date(min(plan.year + 1, date.max.year), 12, 31), date.max - _CALENDAR_MARGIN)
    dated: list[tuple[Loc, date]] = [
        (("week", "start"), plan.week.start),
        (("week", "end"), plan.week.end),
        *((("prep", i, "due"), item.due) for i, item in enumerate(plan.prep)),
        *((("year_round", i, "date"), point.date) for i, point in enumerate(plan.year_round)),
    ]
    for loc, day in dated:
        if not first <= day <= last:
            raise PlanRuleError(
                loc,
                f"{dotted(loc)} {day} is far from the plan's year {plan.year}:"
                f" give a date from {first} to {last}",
            )


def _check_ideas_keyed_by_id(plan: Plan) -> None:
    # Days name ideas by the key, exports and emails by the idea's own id: they must agree.
    for key, idea in plan.ideas.items():
        if idea.id != key:
            raise PlanRuleError(
                ("ideas", key, "id"),
                f"ideas.{key}.id: '{idea.id}' differs from its key '{key}'; make the two the same",
            )


def _check_sessions(plan: Plan, activity: Activity, loc: Loc) -> None:
    shifts = {shift.name: shift for shift in plan.team.shifts}
    where = f"{loc[0]}[{loc[1]}]"
    for number, session in enumerate(activity.sessions):
        shift = shifts.get(session.shift)
        if shift is None:
            raise PlanRuleError(
                (*loc, "sessions", number, "shift"), f"{where}: shift '{session.shift}' is not in team.shifts"
            )
        if not (
            shift.start_minute <= clock_minutes(session.start)
            and clock_minutes(session.end) <= shift.end_minute
        ):
            raise PlanRuleError(
                (*loc, "sessions", number),
                f"{where}: {activity.idea} {session.start}-{session.end} is outside"
                f" the {shift.name} shift ({shift.start}-{shift.end})",
            )


_SPAN_PLACE = {
    Span.day: "a themed day",
    Span.slot: "an activity",
    Span.daily: "an activity",
    Span.week: "all_week",
}


def _check_idea(plan: Plan, idea_id: str, spans: tuple[Span, ...], loc: Loc) -> None:
    idea = plan.ideas.get(idea_id)
    if idea is None:
        raise PlanRuleError(loc, f"{dotted(loc)}: '{idea_id}' is not one of the ideas listed under ideas")
    if idea.span not in spans:
        wanted = " or ".join(f"span: {span.value}" for span in spans)
        raise PlanRuleError(
            loc,
            f"{dotted(loc)}: '{idea_id}' is span: {idea.span.value} and belongs in"
            f" {_SPAN_PLACE[idea.span]}; this place takes {wanted}",
        )


# --- plan.yaml ---------------------------------------------------------------------------------
