"""csw.toml: read with tomllib, validated by pydantic, every error with file:line and field."""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from csw.core.validation import (
    DomainName,
    Int,
    Mailbox,
    Number,
    OneLine,
    StrictModel,
)
from csw.week.dates import WEEKDAYS

CONFIG_NAME = "csw.toml"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class Mode(StrEnum):
    onsite = "onsite"
    remote = "remote"
    hybrid = "hybrid"


def clock_minutes(text: str) -> int:
    """'08:30' -> 510; '24:00' is the end of the day."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def unquoted_clock(value: object) -> object:
    """A TOML time (start = 08:00:00, unquoted) is refused with what to write instead."""
    if isinstance(value, time):
        raise ValueError(f'is a TOML time; write it in quotes as HH:MM, for example "{value:%H:%M}"')
    return value


def check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "is not an IANA time zone; use a name such as 'America/Chicago' or 'Europe/London'"
        ) from None
    return value


class Organization(StrictModel):
    name: OneLine = "Our Company"  # plan.yaml's header comment holds the name and the team
    team: OneLine = "Customer Service"
    timezone: str = "UTC"
    locale: str = "en_US"
    theme: OneLine | None = None
    domain: DomainName = "csw.invalid"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from csw.core.locale_formats import check_locale

        return check_locale(value)


def known_currency(value: str | None) -> str | None:
    from csw.core.locale_formats import check_currency

    return None if value is None else check_currency(value)


class WeekConfig(StrictModel):
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: date | None = None

    @field_validator("days")
    @classmethod
    def _some_days_in_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one day, for example ['mon', 'tue', 'wed', 'thu', 'fri']")
        if len(set(value)) != len(value):
            raise ValueError("lists a day twice")
        return tuple(sorted(value, key=WEEKDAYS.index))


class Shift(StrictModel):
    name: OneLine
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM, after start; 24:00 for midnight")
    headcount: Int | None = Field(default=None, ge=1)
    # how many of its reps work remotely (a hybrid team; csw sets it from a roster): else the team's share
    remote: Int | None = Field(default=None, ge=0)

    _unquoted_clock = field_validator("start", "end", mode="before")(unquoted_clock)

    @model_serializer(mode="wrap")
    def _without_unset_remote(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # left out unless set, so that the plan.yaml of a team without a roster reads as before
        data: dict[str, object] = handler(self)
        if data.get("remote") is None:
            data.pop("remote", None)
        return data

    @model_validator(mode="after")
    def _remote_among_reps(self) -> Shift:
        if self.remote is not None and self.headcount is not None and self.remote > self.headcount:
            raise ValueError(f"remote ({self.remote}) is more than the shift's headcount ({self.headcount})")
        return self

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value) or clock_minutes(value) > 24 * 60:
            raise ValueError("is not a time of day; write it as HH:MM, for example '08:30'")
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start and clock_minutes(value) <= clock_minutes(start):
            raise ValueError(
                f"must be after the start ({start}); split a shift that crosses midnight"
                " into two shifts, one ending at 24:00"
            )
        return value

    @property
    def start_minute(self) -> int:
        return clock_minutes(self.start)

    @property
    def end_minute(self) -> int:
        return clock_minutes(self.end)


DEFAULT_SHIFT = Shift(name="day", start="09:00", end="17:00")


class Team(StrictModel):
    headcount: Int = Field(default=25, ge=1, le=1_000_000)
    mode: Mode = Mode.onsite
    budget: Number = Field(default=1500, ge=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    # how many units of `currency` one USD buys: the built-in bank's prices are in USD
    usd_rate: Number | None = Field(default=None, gt=0, le=1_000_000)
    max_off_phones: Number = Field(default=0.25, gt=0, le=1)
    per_day: Int = Field(default=2, ge=0, le=6)
    # the share of the budget the plan aims to spend at least (it never spends more than all of it)
    budget_use: Number = Field(default=0.7, ge=0, le=1)
    remote_share: Number = Field(default=0.5, ge=0, le=1)  # of a hybrid team: reps who work remotely
    departments: tuple[OneLine, ...] = ("IT", "HR", "Product", "Marketing", "Sales")
    shifts: tuple[Shift, ...] = (DEFAULT_SHIFT,)
    roster: str | None = None  # the team's recipients CSV (email, name, shift, role...): waves per rep
    # [team.thanks]: the coordinator's words for what a department does, after "You" in its thank-you
    # note: IT = "rebuilt the call router in a weekend" (else csw's words for common departments)
    thanks: dict[OneLine, OneLine] = Field(default_factory=dict)

    _known_currency = field_validator("currency")(known_currency)

    @field_validator("thanks")
    @classmethod
    def _thanks_a_listed_department(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        from csw.settings.departments import department_key

        listed: tuple[str, ...] | None = info.data.get("departments")  # None when it was refused
        known = {department_key(name) for name in listed or ()}
        unknown = [name for name in value if department_key(name) not in known]
        if unknown and listed is not None:
            raise ValueError(
                f"names '{unknown[0]}', which is not in team.departments ({', '.join(listed) or 'none'});"
                " use a department's name as team.departments writes it"
            )
        return value

    @field_validator("shifts")
    @classmethod
    def _named_once(cls, value: tuple[Shift, ...]) -> tuple[Shift, ...]:
        names = [shift.name for shift in value]
        if not value:
            raise ValueError("needs at least one shift")
        if len(set(names)) != len(names):
            raise ValueError("names a shift twice")
        return value


def _window(value: tuple[str, str]) -> tuple[str, str]:
    for clock in value:
        if not _CLOCK.match(clock) or clock_minutes(clock) > 24 * 60:
            raise ValueError(f'\'{clock}\' is not a time of day; write the window as ["HH:MM", "HH:MM"]')
    if clock_minutes(value[1]) <= clock_minutes(value[0]):
        raise ValueError(f"ends ({value[1]}) before it starts ({value[0]})")
    return value


MealWindow = Annotated[tuple[str, str], AfterValidator(_window)]


class Meals(StrictModel):
    """When each meal is served, as [start, end] clock times; a shift gets it inside its own hours."""

    breakfast: MealWindow = ("07:00", "11:00")
    lunch: MealWindow = ("11:00", "14:30")
    dinner: MealWindow = ("17:00", "20:30")

    def minutes(self, meal: str) -> tuple[int, int]:
        start, end = getattr(self, meal)
        return clock_minutes(start), clock_minutes(end)


class Email(StrictModel):
    from_: Mailbox | None = Field(default=None, alias="from")
    host: str = "localhost"
    port: Int | None = Field(default=None, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    password_command: str | None = None
    sponsor: Mailbox | None = None
    kickoff_days_before: Int = Field(default=7, ge=0, le=60)
    send_time: str = "08:00"  # when each message is due, on its day, in the organisation's zone
    ca_file: str | None = None  # a CA bundle for a server with a private certificate
    timeout: Number = Field(default=30, gt=0, le=600)
    retries: Int = Field(default=5, ge=0, le=20)  # for temporary failures, with backoff
    retry_seconds: Number = Field(default=2, ge=0, le=300)  # the first backoff; it doubles
    # calendars as invitations (METHOD:REQUEST): the events land in each calendar without an import
    invites: bool = False

    _unquoted_clock = field_validator("send_time", mode="before")(unquoted_clock)

    @field_validator("send_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value) or clock_minutes(value) >= 24 * 60:
            raise ValueError("is not a time of day; write it as HH:MM, for example '08:00'")
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: object) -> object:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "a password never goes in csw.toml; set password_env to the NAME of an"
                " environment variable that holds it, or password_command"
            )
        return data


class YearRound(StrictModel):
    """One low-cost recognition touchpoint in each of the eleven months after the week."""

    enabled: bool = False
    weekday: Weekday = "tue"
    nth: Int = Field(default=1, ge=1, le=4)  # the first Tuesday, by default
    tag: OneLine = "year-round"


class KudosConfig(StrictModel):
    per_day: Int = Field(default=3, ge=0, le=20)
    show_customer: bool = False  # customers' names stay out unless turned on


class TeamEntry(StrictModel):
    """One team of a [[teams]] organisation; what it leaves out comes from [team] and [organization]."""

    name: OneLine = Field(min_length=1)  # it becomes plan.Organization.team
    timezone: str | None = None
    headcount: Int | None = Field(default=None, ge=1, le=1_000_000)
    mode: Mode | None = None
    budget: Number | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    usd_rate: Number | None = Field(default=None, gt=0, le=1_000_000)
    max_off_phones: Number | None = Field(default=None, gt=0, le=1)
    per_day: Int | None = Field(default=None, ge=0, le=6)
    shifts: tuple[Shift, ...] | None = None
    recipients: str | None = None
    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    history: tuple[str, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)

    _known_currency = field_validator("currency")(known_currency)

    def merged(self, team: Team) -> Team:
        """[team] with this team's own values on top."""
        own = self.model_dump(
            include={
                "headcount",
                "mode",
                "budget",
                "currency",
                "usd_rate",
                "max_off_phones",
                "per_day",
                "shifts",
            },
            exclude_none=True,
        )
        if own.get("currency", team.currency) != team.currency and "usd_rate" not in own:
            own["usd_rate"] = None  # [team]'s rate is for [team]'s currency, not this team's
        return Team.model_validate({**team.model_dump(), **own})


class Ideas(StrictModel):
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class Templates(StrictModel):
    path: str | None = None


class Config(StrictModel):
    """The whole csw.toml; every section and key is optional."""

    organization: Organization = Organization()
    week: WeekConfig = WeekConfig()
    team: Team = Team()
    email: Email = Email()
    ideas: Ideas = Ideas()
    templates: Templates = Templates()
    themes: dict[int, OneLine] = Field(default_factory=dict)
    year_round: YearRound = YearRound()
    kudos: KudosConfig = KudosConfig()
    meals: Meals = Meals()
    teams: tuple[TeamEntry, ...] = ()
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("teams")
    @classmethod
    def _teams_named_once(cls, value: tuple[TeamEntry, ...]) -> tuple[TeamEntry, ...]:
        names = [team.name.casefold() for team in value]
        if len(set(names)) != len(names):
            raise ValueError("names a team twice")
        return value

    @property
    def source_name(self) -> str:
        """How messages name this config: its path, or csw.toml when there is none."""
        return str(self._source) if self._source else CONFIG_NAME

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the folder the config is in."""
        base = self._source.parent if self._source else Path.cwd()
        return base / Path(path).expanduser()
