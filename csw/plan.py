"""The Plan: what the week holds, saved as plan.yaml for the coordinator to review and edit."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, field_validator, model_validator

from csw.config import Mode, Shift, check_zone, clock_minutes
from csw.dates import MAX_YEAR, MIN_YEAR
from csw.errors import PlanError
from csw.files import read_utf8
from csw.ideas import Category, Idea, PrepTask, Span
from csw.validation import (
    DomainName,
    Loc,
    OneLine,
    StrictModel,
    describe,
    dotted,
    field_names,
)
from csw.yamlfile import YamlDocument, YamlSyntaxError, dump

PLAN_FORMAT = 2
Date = date  # for fields declared after a field named `date`
_CLOCK = r"^([01]\d|2[0-4]):[0-5]\d$"
_CHECKSUM = re.compile(r"^# csw-checksum: ([0-9a-f]{64})$", re.MULTILINE)
# The calendar reaches a week either side of the plan's dates (all-day ends, time zone margin).
_CALENDAR_MARGIN = timedelta(days=7)


def clock_from_base60(value: object) -> object:
    """YAML 1.1 reads an unquoted 14:15 as the number 855 (base 60): take it back as a time."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def _unquoted_shift_clocks(value: object) -> object:
    # config.Shift is csw.toml's (TOML has no base 60); in plan.yaml its times go through YAML.
    if isinstance(value, dict):
        return {
            key: clock_from_base60(item) if key in ("start", "end") else item for key, item in value.items()
        }
    return value


PlanShift = Annotated[Shift, BeforeValidator(_unquoted_shift_clocks)]
TimeZone = Annotated[str, AfterValidator(check_zone)]


class Session(StrictModel):
    """One run of an activity: in one shift, one wave of reps off the phones at a time."""

    shift: str
    wave: int = Field(ge=1)
    start: str = Field(pattern=_CLOCK)
    end: str = Field(pattern=_CLOCK)
    reps: int = Field(ge=0, description="reps off the phones during it (0: done at the desk)")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _unquoted_clock(cls, value: object) -> object:
        return clock_from_base60(value)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Session:
        if clock_minutes(self.end) <= clock_minutes(self.start):
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self


class Activity(StrictModel):
    idea: str
    sessions: tuple[Session, ...] = Field(min_length=1)
    # shifts with no live session of their own (its host gives it max_sessions times): they get the recording
    recorded_for: tuple[str, ...] = ()


class Day(StrictModel):
    date: date
    theme: str
    activities: tuple[Activity, ...] = ()

    @property
    def idea_ids(self) -> list[str]:
        return [self.theme, *(activity.idea for activity in self.activities)]


class PrepItem(StrictModel):
    due: date
    task: str
    idea: str


class Touchpoint(StrictModel):
    """A year-round moment of appreciation on one day outside the week."""

    date: date
    idea: str


class Kudo(StrictModel):
    """A customer's words about a rep, read out on one day of the week."""

    date: date
    rep: str
    quote: str
    channel: str
    customer: str | None = None
    received: Date | None = None  # when the customer said it


class Organization(StrictModel):
    """The checks of csw.toml's [organization] again: plan.yaml is edited by hand too."""

    name: OneLine  # the name and the team go into the one-line comment at the top of plan.yaml
    team: OneLine
    timezone: TimeZone
    domain: DomainName  # it goes into Message-ID headers: a line break would forge one


class TeamFacts(StrictModel):
    mode: Mode
    headcount: int = Field(ge=1)
    budget: float = Field(ge=0, allow_inf_nan=False)
    currency: str
    max_off_phones: float = Field(gt=0, le=1, allow_inf_nan=False)
    shifts: tuple[PlanShift, ...] = Field(min_length=1)
    budget_use: float = Field(default=0.7, ge=0, le=1, allow_inf_nan=False)
    remote_share: float = Field(default=0.5, ge=0, le=1, allow_inf_nan=False)

    @property
    def remote_reps(self) -> int:
        """Reps who work remotely: none onsite, all of a remote team, a share of a hybrid one."""
        if self.mode is Mode.onsite:
            return 0
        return self.headcount if self.mode is Mode.remote else round(self.headcount * self.remote_share)

    def shift_headcounts(self) -> dict[str, int]:
        """Reps per shift: as configured, else the team split as evenly as it goes."""
        named = {shift.name: shift.headcount for shift in self.shifts}
        unnamed = [name for name, count in named.items() if count is None]
        rest = max(self.headcount - sum(c for c in named.values() if c is not None), 0)
        share, extra = divmod(rest, len(unnamed)) if unnamed else (0, 0)
        for position, name in enumerate(unnamed):
            named[name] = share + (1 if position < extra else 0)
        return {name: count or 0 for name, count in named.items()}


class WeekSpan(StrictModel):
    start: date
    end: date


class Plan(StrictModel):
    """A planned week. `load_plan(save_plan(plan)) == plan`, and its text is deterministic."""

    csw_plan: int = PLAN_FORMAT
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    theme: str | None
    seed: int
    organization: Organization
    team: TeamFacts
    week: WeekSpan
    all_week: tuple[str, ...] = ()  # ideas that start on the first day and close on the last
    days: tuple[Day, ...] = Field(min_length=1)
    prep: tuple[PrepItem, ...] = ()
    ideas: dict[str, Idea]
    year_round: tuple[Touchpoint, ...] = ()
    kudos: tuple[Kudo, ...] = ()
    raised: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="what the charity drive raised"
    )
    notes: tuple[str, ...] = ()

    @field_validator("csw_plan")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value == 1:
            raise ValueError(
                "is a version-1 plan, which this csw no longer reads; make a version-2 plan with"
                " `csw plan YEAR --force` (it plans the week again; your edits are not carried over)"
            )
        if value != PLAN_FORMAT:
            raise ValueError(
                f"this csw reads plan format {PLAN_FORMAT}; re-plan with `csw plan YEAR --force`"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        check_plan(self)
        return self

    def idea(self, idea_id: str) -> Idea:
        return self.ideas[idea_id]

    def cost_of(self, idea_id: str) -> float:
        """What one run of the idea costs this team (a daily item runs once a day)."""
        return idea_cost(self.ideas[idea_id], self.team)

    def remote_form(self, idea_id: str) -> bool:
        """Whether this team's remote reps get the idea's remote form."""
        return self.ideas[idea_id].uses_remote_form(self.team.mode)

    @property
    def spent(self) -> float:
        runs = [*self.all_week, *(i for day in self.days for i in day.idea_ids)]
        return round(sum(self.cost_of(i) for i in runs), 2)

    @property
    def spent_per_rep(self) -> float:
        return round(self.spent / self.team.headcount, 2)


def idea_cost(idea: Idea, team: TeamFacts) -> float:
    """One run of `idea` for `team`: its remote reps get the remote form where there is one."""
    remote = team.remote_reps if idea.leaves_out_remote_reps(team.mode) else 0
    return idea.cost(team.headcount, remote_reps=remote)


class PlanRuleError(ValueError):
    """A whole-plan rule broken at `loc`: pydantic reports it at the top, `loc` finds its line."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def check_plan(plan: Plan) -> None:
    """Rules a hand edit can break: unknown ids, dates outside the week, kinds, shifts."""
    _check_dates_near_the_year(plan)
    _check_ideas_keyed_by_id(plan)
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


def plan_body(plan: Plan) -> str:
    """plan.yaml without its header: the plan's fields in order, each idea's text dumped once.

    An organisation's teams share their ideas, and dumping the ideas' text was most of the time
    spent writing a thousand plans: each idea's YAML is made once and reused, byte for byte what
    dumping the whole plan gives (dumped under `ideas:`, so its lines wrap at the same columns).
    """
    data = plan.model_dump(mode="json", exclude={"ideas"})
    fields = list(Plan.model_fields)
    at = fields.index("ideas")
    before = {key: data[key] for key in fields[:at]}
    after = {key: data[key] for key in fields[at + 1 :]}
    ideas = "".join(_idea_yaml(key, idea) for key, idea in plan.ideas.items())
    return dump(before) + ("ideas:\n" + ideas if ideas else "ideas: {}\n") + dump(after)


@lru_cache(maxsize=4096)
def _idea_yaml(key: str, idea: Idea) -> str:
    """The idea's entry under `ideas:`, indented as in the whole plan."""
    return dump({"ideas": {key: idea.model_dump(mode="json")}}).removeprefix("ideas:\n")


def _header(plan: Plan, body: str) -> str:
    checksum = hashlib.sha256(body.encode("utf-8")).hexdigest()
    money = (
        f"{plan.spent:,.2f} of {plan.team.budget:,.2f} {plan.team.currency} ({plan.spent_per_rep:,.2f} a rep)"
    )
    return (
        f"# Customer Service Week {plan.year} plan for {plan.organization.team},"
        f" {plan.organization.name}.\n"
        f"# Spend: {money}. Prep tasks: {len(plan.prep)}.\n"
        "#\n"
        "# This file is yours to edit: swap a theme or an activity for another idea id (add the\n"
        "# idea under `ideas:`), change times, reword a how-to. Then run `csw render plan.yaml`\n"
        "# to re-render the agenda, calendar and poster from it. `csw plan` will not overwrite\n"
        "# this file once you have edited it, unless you add --force.\n"
        f"# csw-checksum: {checksum}\n"
    )


def plan_text(plan: Plan) -> str:
    body = plan_body(plan)
    return _header(plan, body) + body


def was_edited(text: str) -> bool:
    """True when a plan.yaml's body no longer matches the checksum csw wrote in its header."""
    found = _CHECKSUM.search(text)
    if not found:
        return True
    body = text[found.end() + 1 :]
    return hashlib.sha256(body.encode("utf-8")).hexdigest() != found[1]


def parse_plan(text: str, source: str) -> Plan:
    """A Plan from plan.yaml text; errors name `source`:line and the field."""
    try:
        document = YamlDocument(text)
    except YamlSyntaxError as error:
        place = f"{source}:{error.line}" if error.line else source
        raise PlanError(f"{place}: invalid YAML: {error.problem}", hint=_FIX_PLAN) from None
    if not isinstance(document.data, dict):
        raise PlanError(f"{source}:1: not a plan (expected keys such as year, days, ideas)", hint=_FIX_PLAN)
    try:
        return Plan.model_validate(document.data)
    except ValidationError as invalid:
        named = _rule_loc(invalid)

        def where(loc: Loc) -> str:
            return f"{source}:{document.line_of(loc or named) or 1}"

        raise PlanError("\n".join(describe(invalid, where, field_names([Plan]))), hint=_FIX_PLAN) from None


_FIX_PLAN = "Fix the plan file (or re-plan with `csw plan YEAR --force`) and run the command again."


def _rule_loc(error: ValidationError) -> Loc:
    # pydantic reports a whole-plan rule at the top level; the rule's own error knows the field.
    for item in error.errors(include_url=False):
        rule = item.get("ctx", {}).get("error")
        if isinstance(rule, PlanRuleError):
            return rule.loc
    return ()


def load_plan(path: Path) -> Plan:
    try:
        text = read_utf8(path)
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file.", hint="Run `csw plan YEAR` to make one.") from None
    except OSError as error:  # a plan that is not UTF-8 raises NotUtf8Error, which says what to do
        raise PlanError(f"{path}: cannot read the plan: {error}.") from None
    return parse_plan(text, str(path))


__all__ = ["Category", "Plan", "PrepTask", "idea_cost", "load_plan", "parse_plan", "plan_text"]
