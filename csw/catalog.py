"""Browsing the idea bank: filtering it and describing one idea in full."""

from __future__ import annotations

from typing import TypeVar

from csw.config import Mode
from csw.errors import UsageError
from csw.ideas import Bank, Category, Idea, Kind
from csw.views import money

E = TypeVar("E", Category, Kind, Mode)


def _enum(kind: type[E], value: str, option: str) -> E:
    try:
        return kind(value.lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise UsageError(f"{option} {value}: choose one of {choices}.") from None


def filter_ideas(
    bank: Bank, *, category: str | None = None, mode: str | None = None, kind: str | None = None
) -> list[Idea]:
    """The bank's ideas that match every filter given, in bank order."""
    found = list(bank.ideas.values())
    if category:
        wanted_category = _enum(Category, category, "--category")
        found = [i for i in found if i.category is wanted_category]
    if mode:
        wanted_mode = _enum(Mode, mode, "--mode")
        found = [i for i in found if i.works_for(wanted_mode)]
    if kind:
        wanted_kind = _enum(Kind, kind, "--kind")
        found = [i for i in found if i.kind is wanted_kind]
    return found


def describe_idea(idea: Idea, origin: str) -> str:
    """One idea as readable text: the header facts, the how-to, the prep, where it comes from."""
    length = "all day" if idea.kind is Kind.theme else f"{idea.duration_minutes} minutes"
    cost = f"{money(idea.cost_per_person, 'USD')} per rep + {money(idea.fixed_cost, 'USD')} fixed"
    lines = [
        f"{idea.title} ({idea.id})",
        idea.summary,
        "",
        f"Category:  {idea.category.value} {idea.kind.value}",
        f"When:      {idea.time_of_day.value}, {length}",
        f"Modes:     {', '.join(m.value for m in idea.modes)}",
        f"Cost:      {cost}",
        f"Off phones: {'yes, run in waves' if idea.off_phones else 'no'}",
    ]
    if idea.location:
        lines.append(f"Where:     {idea.location}")
    if idea.tags:
        lines.append(f"Tags:      {', '.join(idea.tags)}")
    lines += ["", "How to run it:", idea.how_to.rstrip()]
    if idea.prep:
        lines += ["", "Prep:"] + [f"- {t.days_before} days before: {t.task}" for t in idea.prep]
    lines += ["", f"Defined at {origin.removeprefix('built-in ')}"]
    return "\n".join(lines)
