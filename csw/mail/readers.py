"""Each reader's own part of the week: their shift, their waves, the calendar they get, and what
changed in it since it went out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csw.exports.calendar_events import TEAM, CalEvent, Scope, plan_events
from csw.mail.published import Change, Record, changes
from csw.people.recipients import Recipient
from csw.plan.model import Plan

if TYPE_CHECKING:
    from csw.exports.ics import Publication, Revision
    from csw.people.roster import Assignment, Member, Slot
    from csw.settings.config import Config

COORDINATOR_ROLES = frozenset({"coordinator"})
SCOPES_KEPT = 64  # events and calendars kept for reuse, by scope (see _bound)


@dataclass
class Readers:
    """What csw knows of the readers beyond the recipients file.

    `members` and `assignment`: the roster (who is a rep, on which shift, in which wave); without
    them every reader of a shift gets the shift's every wave, as a lead would. `record`: what has
    gone out. `changed_at`: when the plan last changed, the DTSTAMP of an event revised since it
    went out. `invites`: calendars as invitations (METHOD:REQUEST) instead of files to import.
    """

    plan: Plan
    organizer: str
    members: Mapping[str, Member] = field(default_factory=dict)
    assignment: Assignment | None = None
    record: Record = field(default_factory=Record)
    changed_at: datetime | None = None
    invites: bool = False
    _events: dict[Scope, list[CalEvent]] = field(default_factory=dict)
    _calendars: dict[tuple[Scope, str | None], bytes] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return "REQUEST" if self.invites else "PUBLISH"

    def member(self, recipient: Recipient) -> Member | None:
        return self.members.get(recipient.email.casefold())

    def shift(self, recipient: Recipient) -> str | None:
        member = self.member(recipient)
        if member is not None and member.shift:
            return member.shift
        wanted = (recipient.shift or "").casefold()
        return next((s.name for s in self.plan.team.shifts if s.name.casefold() == wanted), None)

    def reading_shift(self, recipient: Recipient) -> str | None:
        """The shift whose times the reader's messages give: theirs, or every shift (None) for the
        coordinator, who runs the week for all of them."""
        return None if self.coordinator(recipient) else self.shift(recipient)

    def slots(self, recipient: Recipient) -> tuple[Slot, ...]:
        """The sessions this rep is in, in time order; none for a reader without a roster place."""
        if self.assignment is None or not self.rostered(recipient):
            return ()
        return self.assignment.of(recipient.email)

    def rostered(self, recipient: Recipient) -> bool:
        """Whether csw knows this reader's own waves: a rep on the roster."""
        member = self.member(recipient)
        return self.assignment is not None and member is not None and member.rep

    def lead(self, recipient: Recipient) -> bool:
        """Whether this reader runs the week rather than takes part: a lead, a coordinator, a
        supervisor (the roster's or the recipients file's role), who hold no wave of their own."""
        from csw.people.roster import NOT_REPS

        return self._role(recipient) in NOT_REPS

    def remote(self, recipient: Recipient) -> bool:
        """Whether the roster says this reader works from home."""
        member = self.member(recipient)
        return member is not None and member.remote

    def _role(self, recipient: Recipient) -> str:
        """The roster's role for the reader, else the recipients file's, casefolded."""
        member = self.member(recipient)
        return ((member.role if member is not None else recipient.role) or "").casefold()

    def coordinator(self, recipient: Recipient) -> bool:
        return self._role(recipient) in COORDINATOR_ROLES

    def scope(self, recipient: Recipient) -> Scope:
        """A rep: their shift and their own waves. Anyone else: their shift's every wave (all shifts
        for the coordinator or a reader with none)."""
        shift = self.reading_shift(recipient)
        if not self.rostered(recipient):
            return Scope(shift=shift, year_round=False)
        own = frozenset((s.day, s.idea, s.shift, s.wave) for s in self.slots(recipient))
        return Scope(shift=shift, sessions=own, year_round=False)

    def events(self, scope: Scope) -> list[CalEvent]:
        if scope not in self._events:
            _bound(self._events)
            self._events[scope] = plan_events(self.plan, scope, self.record.uids)
        return self._events[scope]

    @cached_property
    def revisions(self) -> dict[str, Revision]:
        """SEQUENCE and DTSTAMP of the events that went out, raised where they changed since."""
        from csw.exports.ics import plan_stamp

        digests = {event.uid: event.digest for event in self.events(TEAM)}
        return self.record.revisions(digests, self.changed_at or plan_stamp(self.plan))

    def calendar(self, recipient: Recipient, events: Sequence[CalEvent] | None = None) -> bytes:
        """The reader's own calendar (or just `events` of it), as they get it by email."""
        from csw.exports.ics import events_calendar

        how = self._publication(recipient, self.method)
        if events is not None:
            return events_calendar(self.plan, events, how)
        key = (self.scope(recipient), how.attendee)
        if key not in self._calendars:  # readers of one shift and set of waves share it
            _bound(self._calendars)
            self._calendars[key] = events_calendar(self.plan, self.events(key[0]), how)
        return self._calendars[key]

    def cancellation(self, recipient: Recipient, removed: Sequence[Change]) -> bytes:
        """METHOD:CANCEL for events the reader has that are gone from the plan."""
        from csw.exports.ics import Revision, events_calendar

        gone, revisions = [], {}
        for change in removed:
            version = self.record.events.get(change.uid)
            sequence, stamp = (version.sequence + 1, version.stamp) if version else (1, self._now())
            revisions[change.uid] = Revision(sequence, max(stamp, self._now()))
            # in UTC: the record keeps an offset, not the zone's name
            start: date = (
                datetime.fromisoformat(change.start).astimezone(UTC)
                if "T" in change.start
                else date.fromisoformat(change.start)
            )
            gone.append(CalEvent(change.uid, (("SUMMARY", change.summary), ("DTSTART", start)), ()))
        how = replace(self._publication(recipient, "CANCEL"), revisions=revisions)
        return events_calendar(self.plan, gone, how)

    def changes(self, recipient: Recipient) -> list[Change]:
        """How the calendar this reader was sent differs from theirs now (nothing if never sent)."""
        return changes(self.record, recipient.email, self.events(self.scope(recipient)))

    def _publication(self, recipient: Recipient, method: str) -> Publication:
        from csw.exports.ics import Publication

        attendee = recipient.address if method != "PUBLISH" else None
        return Publication(method, self.organizer, attendee, self.revisions, uids=self.record.uids)

    def _now(self) -> datetime:
        from csw.exports.ics import plan_stamp

        return self.changed_at or plan_stamp(self.plan)


def _bound(cache: dict[Any, Any]) -> None:
    """Make room for one more entry, the oldest going first: with its own waves, each rep has a
    scope of their own, and 5,000 reps' events kept would be 150 MB. Drafts come by day and kind,
    so readers who share a scope come close together."""
    while len(cache) >= SCOPES_KEPT:
        del cache[next(iter(cache))]


def load_readers(
    plan: Plan,
    plan_file: Path,
    recipients_file: Path,
    people: Sequence[Recipient],
    config: Config,
    outbox: Path,
    *,
    invites: bool = False,
) -> tuple[Readers, list[str]]:
    """The readers of a plan's messages: the roster of its folder (or made now from the
    recipients), the outbox's record of what went out, and the warnings of the roster."""
    from csw.people.roster import RosterError, roster_for
    from csw.people.staffing import unplaced_warnings

    try:
        members, assignment = roster_for(
            plan,
            plan_file.parent,
            list(people),
            config.team.departments,
            sponsor=config.email.sponsor,
            source=recipients_file,
        )
    except RosterError as error:  # the messages can still go: each with the shift's every wave
        lost = "so nobody is told their own waves; each message gives the shift's every wave"
        return _readers(plan, plan_file, recipients_file, config, outbox, invites), [
            *error.problems,
            f"{recipients_file}: the roster cannot place these people, {lost}",
        ]
    readers = _readers(plan, plan_file, recipients_file, config, outbox, invites)
    readers.members = {member.email.casefold(): member for member in members}
    readers.assignment = assignment
    return readers, unplaced_warnings(plan, assignment, members)


def _readers(
    plan: Plan, plan_file: Path, recipients_file: Path, config: Config, outbox: Path, invites: bool
) -> Readers:
    from csw.mail.published import load_record, modified

    # the last change of the plan or the list: the DTSTAMP of an event revised since it went out
    changed = max(modified(plan_file), modified(recipients_file))
    sender = config.email.from_ or f"{plan.organization.team} <csw@{plan.organization.domain}>"
    return Readers(plan, sender, record=load_record(outbox), changed_at=changed, invites=invites)
