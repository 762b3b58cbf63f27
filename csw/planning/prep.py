"""The coordinator's to-do list: each task due its lead time before the day its idea runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from csw.ideas.model import Idea, PrepTask
from csw.plan.model import PrepItem
from csw.settings.config import Mode

_FOR_REMOTE_REPS = re.compile(r"\bremote\b", re.I)


def tasks_for(idea: Idea, mode: Mode) -> list[PrepTask]:
    """The idea's tasks that this team needs: its remote form's for remote reps, and nothing remote onsite."""
    remote_form = idea.uses_remote_form(mode) and idea.remote is not None
    tasks: list[PrepTask] = []
    if mode is not Mode.remote or not remote_form:
        tasks += [t for t in idea.prep if mode is not Mode.onsite or not _FOR_REMOTE_REPS.search(t.task)]
    if remote_form and idea.remote is not None:
        tasks += idea.remote.prep
    return sorted(tasks, key=lambda task: -task.days_before)  # stable: the bank's order on a tie


def working_day(day: date) -> date:
    """The day itself, or the Friday before a Saturday or a Sunday."""
    return day - timedelta(days=max(day.weekday() - 4, 0))


def prep_timeline(runs: Iterable[tuple[date, Idea]], mode: Mode) -> tuple[PrepItem, ...]:
    """Every task of the ideas chosen, each (day, idea) being the day the idea runs or begins.

    Due dates are counted back from that day and moved off weekends; the list is in date order,
    and within a day in the order the week runs and each idea lists its tasks (buy, then mail).
    """
    items: list[tuple[date, int, PrepItem]] = []
    seen: set[tuple[str, str]] = set()
    for order, (day, idea) in enumerate(sorted(runs, key=lambda run: run[0])):
        for task in tasks_for(idea, mode):
            if (idea.id, task.task) in seen:
                continue
            seen.add((idea.id, task.task))
            due = working_day(day - timedelta(days=task.days_before))
            items.append((due, order, PrepItem(due=due, task=task.task, idea=idea.id)))
    return tuple(item for _, _, item in sorted(items, key=lambda entry: (entry[0], entry[1])))
