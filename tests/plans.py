"""Plans made in-process from the built-in bank, for tests of the planner and of what renders a plan."""

from __future__ import annotations

from datetime import date
from functools import cache

from csw.ideas.bank import Idea, load_bank
from csw.plan.model import Organization, Plan, TeamFacts
from csw.planning import Constraints, make_plan
from csw.settings.config import Mode, Shift
from csw.week.dates import week_of

ORG = Organization(name="Acme", team="Care", timezone="America/Chicago", domain="acme.example")
WORKWEEK = ("mon", "tue", "wed", "thu", "fri")
SHIFTS = {
    "one": (Shift(name="day", start="09:00", end="17:00"),),
    "two": (Shift(name="day", start="08:00", end="16:30"), Shift(name="late", start="12:00", end="20:30")),
    "evening": (
        Shift(name="day", start="07:00", end="15:00"),
        Shift(name="evening", start="15:00", end="23:00"),
    ),
    "24/7": (
        Shift(name="early", start="00:00", end="08:00"),
        Shift(name="day", start="08:00", end="16:00", headcount=20),
        Shift(name="night", start="16:00", end="24:00"),
    ),
}


@cache
def bank() -> dict[str, Idea]:
    ideas, problems = load_bank()
    assert not problems, problems[:5]
    return ideas.ideas


def plan_for(
    *,
    mode: Mode = Mode.onsite,
    headcount: int = 40,
    budget: float = 2000.0,
    share: float = 0.25,
    shifts: str | tuple[Shift, ...] = "one",
    per_day: int = 2,
    pins: dict | None = None,
    exclude: frozenset[str] = frozenset(),
    history: tuple = (),
    seed: int = 1,
    year: int = 2025,
    days: tuple[str, ...] = WORKWEEK,
    start: date | None = None,
    ideas: dict[str, Idea] | None = None,
    organization: Organization = ORG,
    theme: str = "Mission Possible",
) -> Plan:
    """A plan from the planner; `shifts` names one of SHIFTS or gives the shifts themselves."""
    team = TeamFacts(
        mode=mode,
        headcount=headcount,
        budget=budget,
        currency="USD",
        max_off_phones=share,
        shifts=SHIFTS[shifts] if isinstance(shifts, str) else shifts,
    )
    constraints = Constraints(team=team, per_day=per_day, pins=pins or {}, exclude=exclude, history=history)
    week = week_of(year, days, start)
    return make_plan(week, ideas or bank(), constraints, seed, organization=organization, theme=theme)
