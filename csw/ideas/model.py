"""The Idea, version 2: what one idea is, how it runs in the week, who takes part and what it costs.

A version-1 idea (`kind: theme|activity`, `off_phones`) still loads: it is mapped to the new fields
on the way in, and `csw ideas check` says how to rewrite it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from csw.core.validation import Int, Number, OneLine, StrictModel, Text
from csw.settings.config import Mode

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
GROUP_SIZE = 25  # reps per group for what is bought by the table or the team of 25: prizes, decor


class Category(StrEnum):
    dress_up = "dress-up"
    food = "food"
    recognition = "recognition"
    games = "games"
    learning = "learning"
    charity = "charity"
    customers = "customers"
    cross_team = "cross-team"
    wellness = "wellness"


class Span(StrEnum):
    """How much of the week an idea fills."""

    day = "day"  # the themed day
    slot = "slot"  # one timed activity on one day
    week = "week"  # from the first day to the last, closed or revealed on the last
    daily = "daily"  # a short item at its time on every day


class Role(StrEnum):
    opening = "opening"
    finale = "finale"


class Format(StrEnum):
    """How reps take part, which decides whether and how they leave the queue."""

    desk = "desk"  # at their desks or in the channel: nobody leaves the queue
    waves = "waves"  # waves inside each shift, sized by the phone share and the capacity
    appointments = "appointments"  # a few at a time, in booked slots of slot_minutes
    live = "live"  # one session per shift, recorded for those who stay on the queue


class Meal(StrEnum):
    breakfast = "breakfast"
    lunch = "lunch"
    dinner = "dinner"
    snack = "snack"


class Goal(StrEnum):
    """The five aims of the week, as the organisers state them."""

    boost_morale = "boost-morale"
    reward_reps = "reward-reps"
    raise_awareness = "raise-awareness"
    thank_departments = "thank-departments"
    remind_customers = "remind-customers"


class TimeOfDay(StrEnum):
    morning = "morning"
    midday = "midday"
    afternoon = "afternoon"
    any = "any"


class Kind(StrEnum):
    """The version-1 split, kept as a view: a themed day or anything else."""

    theme = "theme"
    activity = "activity"


_Model = TypeVar("_Model", bound=StrictModel)


def _respelled(model: _Model, spell: Callable[[str], str], fields: tuple[str, ...]) -> _Model:
    """`model` with `spell` applied to these fields (texts, and models or tuples of models that
    respell themselves); the model itself when no text changes, as most of a plan's do not."""
    changed = {}
    for name in fields:
        value = getattr(model, name)
        new = _respelled_value(value, spell)
        if new != value:
            changed[name] = new
    return model.model_copy(update=changed) if changed else model


def _respelled_value(value: Any, spell: Callable[[str], str]) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return spell(value)
    if isinstance(value, tuple):
        return tuple(_respelled_value(item, spell) for item in value)
    return value.respelled(spell)


class PrepTask(StrictModel):
    task: OneLine = Field(min_length=1, max_length=200)
    days_before: Int = Field(ge=0, le=365)

    def respelled(self, spell: Callable[[str], str]) -> PrepTask:
        return _respelled(self, spell, ("task",))


class RemoteForm(StrictModel):
    """What a remote rep gets instead of the idea as written: a credit, a kit, a call."""

    summary: OneLine = Field(min_length=1, max_length=200)
    pitch: OneLine = Field(min_length=1, max_length=200)
    how_to: Text | None = Field(default=None, min_length=1)  # for a team that is all remote
    cost_per_person: Number = Field(default=0, ge=0, le=100_000)
    fixed_cost: Number = Field(default=0, ge=0, le=10_000_000)
    prep: tuple[PrepTask, ...] = ()

    def cost(self, reps: int) -> float:
        return round(self.cost_per_person * reps + (self.fixed_cost if reps else 0), 2)

    def respelled(self, spell: Callable[[str], str]) -> RemoteForm:
        return _respelled(self, spell, ("summary", "pitch", "how_to", "prep"))


class Idea(StrictModel):
    """One thing to do during the week, and how it runs."""

    id: str = Field(pattern=SLUG, max_length=80)
    title: OneLine = Field(min_length=1, max_length=120)
    category: Category
    span: Span
    role: Role | None = None
    format: Format = Format.desk
    meal: Meal | None = None
    summary: OneLine = Field(min_length=1, max_length=200)
    pitch: OneLine | None = Field(default=None, min_length=1, max_length=200)
    how_to: Text = Field(min_length=1)
    # validate_default: a timed idea that leaves it out is told so, at this field
    duration_minutes: Int = Field(default=0, ge=0, le=480, validate_default=True)
    slot_minutes: Int | None = Field(default=None, ge=5, le=240)
    capacity: Int | None = Field(default=None, ge=1, le=100_000)
    max_sessions: Int | None = Field(default=None, ge=1, le=100)
    time_of_day: TimeOfDay = TimeOfDay.any
    location: OneLine | None = None
    modes: tuple[Mode, ...] = Field(min_length=1)
    cost_per_person: Number = Field(default=0, ge=0, le=100_000)
    fixed_cost: Number = Field(default=0, ge=0, le=10_000_000)
    cost_per_group: Number = Field(default=0, ge=0, le=1_000_000)
    group_size: Int = Field(default=GROUP_SIZE, ge=1, le=10_000)
    # what its costs are in: USD in the built-in bank; a user bank's `currency:` sets its own
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    goals: tuple[Goal, ...] = ()
    conflicts: tuple[str, ...] = ()
    remote: RemoteForm | None = None
    prep: tuple[PrepTask, ...] = ()
    tags: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        return upgrade_v1(data) if isinstance(data, dict) else data

    @field_validator("tags", "conflicts")
    @classmethod
    def _slugs(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        what = "tag" if info.field_name == "tags" else "id"
        for item in value:
            if not re.match(SLUG, item):
                raise ValueError(f"{what} '{item}' must be lowercase words joined by hyphens")
        return value

    @field_validator("duration_minutes")
    @classmethod
    def _timed_ideas_take_time(cls, value: int, info: ValidationInfo) -> int:
        # A field rule, not a model rule, so that the message names this field and its line.
        span, format_ = info.data.get("span"), info.data.get("format")
        if span in (Span.slot, Span.daily) and format_ is not Format.appointments and value == 0:
            raise ValueError(
                f"a {span.value} idea needs duration_minutes greater than 0; say how long one"
                " session takes, or make it span: day (a themed day) or span: week"
            )
        if span in (Span.day, Span.week) and value:
            raise ValueError(
                f"a span: {span.value} idea runs {'all day' if span is Span.day else 'all week'} and"
                " has no duration; remove duration_minutes, or make it span: slot"
            )
        return value

    @model_serializer(mode="wrap")
    def _without_default_currency(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # left out when USD: the ideas in a plan.yaml priced in dollars read as before
        data: dict[str, object] = handler(self)
        if data.get("currency") == "USD":
            data.pop("currency", None)
        return data

    @model_validator(mode="after")
    def _fields_agree(self) -> Idea:
        for problem in _disagreements(self):
            raise ValueError(problem)
        return self

    # --- views ------------------------------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        return Kind.theme if self.span is Span.day else Kind.activity

    @property
    def off_phones(self) -> bool:
        """Whether reps leave the queue for it."""
        return self.format is not Format.desk and self.span in (Span.slot, Span.daily)

    @property
    def timed(self) -> bool:
        """Whether it has sessions at a time of day (a slot or a daily item)."""
        return self.span in (Span.slot, Span.daily)

    @property
    def session_minutes(self) -> int:
        """How long one session (one wave, one booking) lasts."""
        if self.format is Format.appointments and self.slot_minutes:
            return self.slot_minutes
        return self.duration_minutes

    def respelled(self, spell: Callable[[str], str]) -> Idea:
        """The idea with `spell` applied to every text a reader sees (csw.core.spelling)."""
        return _respelled(self, spell, ("title", "summary", "pitch", "how_to", "location", "remote", "prep"))

    @property
    def rep_pitch(self) -> str:
        """The line addressed to the reps: the pitch, or the summary of an idea that has none."""
        return self.pitch or self.summary

    def works_for(self, mode: Mode) -> bool:
        """Whether a team in `mode` can run it: as written, or through its remote form."""
        remote = Mode.remote in self.modes or self.remote is not None
        if mode is Mode.onsite:
            return Mode.onsite in self.modes
        if mode is Mode.remote:
            return remote
        return Mode.hybrid in self.modes or (Mode.onsite in self.modes and remote)

    def leaves_out_remote_reps(self, mode: Mode) -> bool:
        """Whether remote reps of a team in `mode` do not take part as written (they get the remote
        form, or nothing where there is none)."""
        return mode is not Mode.onsite and Mode.remote not in self.modes

    def uses_remote_form(self, mode: Mode) -> bool:
        """Whether remote reps of a team in `mode` get the remote form instead of the idea."""
        return self.remote is not None and self.leaves_out_remote_reps(mode)

    def cost(self, headcount: int, *, remote_reps: int = 0) -> float:
        """What it costs for `headcount` reps, `remote_reps` of whom get the remote form."""
        onsite = headcount - remote_reps
        here = self.cost_per_person * onsite + self.cost_per_group * math.ceil(onsite / self.group_size)
        here += self.fixed_cost if onsite else 0
        away = self.remote.cost(remote_reps) if self.remote and remote_reps else 0
        return round(here + away, 2)


def _disagreements(idea: Idea) -> list[str]:
    problems = []
    if idea.format is Format.appointments and not (idea.slot_minutes and idea.capacity):
        problems.append(
            "format: appointments needs slot_minutes (one booking) and capacity (people per slot)"
        )
    if idea.span in (Span.day, Span.week) and idea.format is not Format.desk:
        problems.append(
            f"a span: {idea.span.value} idea is done at the desk: use format: desk, or span: slot"
        )
    if idea.meal is not None and not idea.timed:
        problems.append("a meal is served at a time: give it span: slot (or daily) and duration_minutes")
    if idea.role is not None and idea.span not in (Span.slot, Span.day):
        problems.append(f"role: {idea.role.value} is for a slot or a themed day, not span: {idea.span.value}")
    if idea.id in idea.conflicts:
        problems.append("conflicts lists the idea itself")
    return problems


# --- version 1 ------------------------------------------------------------------------------------

_V1_ONLY = ("kind", "off_phones")
V1_NAMES = {"span": "kind", "format": "off_phones"}  # a new field, by the version-1 key it is read from


def is_version_1(data: dict[str, Any]) -> bool:
    return "span" not in data and any(key in data for key in _V1_ONLY)


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 idea in the version-2 fields: kind becomes span, off_phones becomes format."""
    if not is_version_1(data):
        return data
    data = dict(data)
    kind = data.pop("kind", None)
    off_phones = data.pop("off_phones", False)
    if kind in ("theme", "activity"):
        data["span"] = "day" if kind == "theme" else "slot"
    elif kind is not None:
        data["span"] = kind  # refused by the span field, which names what it accepts
    if "format" not in data:
        data["format"] = "waves" if off_phones is True and data.get("span") == "slot" else "desk"
    return data


UPGRADE_HINT = (
    "replace `kind: theme` with `span: day` and `kind: activity` with `span: slot` (or `week`,"
    " `daily`), `off_phones: true` with `format: waves` (or `live`, `appointments`) and"
    " `off_phones: false` with `format: desk`; add a `pitch` line for the reps and the `goals` it serves"
)

GOAL_LABELS = {
    Goal.boost_morale: "Boost morale",
    Goal.reward_reps: "Reward the reps for the work they do",
    Goal.raise_awareness: "Raise company-wide awareness of customer service",
    Goal.thank_departments: "Thank the other departments for their support",
    Goal.remind_customers: "Remind customers of our commitment to service",
}
