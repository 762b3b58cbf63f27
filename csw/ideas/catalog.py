"""Browsing the idea bank: filtering it and describing one idea in full."""

from __future__ import annotations

from typing import TypeVar

from csw.core.errors import UsageError
from csw.core.locale_formats import money
from csw.ideas.bank import Bank, Category, Idea, Kind, Span
from csw.settings.config import Mode

E = TypeVar("E", Category, Kind, Mode, Span)


def _enum(kind: type[E], value: str, option: str) -> E:
    try:
        return kind(value.lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise UsageError(f"{option} {value}: choose one of {choices}.") from None


def filter_ideas(
    bank: Bank,
    *,
    category: str | None = None,
    mode: str | None = None,
    kind: str | None = None,
    span: str | None = None,
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
    if span:
        wanted_span = _enum(Span, span, "--span")
        found = [i for i in found if i.span is wanted_span]
    return found


def cost_text(idea: Idea) -> str:
    """'$11/rep + $30/25 reps', or 'free': in the currency the idea is priced in."""
    parts = [
        money(idea.cost_per_person, idea.currency) + "/rep" if idea.cost_per_person else "",
        f"{money(idea.cost_per_group, idea.currency)}/{idea.group_size} reps" if idea.cost_per_group else "",
        money(idea.fixed_cost, idea.currency) if idea.fixed_cost else "",
    ]
    return " + ".join(p for p in parts if p) or "free"


def describe_idea(idea: Idea, origin: str) -> str:
    """One idea as readable text: the header facts, the pitch, the how-to, the prep, its origin."""
    lines = [f"{idea.title} ({idea.id})", idea.summary, ""]
    lines += [f"{label + ':':<11}{value}" for label, value in _facts(idea) if value]
    if idea.pitch:
        lines += ["", f"To the reps: {idea.pitch}"]
    lines += ["", "How to run it:", idea.how_to.rstrip()]
    if idea.prep:
        lines += ["", "Prep:"] + [f"- {t.days_before} days before: {t.task}" for t in idea.prep]
    if idea.remote:
        remote = idea.remote
        lines += ["", f"Remote reps get instead: {remote.summary}", f"  To them: {remote.pitch}"]
        per_rep, fixed = money(remote.cost_per_person, idea.currency), money(remote.fixed_cost, idea.currency)
        lines.append(f"  Cost: {per_rep} per rep + {fixed} fixed")
        lines += [f"  - {t.days_before} days before: {t.task}" for t in remote.prep]
    lines += ["", f"Defined at {origin.removeprefix('built-in ')}"]
    return "\n".join(lines)


_SPANS = {"day": "a themed day", "slot": "one activity on one day", "week": "all week", "daily": "every day"}


def _facts(idea: Idea) -> list[tuple[str, str]]:
    length = f", {idea.session_minutes} minutes" if idea.timed else ""
    cost = f"{money(idea.cost_per_person, idea.currency)} per rep"
    if idea.cost_per_group:
        cost += f" + {money(idea.cost_per_group, idea.currency)} per {idea.group_size} reps"
    if idea.fixed_cost:
        cost += f" + {money(idea.fixed_cost, idea.currency)} fixed"
    return [
        ("Category", idea.category.value),
        ("Runs", _SPANS[idea.span.value] + (f", the {idea.role.value}" if idea.role else "")),
        ("When", f"{idea.meal.value if idea.meal else idea.time_of_day.value}{length}" if idea.timed else ""),
        ("Format", idea.format.value + (f", {idea.capacity} at a time" if idea.capacity else "")),
        ("Sessions", f"at most {idea.max_sessions} a week" if idea.max_sessions else ""),
        ("Modes", ", ".join(m.value for m in idea.modes) + (" (remote form below)" if idea.remote else "")),
        ("Cost", cost),
        ("Goals", ", ".join(g.value for g in idea.goals)),
        ("Conflicts", ", ".join(idea.conflicts)),
        ("Where", idea.location or ""),
        ("Tags", ", ".join(idea.tags)),
    ]
