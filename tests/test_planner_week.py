"""The week's shape, as properties over many teams: each rule read from the plan and checked anew.

Every plan the planner makes, over seeds, years, modes, 5 to 5,000 reps, 0 to 100 USD a rep, 5- and
7-day weeks and one to three shifts, is checked against the rules a coordinator reads it by: the
arc, week-long and daily items, meals in their windows, phone share and capacity at every minute,
rooms, repeats of a live session, the budget band, prep on working days, remote forms, conflicts
and the five goals. The windows are written out here from the design, not taken from the planner.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csw.core.errors import PlanError
from csw.ideas.model import Format, Goal, Idea, Meal, Role, Span, TimeOfDay
from csw.plan.model import Plan
from csw.settings.config import Mode, clock_minutes
from tests.plans import SHIFTS, plan_for

WEEKS = [("mon", "tue", "wed", "thu", "fri"), ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
teams = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(list(Mode)),
        "headcount": st.integers(min_value=5, max_value=5000),
        "per_rep": st.sampled_from([0, 0.5, 3, 5, 8, 12, 20, 30, 45, 60, 100]),
        "share": st.sampled_from([0.1, 0.2, 0.25, 0.34, 0.5]),
        "shifts": st.sampled_from(list(SHIFTS)),
        "per_day": st.integers(min_value=1, max_value=3),
        "seed": st.integers(min_value=0, max_value=2**32),
        "year": st.integers(min_value=2020, max_value=2035),
        "days": st.sampled_from(WEEKS),
    }
)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BAND_REACH = 30  # USD a rep: up to this much, the built-in bank always has enough to spend 70% of it


def make(team: dict) -> Plan:
    budget = round(team["per_rep"] * team["headcount"], 2)
    args = {k: v for k, v in team.items() if k != "per_rep"}
    return plan_for(**args, budget=budget)


@PROPERTY
@given(teams)
def test_every_week_has_the_shape_a_coordinator_expects(team: dict) -> None:
    try:
        plan = make(team)
    except PlanError as error:
        # the one honest failure: a shift too small to spare a rep for what the arc needs
        assert "phones stay staffed" in str(error) or "no opening" in str(error), str(error)
        assert team["headcount"] * team["share"] < 8 * len(SHIFTS[team["shifts"]]), (team, str(error))
        return
    check_arc(plan)
    check_spans(plan)
    check_times(plan)
    check_people(plan)
    check_money(plan, team)
    check_prep(plan)
    check_modes(plan)
    check_purpose(plan)


def check_arc(plan: Plan) -> None:
    first, last = plan.days[0], plan.days[-1]
    roles = {day.date: {plan.idea(i).role for i in day.idea_ids} for day in plan.days}
    assert Role.opening in roles[first.date], "the first day opens the week"
    assert Role.finale in roles[last.date], "the last day closes it"
    for day in plan.days[1:]:
        assert Role.opening not in roles[day.date], "no opening after the first day"
    for day in plan.days[:-1]:
        assert Role.finale not in roles[day.date], "no finale before the last day"
    every = [
        plan.idea(i).role for day in plan.days for i in day.idea_ids if plan.idea(i).span is not Span.daily
    ]
    assert every.count(Role.opening) == 1 and every.count(Role.finale) == 1, "one opening, one finale"
    for day in plan.days:
        if day.date.weekday() >= 5:
            thanks = [i for i in day.idea_ids if Goal.thank_departments in plan.idea(i).goals]
            assert not thanks, f"{thanks} on a weekend, when the other departments are away"


def check_spans(plan: Plan) -> None:
    assert all(plan.idea(i).span is Span.week for i in plan.all_week)
    daily = [i for i in plan.ideas if plan.ideas[i].span is Span.daily]
    for day in plan.days:
        ids = [a.idea for a in day.activities]
        assert plan.idea(day.theme).span is Span.day
        assert set(daily) <= set(ids), "a daily item is on every day"
        assert all(plan.idea(i).span in (Span.slot, Span.daily) for i in ids)
    starts = defaultdict(set)
    for day in plan.days:
        for activity in day.activities:
            for session in activity.sessions if activity.idea in daily else ():
                if session.wave == 1:
                    starts[(activity.idea, session.shift)].add(session.start)
    moved = {key: sorted(times) for key, times in starts.items() if len(times) > 1}
    assert not moved, f"a daily item at the same time every day, as the agenda says: {moved}"
    slots = [a.idea for day in plan.days for a in day.activities if plan.idea(a.idea).span is Span.slot]
    themes = [day.theme for day in plan.days]
    assert len(slots) == len(set(slots)) and len(themes) == len(set(themes)), "each idea once"


def meal_window(meal: Meal, start: int, end: int) -> tuple[int, int]:
    """Where the design says a meal goes in a shift from `start` to `end` (minutes)."""
    if meal is Meal.snack:
        return (start + 60, end - 30) if end - start >= 180 else (start, end)
    if meal is Meal.breakfast:
        return max(start, 7 * 60), min(end, start + 150, 11 * 60)
    lunch = max(start, 11 * 60), min(end, 14 * 60 + 30)
    dinner = max(start, 17 * 60), min(end, 20 * 60 + 30)
    if meal is Meal.lunch and lunch[1] > lunch[0]:
        return lunch
    return dinner


def part_of_shift(idea: Idea, start: int, end: int) -> tuple[int, int]:
    length = end - start
    return {
        TimeOfDay.morning: (start, start + max(length // 2, 120)),
        TimeOfDay.midday: (start + length // 4, end - length // 4),
        TimeOfDay.afternoon: (start + length // 2, end),
        TimeOfDay.any: (start, end),
    }[idea.time_of_day]


def check_times(plan: Plan) -> None:
    shifts = {s.name: s for s in plan.team.shifts}
    for day in plan.days:
        rooms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for activity in day.activities:
            idea = plan.idea(activity.idea)
            for session in activity.sessions:
                shift = shifts[session.shift]
                begin, end = clock_minutes(session.start), clock_minutes(session.end)
                assert end - begin == idea.session_minutes
                low, high = part_of_shift(idea, shift.start_minute, shift.end_minute)
                if idea.meal:
                    meal_low, meal_high = meal_window(idea.meal, shift.start_minute, shift.end_minute)
                    low, high = (
                        (max(low, meal_low), min(high, meal_high))
                        if idea.meal is Meal.snack
                        else (meal_low, meal_high)
                    )
                assert low <= begin and end <= high, (idea.id, idea.meal, session, shift)
                if idea.location:
                    rooms[idea.location.casefold()].append((begin, end))
        for room, booked in rooms.items():
            booked.sort()
            assert all(a[1] <= b[0] for a, b in pairwise(booked)), f"{room} twice at once"


def check_people(plan: Plan) -> None:
    counts = plan.team.shift_headcounts()
    live: dict[str, int] = defaultdict(int)
    for day in plan.days:
        away: dict[tuple[str, int], int] = defaultdict(int)
        for activity in day.activities:
            idea = plan.idea(activity.idea)
            live[idea.id] += len(activity.sessions) if idea.format is Format.live else 0
            for session in activity.sessions:
                if idea.format is Format.desk:
                    assert session.reps == 0
                assert session.reps <= (idea.capacity or session.reps), "capacity"
                for minute in range(clock_minutes(session.start), clock_minutes(session.end)):
                    away[(session.shift, minute)] += session.reps
            if idea.format in (Format.waves, Format.appointments):
                for shift, reps in counts.items():
                    got = sum(s.reps for s in activity.sessions if s.shift == shift)
                    assert got == onsite_reps(plan, idea, reps), "everyone on the shift gets a turn"
        for (shift, _), reps in away.items():
            assert reps <= int(plan.team.max_off_phones * counts[shift] + 1e-9), "phones stay staffed"
    for idea_id, runs in live.items():
        assert runs <= (plan.idea(idea_id).max_sessions or runs), "a host repeats it max_sessions times"


def onsite_reps(plan: Plan, idea: Idea, reps: int) -> int:
    """Of a shift's reps, those who take part in person: the rest get the idea's remote form."""
    if plan.team.mode is Mode.onsite or Mode.remote in idea.modes:
        return reps
    return 0 if plan.team.mode is Mode.remote else reps - round(reps * plan.team.remote_share)


def check_money(plan: Plan, team: dict) -> None:
    budget = plan.team.budget
    assert plan.spent <= budget + 1e-6
    if budget == 0:
        assert plan.spent == 0
    elif 5 <= team["per_rep"] <= BAND_REACH:
        assert plan.spent >= 0.7 * budget - 1e-6, (plan.spent, budget)
    assert plan.spent_per_rep == round(plan.spent / plan.team.headcount, 2)


def check_prep(plan: Plan) -> None:
    starts = {i: plan.week.start for i in plan.all_week}
    for day in plan.days:
        for idea_id in day.idea_ids:
            starts.setdefault(idea_id, day.date)
    for item in plan.prep:
        assert item.due.weekday() < 5, f"{item.task} due on a weekend"
        assert item.due <= starts[item.idea], f"{item.task} due after its idea runs"
        lead = max(t.days_before for t in plan.idea(item.idea).prep) if plan.idea(item.idea).prep else 0
        remote = plan.idea(item.idea).remote
        lead = max(lead, *(t.days_before for t in remote.prep)) if remote and remote.prep else lead
        assert item.due >= starts[item.idea] - timedelta(days=lead + 2)
    dues = [item.due for item in plan.prep]
    assert dues == sorted(dues)


def check_modes(plan: Plan) -> None:
    mode = plan.team.mode
    for idea in plan.ideas.values():
        assert idea.works_for(mode), idea.id
        if mode is Mode.remote:
            assert Mode.remote in idea.modes or idea.remote is not None, (
                "nothing physical without a remote form"
            )
    if mode is Mode.onsite:
        assert not [i.task for i in plan.prep if "remote" in i.task.lower()], "no remote-only task onsite"


def check_purpose(plan: Plan) -> None:
    ideas = list(plan.ideas.values())
    assert {g for i in ideas for g in i.goals} == set(Goal), "the five goals"
    ids = set(plan.ideas)
    for idea in ideas:
        assert not set(idea.conflicts) & ids, f"{idea.id} shares the week with a conflict"
    charity = [i for i in ideas if i.category.value == "charity"]
    if charity:
        assert sum("fundraiser" in i.tags for i in charity) == 1, "one drive, and it raises money"
        assert len(charity) <= 2, "the drive and one more for the charity"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(list(Mode)),
    st.sampled_from(WEEKS),
    st.integers(min_value=5, max_value=400),
)
def test_a_budget_of_zero_plans_a_good_free_week(seed: int, mode: Mode, days: tuple, headcount: int) -> None:
    plan = plan_for(seed=seed, mode=mode, days=days, budget=0, headcount=headcount)
    assert plan.spent == 0
    check_arc(plan)
    check_purpose(plan)
    assert all(len(day.activities) >= 2 for day in plan.days)
    assert any("free week" in note for note in plan.notes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams)
def test_every_planned_week_renders_every_export_and_reads_back(team: dict) -> None:
    """The templates' rarer branches (a remote team's forms, recordings for a third shift, a
    weekend, a free week) render for any plan the planner makes, and the file reads back whole."""
    from markdown_it import MarkdownIt

    from csw.exports.output import render_exports
    from csw.plan.file import parse_plan, plan_text

    try:
        plan = make(team)
    except PlanError:
        return
    files = render_exports(plan, ("md", "ics", "html", "json"))
    agenda = str(files["agenda.md"])
    assert MarkdownIt("commonmark").parse(agenda), "CommonMark"
    for day in plan.days:
        assert f": {plan.idea(day.theme).title}" in agenda
    assert not re.search(r"\b0 (reps|at a time)\b", agenda), "no session for nobody"
    assert not re.search(r"\b1 reps\b", agenda), "one rep, not 1 reps"
    if plan.team.mode is Mode.remote:
        assert "reps in the room while" not in agenda, "a remote team meets on a call"
    assert parse_plan(plan_text(plan), "plan.yaml") == plan
