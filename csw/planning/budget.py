"""The budget is a target: spend between team.budget_use and all of it, where the bank allows.

The first pass chooses ideas near an even share of the budget per place; this pass then trades
chosen ideas for richer ones of the same kind (a catered lunch for a potluck) until the spend
reaches the target, never over the budget, never losing a goal the week serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from csw.core.errors import PlanError
from csw.ideas.model import Category, Idea, Span
from csw.plan.pricing import usd_scale
from csw.planning.choose import Place, passing, rules
from csw.planning.state import Placed, is_fundraiser

if TYPE_CHECKING:
    from csw.planning.week import Planner

LOW_PER_REP = 5.0  # USD: a budget under this much a rep for the week plans a low-cost week
_TRIES = 40  # richer candidates tried for one place before keeping what is there
_UPGRADE_ORDER = {Span.slot: 0, Span.daily: 1, Span.week: 2, Span.day: 3}


def spend_to_target(planner: Planner) -> None:
    team = planner.team
    floor = team.budget * team.budget_use
    per_rep = team.budget / team.headcount
    low = LOW_PER_REP * usd_scale(team)
    if team.budget == 0:
        planner.notes.append("A budget of 0: a free week, every idea in it costs nothing.")
        return
    if per_rep < low:
        planner.notes.append(
            f"A budget of {planner.money(per_rep)} a rep is under {planner.money(low)} a rep:"
            " this is a low-cost week, mostly free ideas."
        )
    places = sorted(
        (p for p in planner.state.placed.values() if not p.pinned),
        key=lambda p: (_UPGRADE_ORDER[p.idea.span], p.day or planner.days[0]),
    )
    for placed in places:
        if planner.state.spent >= floor - 1e-9:
            break
        _upgrade(planner, placed)
    if planner.state.spent < floor - 0.005 and per_rep >= low:
        planner.notes.append(
            f"The richest ideas that fit this week come to {planner.money(planner.state.spent)},"
            f" under {team.budget_use:.0%} of the budget: add paid ideas to the bank (--ideas) to spend more."
        )


def _upgrade(planner: Planner, placed: Placed) -> None:
    old, day = placed.idea, placed.day
    state, team = planner.state, planner.team
    money = team.budget - (state.spent - placed.cost)
    aim = team.budget * (1 + team.budget_use) / 2 - (state.spent - placed.cost)
    runs = state.live_runs[old.id]
    planner.unplace(old.id)
    lost = set(old.goals) - state.goals  # goals only the old idea served: the new one must serve them
    # the week's drive stays a drive while anything else for the charity leans on it
    drive_needed = is_fundraiser(old) and any(i.category is Category.charity for i in state.ideas())
    place = Place(old.span, day, old.role)
    used = planner.ranking.staleness
    richer = [
        i
        for i in planner.pools[old.span]
        if i.role is old.role
        and placed.cost < planner.cost(i) <= money + 1e-9
        and lost <= set(i.goals)
        and (is_fundraiser(i) or not drive_needed)
        and used.get(i.id, 0) <= used.get(old.id, 0)  # never an idea from a later plan than the old one
    ]
    for idea in _ranked(planner, _passing(planner, place, richer, money), aim)[:_TRIES]:
        if planner.place(idea, day):
            return
    planner.restore(placed, runs)  # as it was: placed again, it might not find the same times


def _passing(planner: Planner, place: Place, pool: list[Idea], money: float) -> list[Idea]:
    if not pool:
        return []
    try:
        return passing(pool, rules(planner.state, place, planner.cost, money, ""), place)
    except PlanError:
        return []


def _ranked(planner: Planner, candidates: list[Idea], aim: float) -> list[Idea]:
    order, used = planner.ranking.order, planner.ranking.staleness
    return sorted(candidates, key=lambda i: (used.get(i.id, 0), abs(planner.cost(i) - aim), order[i.id]))
