"""From csw.toml and the command line to planned weeks: the use case behind `csw plan`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csw.core.errors import IdeaBankError, PlanError, UsageError
from csw.core.slugs import slug
from csw.ideas.bank import Bank, Idea, load_valid_bank
from csw.plan.file import load_plan
from csw.plan.model import Organization, Plan, TeamFacts
from csw.planning import Constraints, make_plan
from csw.settings.config import Config, Mode, Team, TeamEntry
from csw.week.dates import Week, parse_weekday_or_date, week_of
from csw.week.themes import theme_of

if TYPE_CHECKING:
    from csw.people.kudos import KudoRow
    from csw.people.recipients import Recipient
    from csw.people.staffing import Roster


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
    ideas: tuple[Path, ...] = ()
    year_round: bool | None = None
    kudos: Path | None = None
    roster: Path | None = None
    team: str | None = None

    def __post_init__(self) -> None:
        # checked when made, before any file is read: a bad value is reported before any work
        if self.headcount is not None and self.headcount < 1:
            raise UsageError(f"--headcount {self.headcount}: give at least 1.")
        if self.budget is not None and not self.budget >= 0:  # `not >=`: nan is refused too
            raise UsageError(f"--budget {self.budget}: give 0 or more.")
        if self.per_day is not None and not 0 <= self.per_day <= 6:
            raise UsageError(f"--per-day {self.per_day}: give 0 to 6.")


def parse_mode(text: str) -> Mode:
    """--mode onsite, remote or hybrid (any case)."""
    try:
        return Mode(text.lower())
    except ValueError:
        raise UsageError(f"--mode {text}: choose onsite, remote or hybrid.") from None


def plan_week(config: Config, options: PlanOptions) -> Plan:
    """The plan of a single-team organisation (csw.toml without [[teams]])."""
    return planned_week(config, options)[0]


def planned_week(config: Config, options: PlanOptions) -> tuple[Plan, Roster | None]:
    """The plan of a single-team organisation, and its roster's waves if it has a roster."""
    planning = _Planning(config, options)
    plan = planning.plan(None)
    return plan, planning.roster(plan, None)


def plan_teams(config: Config, options: PlanOptions) -> list[tuple[str, Plan]]:
    """One plan per team of a [[teams]] organisation (or only --team), each with its folder name.

    In one process: a plan takes about as long to make as to send back from a worker process.
    """
    return [(folder, plan) for folder, plan, _ in planned_teams(config, options)]


def planned_teams(config: Config, options: PlanOptions) -> list[tuple[str, Plan, Roster | None]]:
    """plan_teams, with each team's roster's waves (None for a team without a roster)."""
    planning = _Planning(config, options)
    teams = config.teams
    if options.team is not None:
        wanted = options.team.casefold()
        teams = tuple(t for t in teams if wanted in (t.name.casefold(), slug(t.name)))
        if not teams:
            names = ", ".join(t.name for t in config.teams) or "none: csw.toml has no [[teams]]"
            raise UsageError(f"--team {options.team}: no such team (teams: {names}).")
    planned = [(team, planning.plan(team)) for team in teams]
    return [(slug(team.name), plan, planning.roster(plan, team)) for team, plan in planned]


class _Planning:
    """What every team's plan shares, loaded once: the week, the idea bank, the kudos."""

    def __init__(self, config: Config, options: PlanOptions) -> None:
        self.config = config
        self.options = options
        self.week = week_of(options.year, config.week.days, config.week.start)
        paths = [*(config.resolve(p) for p in config.ideas.paths), *options.ideas]
        bank = load_valid_bank(paths)
        _check_excluded("--exclude", options.exclude, bank)
        source = config.source_name
        _check_excluded(f"{source}: ideas.exclude", config.ideas.exclude, bank)
        for index, entry in enumerate(config.teams):
            _check_excluded(self._where(index, "exclude"), entry.exclude, bank)
        self.bank = bank
        self.index = {entry.name: index for index, entry in enumerate(config.teams)}  # names are unique
        self.ideas: Mapping[str, Idea] = bank.ideas
        self.kudos = _load_kudos(options.kudos)
        self._people: dict[Path, tuple[list[Recipient], list[str]]] = {}

    def roster_file(self, entry: TeamEntry | None) -> Path | None:
        from csw.people.staffing import roster_path

        return roster_path(self.config, self.options.roster, entry.name if entry else None)

    def _missing_recipients(self, entry: TeamEntry | None) -> list[str]:
        if entry is None or not entry.recipients or self.roster_file(entry) is not None:
            return []
        where = self._where(self.index[entry.name], "recipients")
        return [
            f"{where}: {entry.recipients} does not exist yet, so the waves count reps by headcount;"
            " plan again once it does, to put every rep in their own waves."
        ]

    def people(self, path: Path) -> tuple[list[Recipient], list[str]]:
        """The rows of a roster file, read once however many times it is used."""
        if path not in self._people:
            from csw.people.staffing import read_people

            self._people[path] = read_people(path)
        return self._people[path]

    def roster(self, plan: Plan, entry: TeamEntry | None) -> Roster | None:
        """The waves of the team's roster for `plan`, a fresh assignment; None without a roster."""
        path = self.roster_file(entry)
        if path is None:
            return None
        from csw.people.staffing import load_roster

        return load_roster(plan, path, self.config, people=self.people(path))

    def plan(self, entry: TeamEntry | None) -> Plan:
        config, options = self.config, self.options
        team = entry.merged(config.team) if entry else config.team
        seed = options.year if options.seed is None else options.seed
        constraints, notes = self._staffed(self._constraints(team, entry), team, entry)
        self._check_prices(constraints, entry)
        try:
            plan = self._make(constraints, entry, seed)
        except PlanError as error:
            if entry is None:
                raise
            raise PlanError(f"team {entry.name}: {error.message}", hint=error.hint) from None
        if notes:
            plan = plan.model_copy(update={"notes": (*notes, *plan.notes)})
        return self._with_kudos(plan, entry)

    def _check_prices(self, constraints: Constraints, entry: TeamEntry | None) -> None:
        """No plan compares the team's budget with prices in a currency it cannot convert."""
        from csw.plan.pricing import check_prices

        field = self._where(self.index[entry.name], "usd_rate") if entry else None
        mode = constraints.team.mode
        usable = [i for i in self.ideas.values() if i.id not in constraints.exclude and i.works_for(mode)]
        check_prices(
            usable, constraints.team, field or f"{self.config.source_name}: team.usd_rate", self.bank.origin
        )

    def _staffed(
        self, constraints: Constraints, team: Team, entry: TeamEntry | None
    ) -> tuple[Constraints, list[str]]:
        """The constraints with the team sized from its roster, if it has one, and the notes."""
        path = self.roster_file(entry)
        if path is None:
            return constraints, self._missing_recipients(entry)
        from dataclasses import replace

        from csw.people.roster import team_from_roster

        people, _ = self.people(path)
        facts, notes = team_from_roster(
            constraints.team, people, team.departments, sponsor=self.config.email.sponsor, source=path
        )
        wanted = self.options.headcount
        if wanted is not None and wanted != facts.headcount:
            raise UsageError(
                f"--headcount {wanted}: the roster {path} has {facts.headcount} reps.",
                hint="Drop --headcount (the roster counts the team), or change the roster.",
            )
        return replace(constraints, team=facts), notes

    def _make(self, constraints: Constraints, entry: TeamEntry | None, seed: int) -> Plan:
        config, options = self.config, self.options
        org = config.organization
        return make_plan(
            self.week,
            self.ideas,
            constraints,
            _team_seed(seed, entry.name) if entry else seed,
            organization=Organization(
                name=org.name,
                team=entry.name if entry else org.team,
                timezone=(entry.timezone if entry and entry.timezone else org.timezone),
                locale=org.locale,
                domain=org.domain,
            ),
            theme=theme_of(options.year, config.themes, org.theme),
            respell=self.bank.builtin_ids(),
        )

    def _constraints(self, team: Team, entry: TeamEntry | None) -> Constraints:
        options, config = self.options, self.config
        facts = TeamFacts(
            mode=options.mode or team.mode,
            headcount=options.headcount or team.headcount,
            budget=team.budget if options.budget is None else options.budget,
            currency=team.currency,
            usd_rate=team.usd_rate,
            max_off_phones=team.max_off_phones,
            shifts=team.shifts,
            budget_use=team.budget_use,
            remote_share=team.remote_share,
        )
        year_round = config.year_round.enabled if options.year_round is None else options.year_round
        history = [*options.history, *(config.resolve(p) for p in (entry.history if entry else ()))]
        return Constraints(
            team=facts,
            per_day=team.per_day if options.per_day is None else options.per_day,
            pins=self._pins(entry),
            exclude=frozenset(config.ideas.exclude)
            | frozenset(options.exclude)
            | frozenset(entry.exclude if entry else ()),
            history=tuple(_history(path) for path in history),
            year_round=config.year_round if year_round else None,
            meals=config.meals,
            locale=config.organization.locale,
        )

    def _pins(self, entry: TeamEntry | None) -> dict[date, tuple[str, ...]]:
        pins = parse_pins(self.options.pins, self.week, self.bank)
        if entry is None:
            return pins
        where = self._where(self.index[entry.name], "pins")
        return _merged_pins(pins, parse_pins(entry.pins, self.week, self.bank, where))

    def _where(self, index: int, field: str) -> str:
        return f"{self.config.source_name}: teams[{index}].{field}"

    def _with_kudos(self, plan: Plan, entry: TeamEntry | None) -> Plan:
        if self.kudos is None:
            return plan
        from csw.people.kudos import spread

        roster_file = self.roster_file(entry)
        kudos, warnings = spread(
            self.kudos,
            self.week.days,
            self.config.kudos.per_day,
            show_customer=self.config.kudos.show_customer,
            roster=_names(self.people(roster_file)[0]) if roster_file else None,
            source=str(self.options.kudos),
        )
        return plan.model_copy(update={"kudos": kudos, "notes": (*plan.notes, *warnings)})


def _check_excluded(where: str, ids: Iterable[str], bank: Bank) -> None:
    """Every excluded id names an idea of the bank: a typo would otherwise exclude nothing, silently."""
    for idea_id in ids:
        _check_known(f"{where} {idea_id}:", idea_id, bank)


def _check_known(what: str, idea_id: str, bank: Bank) -> None:
    try:
        bank.get(idea_id)
    except IdeaBankError as error:  # its hint says which ids are close
        raise UsageError(f"{what} there is no idea with that id.", hint=error.hint) from None


def _load_kudos(path: Path | None) -> list[KudoRow] | None:
    if path is None:
        return None
    from csw.people.kudos import load_kudos

    return load_kudos(path)


def _names(people: list[Recipient]) -> set[str]:
    """The names and addresses of the people on a recipients-style CSV."""
    return {p.name for p in people} | {p.email for p in people}


def parse_pins(
    pins: tuple[str, ...], week: Week, bank: Bank, where: str = "--pin"
) -> dict[date, tuple[str, ...]]:
    """`mon=pajama-day` or `2025-10-07=superhero-day`, grouped by day; errors name `where` (the
    option, or the config's field), a day outside the week and an id that is not in the bank."""
    by_day: dict[date, tuple[str, ...]] = {}
    for pin in pins:
        day_text, sep, idea_id = pin.partition("=")
        if not sep or not idea_id.strip():
            raise UsageError(f"{where} {pin}: write it as DAY=IDEA_ID, for example tue=superhero-day.")
        try:
            day = parse_weekday_or_date(day_text, week)
        except UsageError as error:
            raise UsageError(f"{where} {pin}: {error.message}", hint=error.hint) from None
        _check_known(f"{where} {pin}:", idea_id.strip(), bank)
        by_day[day] = (*by_day.get(day, ()), idea_id.strip())
    return by_day


def _merged_pins(*groups: dict[date, tuple[str, ...]]) -> dict[date, tuple[str, ...]]:
    merged: dict[date, tuple[str, ...]] = {}
    for group in groups:
        for day, ids in group.items():
            merged[day] = (*merged.get(day, ()), *ids)
    return merged


def _team_seed(seed: int, team: str) -> int:
    # Each team its own week, the same one every run: the seed mixed with the team's name.
    digest = hashlib.blake2b(f"{seed}:{team}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def _history(path: Path) -> tuple[int, frozenset[str]]:
    plan = load_plan(path)
    return plan.year, frozenset(plan.ideas)
