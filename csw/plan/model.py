"""The Plan: what the week holds, saved as plan.yaml for the coordinator to review and edit."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from csw.core.locale_formats import DEFAULT_LOCALE
from csw.core.validation import (
    DomainName,
    OneLine,
    StrictModel,
)
from csw.ideas.bank import Category, Idea, PrepTask
from csw.plan.rules import check_plan
from csw.settings.config import Mode, Shift, check_zone, clock_minutes
from csw.week.dates import MAX_YEAR, MIN_YEAR

PLAN_FORMAT = 2
Date = date  # for fields declared after a field named `date`
_CLOCK = r"^([01]\d|2[0-4]):[0-5]\d$"
# The calendar reaches a week either side of the plan's dates (all-day ends, time zone margin).


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


def _known_locale(value: str) -> str:
    from csw.core.locale_formats import check_locale

    return check_locale(value)


LocaleName = Annotated[str, AfterValidator(_known_locale)]


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


def headline_start(activity: Activity, main_shift: str) -> str:
    """When an activity is said to start: its time in the main shift, else its first session's."""
    return next((s.start for s in activity.sessions if s.shift == main_shift), activity.sessions[0].start)


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
    locale: LocaleName = DEFAULT_LOCALE  # how dates, times and amounts are written (texts stay English)
    domain: DomainName  # it goes into Message-ID headers: a line break would forge one


class TeamFacts(StrictModel):
    mode: Mode
    headcount: int = Field(ge=1)
    budget: float = Field(ge=0, allow_inf_nan=False)
    currency: str
    # units of `currency` one USD buys; ideas priced in USD cost this many times their price
    usd_rate: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    max_off_phones: float = Field(gt=0, le=1, allow_inf_nan=False)
    shifts: tuple[PlanShift, ...] = Field(min_length=1)
    budget_use: float = Field(default=0.7, ge=0, le=1, allow_inf_nan=False)
    remote_share: float = Field(default=0.5, ge=0, le=1, allow_inf_nan=False)

    @model_serializer(mode="wrap")
    def _without_unset_rate(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # left out unless set: the plan.yaml of a team in USD reads as before
        data: dict[str, object] = handler(self)
        if data.get("usd_rate") is None:
            data.pop("usd_rate", None)
        return data

    def rate_from(self, currency: str) -> float | None:
        """What one unit of `currency` is worth in the team's; None when csw cannot know."""
        if currency == self.currency:
            return 1.0
        return self.usd_rate if currency == "USD" else None

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

    @property
    def main_shift(self) -> str:
        """The shift whose times headline an activity: the largest, then the nearest to 09:00."""
        counts = self.shift_headcounts()
        return min(self.shifts, key=lambda s: (-counts[s.name], abs(s.start_minute - 9 * 60))).name


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
    cost = idea.cost(team.headcount, remote_reps=remote)
    if not cost:
        return cost
    rate = team.rate_from(idea.currency)
    if rate is None:  # csw.plan.pricing refuses such a plan before it is made or loaded
        raise ValueError(
            f"{idea.id} is priced in {idea.currency}, which csw cannot convert to {team.currency}"
        )
    return round(cost * rate, 2)


__all__ = ["Category", "Plan", "PrepTask", "idea_cost"]
