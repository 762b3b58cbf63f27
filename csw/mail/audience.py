"""Who gets which message when: the audience of the recipients, and the drafts of the week."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from csw.core.errors import CswError
from csw.exports.context import DayView, plan_context
from csw.ideas.bank import Idea
from csw.people.recipients import Recipient
from csw.plan.model import Plan, Touchpoint
from csw.settings.config import Email

if TYPE_CHECKING:
    from csw.mail.published import Change

KINDS = ("proclamation", "kickoff", "daily", "thanks", "wrapup", "monthly", "update")


class ComposeError(CswError):
    """Messages cannot be composed (no sender, a bad address in the config)."""


@dataclass(frozen=True)
class Draft:
    """One message to compose: its kind, its day, its reader, and what it is about."""

    kind: str
    due: date
    recipient: Recipient
    day: DayView | None = None
    department: str | None = None
    touchpoint: tuple[Touchpoint, Idea] | None = None
    changes: tuple[Change, ...] = ()  # an update: what is not as the reader has it

    @property
    def key(self) -> str:
        """What makes this message unique for its recipient, beyond the kind."""
        if self.changes:  # a later change is a new update, the same change the same one
            lines = "\n".join(change.line() for change in self.changes)
            return hashlib.blake2b(lines.encode("utf-8"), digest_size=8).hexdigest()
        if self.touchpoint:
            return self.touchpoint[0].date.isoformat()
        return self.department or (self.day.date.isoformat() if self.day else "")


@dataclass(frozen=True)
class Audience:
    """Who reads what: the team, the other departments, the executive sponsor."""

    team: tuple[Recipient, ...]
    departments: tuple[tuple[str, Recipient], ...]
    sponsors: tuple[Recipient, ...]
    warnings: tuple[str, ...]


def audience(recipients: Sequence[Recipient], departments: Sequence[str], sponsor: str | None) -> Audience:
    """Split the recipients: department rows get the thanks, the sponsor the proclamation."""
    by_name = {d.casefold(): d for d in departments}
    team, thanked, sponsors = [], [], []
    for person in recipients:
        department = by_name.get((person.team or "").casefold())
        if department:
            thanked.append((department, person))
        elif (person.role or "").casefold() == "sponsor":
            sponsors.append(person)
        else:
            team.append(person)
    if sponsor:
        sponsors = [_sponsor(sponsor)]
    warnings = [
        f"no recipient is in the {d} department (team column): it gets no thanks message"
        for d in departments
        if not any(name == d for name, _ in thanked)
    ]
    if not sponsors:
        warnings.append("no sponsor (email.sponsor, or a row with role 'sponsor'): no proclamation draft")
    return Audience(tuple(team), tuple(thanked), tuple(sponsors), tuple(warnings))


def _sponsor(text: str) -> Recipient:
    name, address = parseaddr(text)
    if "@" not in address:
        raise ComposeError(
            f"email.sponsor: '{text}' is not an address; write it as 'Name <name@example.com>'."
        )
    return Recipient(
        email=address, name=name or address, shift=None, team=None, role="sponsor", extra={}, line=0
    )


def schedule(plan: Plan, who: Audience, email: Email) -> list[Draft]:
    """Every message of the week, in the order it is due."""
    days = plan_context(plan)["days"]
    start = plan.week.start
    kickoff = start - timedelta(days=email.kickoff_days_before)
    wrapup = plan.week.end + timedelta(days=7 - plan.week.end.weekday())  # the Monday after
    drafts = [Draft("proclamation", kickoff - timedelta(days=7), person) for person in who.sponsors]
    drafts += [Draft("kickoff", kickoff, person) for person in who.team]
    drafts += [Draft("daily", day.date, person, day=day) for day in days for person in who.team]
    middle = days[len(days) // 2].date
    drafts += [Draft("thanks", middle, person, department=name) for name, person in who.departments]
    drafts += [Draft("wrapup", wrapup, person) for person in who.team]
    drafts += [
        Draft("monthly", point.date, person, touchpoint=(point, plan.idea(point.idea)))
        for point in plan.year_round
        for person in who.team
    ]
    return sorted(drafts, key=lambda d: (d.due, KINDS.index(d.kind)))


def check_kinds(kinds: Sequence[str]) -> None:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        from csw.core.errors import UsageError

        raise UsageError(f"--only {unknown[0]}: choose from {', '.join(KINDS)}.")


def matches(draft: Draft, kinds: Sequence[str], due: date | None) -> bool:
    """Of these kinds (any if none), and due on or before `due` (any day if None): a daily job that
    missed a day, or a rep added on Tuesday, catches up on what is still to send."""
    return (not kinds or draft.kind in kinds) and (due is None or draft.due <= due)
