"""From csw.toml and the command line to a planned week: the use case behind `csw plan`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from csw.config import Config, Mode
from csw.dates import Week, parse_weekday_or_date, week_of
from csw.errors import UsageError
from csw.ideas import load_valid_bank
from csw.plan import Organization, Plan, TeamFacts, load_plan
from csw.planner import Constraints, make_plan
from csw.themes import theme_of


@dataclass(frozen=True)
class PlanOptions:
    """What the command line can say about a plan, over csw.toml. None: the config's value."""

    year: int
    seed: int | None = None
    mode: Mode | None = None
    headcount: int | None = None
    budget: float | None = None
    per_day: int | None = None
    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    history: tuple[Path, ...] = ()
    ideas: tuple[Path, ...] = field(default=())


def plan_week(config: Config, options: PlanOptions) -> Plan:
    """Load the idea banks and earlier plans, then plan the year's week under every constraint."""
    week = week_of(options.year, config.week.days, config.week.start)
    bank = load_valid_bank([*(config.resolve(p) for p in config.ideas.paths), *options.ideas])
    org = config.organization
    return make_plan(
        week,
        bank.ideas,
        constraints(config, options, week),
        options.year if options.seed is None else options.seed,
        organization=Organization(name=org.name, team=org.team, timezone=org.timezone, domain=org.domain),
        theme=theme_of(options.year, config.themes, org.theme),
    )


def constraints(config: Config, options: PlanOptions, week: Week) -> Constraints:
    team = config.team
    if options.headcount is not None and options.headcount < 1:
        raise UsageError(f"--headcount {options.headcount}: give at least 1.")
    if options.budget is not None and options.budget < 0:
        raise UsageError(f"--budget {options.budget}: give 0 or more.")
    if options.per_day is not None and not 0 <= options.per_day <= 6:
        raise UsageError(f"--per-day {options.per_day}: give 0 to 6.")
    facts = TeamFacts(
        mode=options.mode or team.mode,
        headcount=options.headcount or team.headcount,
        budget=team.budget if options.budget is None else options.budget,
        currency=team.currency,
        max_off_phones=team.max_off_phones,
        shifts=team.shifts,
    )
    return Constraints(
        team=facts,
        per_day=team.per_day if options.per_day is None else options.per_day,
        pins=parse_pins(options.pins, week),
        exclude=frozenset(config.ideas.exclude) | frozenset(options.exclude),
        history=tuple(_history(path) for path in options.history),
    )


def parse_pins(pins: tuple[str, ...], week: Week) -> dict[date, tuple[str, ...]]:
    """`mon=pajama-day` or `2025-10-07=superhero-day`, grouped by day."""
    by_day: dict[date, tuple[str, ...]] = {}
    for pin in pins:
        day_text, sep, idea_id = pin.partition("=")
        if not sep or not idea_id.strip():
            raise UsageError(f"--pin {pin}: write it as DAY=IDEA_ID, for example --pin tue=superhero-day.")
        day = parse_weekday_or_date(day_text, week)
        by_day[day] = (*by_day.get(day, ()), idea_id.strip())
    return by_day


def _history(path: Path) -> tuple[int, frozenset[str]]:
    plan = load_plan(path)
    return plan.year, frozenset(plan.ideas)
