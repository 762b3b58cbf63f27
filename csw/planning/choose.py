"""Choosing one idea for one place in the week: the rules it must pass, then the best by rank.

Every candidate passes the rules in order; when a place is left with none, the rule that removed
the last candidates is the constraint reported, with what to relax. The rest are ranked: fresher
ideas first, then an opening or finale where the arc needs one, then the week's goals not yet
served and the categories not yet used, then what does not split the team into waves of one
or two, then a meal if the week has none, then a cost near the
share of the budget still to spend, then the categories the week has used least, then the seed's
order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from csw.core.errors import PlanError
from csw.ideas.model import Category, Goal, Idea, Role, Span
from csw.planning.order import day_name
from csw.planning.state import WeekState, is_fundraiser


@dataclass(frozen=True)
class Rule:
    name: str
    keep: Callable[[Idea], bool]
    advice: str


@dataclass(frozen=True)
class Place:
    """Where an idea goes: a span, and for a themed day or a slot, its day."""

    span: Span
    day: date | None
    role: Role | None = None  # the arc's need here, if any

    def describe(self) -> str:
        what = {
            Span.day: "themed day",
            Span.slot: "activity",
            Span.week: "week-long item",
            Span.daily: "daily item",
        }
        label = what[self.span] if self.role is None else f"{self.role.value} ({what[self.span]})"
        return f"{day_name(self.day)}: no {label}" if self.day else f"the week: no {label}"


PHONES = "phones stay staffed"
MAX_CHARITY = 2  # ideas for the charity in one week: its drive and one more
PHONES_ADVICE = "raise team.max_off_phones, lengthen the shifts, or lower --per-day"


def rules(
    state: WeekState,
    place: Place,
    cost: Callable[[Idea], float],
    money: float,
    budget_hint: str,
    *,
    variety: bool = True,
) -> list[Rule]:
    """The rules a candidate must pass; `variety=False` drops the one a full day may bend."""
    on_day = {i.category for i in state.on(place.day)} if place.day else set()
    chosen = state.placed.keys()
    blocked = {other for p in state.placed.values() for other in p.idea.conflicts}
    drives = bool(state.fundraisers())
    charity = sum(i.category is Category.charity for i in state.ideas())
    weekday = place.day is None or place.day.weekday() < 5  # the other departments work weekdays
    return [
        Rule(
            "each idea once a week", lambda i: i.id not in state.placed, "add ideas to the bank with --ideas"
        ),
        Rule(
            "no two ideas that conflict",
            lambda i: i.id not in blocked and not (i.conflicts and chosen & set(i.conflicts)),
            "exclude one of the conflicting ideas, or add ideas to the bank",
        ),
        Rule(
            "no category twice on one day",
            lambda i: not variety or place.span in (Span.week, Span.daily) or i.category not in on_day,
            "add ideas in other categories, or lower --per-day",
        ),
        Rule(
            "one charity drive that raises money, and one more idea for the charity at most",
            lambda i: _charity_fits(drives, charity, i),
            "add fundraising ideas (tag: fundraiser) outside the excluded ones",
        ),
        Rule(
            "thanks to other departments on a working day",
            lambda i: weekday or Goal.thank_departments not in i.goals,
            "pin the thanks to a weekday, or add ideas for the weekend",
        ),
        Rule("budget", lambda i: cost(i) <= money + 1e-9, budget_hint),
    ]


def _charity_fits(drives: bool, charity: int, idea: Idea) -> bool:
    if idea.category is not Category.charity:
        return True
    # one drive, and beside it at most one more for the charity (a vote, a reveal, volunteering)
    return not drives if is_fundraiser(idea) else drives and charity < MAX_CHARITY


def passing(pool: list[Idea], rule_list: list[Rule], place: Place) -> list[Idea]:
    candidates = pool
    for rule in rule_list:
        candidates = [i for i in candidates if rule.keep(i)]
        if not candidates:
            raise infeasible(place, rule.name, rule.advice)
    return candidates


def infeasible(place: Place, name: str, advice: str) -> PlanError:
    return PlanError(
        f"{place.describe()} left that meets the constraint '{name}'.", hint=f"To relax it: {advice}."
    )


@dataclass(frozen=True)
class Ranking:
    staleness: dict[str, int]
    order: dict[str, str]
    crowded_out: frozenset[str] = frozenset()  # waves of one or two: a team too small for them
    dollar: float = 1.0  # the team's units in one USD: the budget buckets' rule of thumb is in dollars

    def ranked(
        self,
        state: WeekState,
        place: Place,
        candidates: list[Idea],
        cost: Callable[[Idea], float],
        target: float,
    ) -> Iterator[Idea]:
        missing = set(Goal) - state.goals
        used = state.categories
        hungry = not any(i.meal for i in state.ideas())  # a week shares at least one meal

        def rank(i: Idea) -> tuple[int, int, int, int, int, int, int, str]:
            return (
                self.staleness.get(i.id, 0),
                -(place.role is not None and i.role is place.role),
                # a goal not yet served, or a category not yet used, counts the same
                -len(missing.intersection(i.goals)) - (used[i.category] == 0),
                i.id in self.crowded_out,
                -(hungry and i.meal is not None),
                _budget_bucket(cost(i), target, self.dollar),
                used[i.category],
                self.order[i.id],
            )

        best = min(candidates, key=rank)
        yield best  # usually fits: spare the sort of a large bank
        yield from (i for i in sorted(candidates, key=rank) if i is not best)


def _budget_bucket(cost: float, target: float, dollar: float = 1.0) -> int:
    """How far a cost is from the target, in coarse steps (so that goals and variety still count)."""
    return math.floor(abs(cost - target) / (0.5 * target + 5 * dollar))
