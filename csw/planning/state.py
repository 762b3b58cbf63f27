"""The week being planned: what is chosen so far, where it runs, what it costs and what it serves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from csw.ideas.model import Category, Goal, Idea, Span
from csw.plan.model import Session

FUNDRAISER = "fundraiser"  # the tag of a charity idea that raises money


@dataclass
class Placed:
    """One chosen idea: the day it runs (None: every day, or the whole week) and its sessions."""

    idea: Idea
    day: date | None
    cost: float
    pinned: bool = False
    sessions: dict[date, list[Session]] = field(default_factory=dict)
    recorded_for: dict[date, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class WeekState:
    days: tuple[date, ...]
    placed: dict[str, Placed] = field(default_factory=dict)  # by idea id, in the order chosen
    spent: float = 0.0
    live_runs: Counter[str] = field(default_factory=Counter)

    def add(self, placed: Placed) -> None:
        self.placed[placed.idea.id] = placed
        self.spent = round(self.spent + placed.cost, 2)

    def remove(self, idea_id: str) -> Placed:
        placed = self.placed.pop(idea_id)
        self.spent = round(self.spent - placed.cost, 2)
        self.live_runs.pop(idea_id, None)
        return placed

    def on(self, day: date) -> Iterator[Idea]:
        """The themed day and the slots of `day` (not the daily or week-long items)."""
        return (p.idea for p in self.placed.values() if p.day == day)

    def theme(self, day: date) -> Idea | None:
        return next((i for i in self.on(day) if i.span is Span.day), None)

    def slots(self, day: date) -> list[Idea]:
        return [i for i in self.on(day) if i.span is Span.slot]

    def of_span(self, span: Span) -> list[Idea]:
        return [p.idea for p in self.placed.values() if p.idea.span is span]

    def ideas(self) -> Iterator[Idea]:
        return (p.idea for p in self.placed.values())

    @property
    def goals(self) -> set[Goal]:
        return {goal for p in self.placed.values() for goal in p.idea.goals}

    @property
    def categories(self) -> Counter[Category]:
        return Counter(p.idea.category for p in self.placed.values())

    def fundraisers(self) -> list[str]:
        return [i for i, p in self.placed.items() if is_fundraiser(p.idea)]


def is_fundraiser(idea: Idea) -> bool:
    return idea.category is Category.charity and FUNDRAISER in idea.tags
