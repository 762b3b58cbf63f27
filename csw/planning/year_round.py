"""Year-round appreciation: one idea in each of the eleven months after the week."""

from __future__ import annotations

from collections.abc import Mapping

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from csw.core.errors import PlanError
from csw.ideas.model import Idea
from csw.plan.model import Touchpoint
from csw.planning.constraints import Constraints
from csw.planning.order import tiebreak
from csw.week.dates import MAX_YEAR, WEEKDAYS, Week

_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)


def year_round(
    week: Week, ideas: Mapping[str, Idea], constraints: Constraints, seed: int, used: set[str]
) -> tuple[Touchpoint, ...]:
    """One idea tagged for it in each of the eleven months after the week, never the same twice."""
    rule = constraints.year_round
    assert rule is not None
    if week.start.year >= MAX_YEAR:
        raise PlanError(
            f"year-round: the eleven months after the week fall in {week.start.year + 1}, and csw"
            f" plans up to the year {MAX_YEAR}.",
            hint="Turn year_round off for this year (--no-year-round).",
        )
    mode = constraints.team.mode
    pool = [
        i
        for i in ideas.values()
        if rule.tag in i.tags and i.works_for(mode) and i.id not in constraints.exclude
    ]
    if len(pool) < 11:
        raise PlanError(
            f"year-round: it needs 11 different ideas tagged '{rule.tag}' that work for a"
            f" {mode.value} team, and the idea bank has {len(pool)}.",
            hint=f"Tag more ideas '{rule.tag}' in your own bank (--ideas), or turn year_round off.",
        )
    # ideas the week did not use come first, so the year does not repeat the week
    pool.sort(key=lambda i: (i.id in used, tiebreak(seed, f"year-round:{i.id}")))
    weekday = _WEEKDAYS[WEEKDAYS.index(rule.weekday)](rule.nth)
    months = [week.start + relativedelta(months=k, day=1) for k in range(1, 12)]
    return tuple(
        Touchpoint(date=first + relativedelta(weekday=weekday), idea=idea.id)
        for first, idea in zip(months, pool, strict=False)
    )
