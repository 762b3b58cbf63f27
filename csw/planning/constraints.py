"""What a plan must respect, from csw.toml and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from csw.core.locale_formats import DEFAULT_LOCALE
from csw.plan.model import TeamFacts
from csw.settings.config import Meals, YearRound


@dataclass(frozen=True)
class Constraints:
    team: TeamFacts
    per_day: int = 2
    pins: Mapping[date, tuple[str, ...]] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()
    history: tuple[tuple[int, frozenset[str]], ...] = ()  # (year, idea ids) of earlier plans
    year_round: YearRound | None = None
    meals: Meals = field(default_factory=Meals)
    locale: str = DEFAULT_LOCALE  # how the planner's notes and messages write amounts and dates
