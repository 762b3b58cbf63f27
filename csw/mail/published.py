"""What csw has published: each event as it last went out, and which events each person has.

The record lives in the outbox as published.json, written after each send. From it the next
compose knows which events changed since they went out (they get a higher SEQUENCE and a newer
DTSTAMP, so that Outlook, Exchange and Google replace them instead of keeping or duplicating
them), which were removed (cancelled), and which people hold an out-of-date calendar.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from csw.core.errors import CswError
from csw.exports.calendar_events import CalEvent, UidNames
from csw.exports.ics import Publication, Revision
from csw.plan.model import Plan

RECORD_NAME = "published.json"
RECORD_FORMAT = 1


class RecordError(CswError):
    exit_code = 2


@dataclass(frozen=True)
class Version:
    """An event as it last went out: its digest, SEQUENCE and DTSTAMP, and how to name it."""

    digest: str
    sequence: int
    stamp: datetime
    summary: str
    start: str  # ISO date or datetime, for saying what changed

    def revised(self, digest: str, changed_at: datetime) -> Revision:
        if digest == self.digest:
            return Revision(self.sequence, self.stamp)
        return Revision(self.sequence + 1, max(changed_at, self.stamp + timedelta(seconds=1)))


@dataclass
class Record:
    events: dict[str, Version] = field(default_factory=dict)  # uid -> as it last went out
    # address -> uid -> "digest start": the version they have, and when it started for them
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # Message-ID -> digest of what went out
    uids: UidNames | None = None  # what the event UIDs were made of when they first went out

    def revisions(self, digests: Mapping[str, str], changed_at: datetime) -> dict[str, Revision]:
        """SEQUENCE and DTSTAMP of every event that went out: raised where it changed since."""
        return {
            uid: self.events[uid].revised(digest, changed_at)
            for uid, digest in digests.items()
            if uid in self.events
        }

    def holds(self, address: str) -> dict[str, str]:
        return self.people.get(address.casefold(), {})

    def calendar(
        self, events: Iterable[CalEvent], revisions: Mapping[str, Revision], stamp: datetime
    ) -> dict[str, str]:
        """These events as they now went out, at these revisions (else 0 and `stamp`): what a
        person who got them holds, for `hold`."""
        held = {}
        for event in events:
            revision = revisions.get(event.uid) or Revision(0, stamp)
            self.events[event.uid] = Version(
                event.digest, revision.sequence, revision.stamp, event.summary, _iso(event.start)
            )
            held[sys.intern(event.uid)] = sys.intern(f"{event.digest} {_iso(event.start)}")
        return held

    def hold(self, address: str, held: dict[str, str]) -> None:
        """`address` now has this calendar, from `calendar`: one dict may serve many people, as it
        is never changed in place."""
        self.people[address.casefold()] = held


def _iso(moment: date) -> str:
    return moment.isoformat()


def team_calendar(plan: Plan, plan_file: Path, organizer: str | None) -> Publication:
    """How the schedule.ics of a plan whose messages went out (its folder's outbox) is published:
    the SEQUENCE and DTSTAMP of every event raised where it changed since, as in the update
    messages (the new DTSTAMP is when plan.yaml changed), and ORGANIZER from email.from."""
    from csw.exports.calendar_events import plan_events
    from csw.exports.ics import Publication

    record = load_record(plan_file.parent / "outbox")
    digests = {event.uid: event.digest for event in plan_events(plan, names=record.uids)}
    revisions = record.revisions(digests, modified(plan_file))
    return Publication(organizer=organizer, revisions=revisions, uids=record.uids)


@dataclass(frozen=True)
class Change:
    """One event of a person's calendar that is not as they have it."""

    what: str  # "changed", "added" or "removed"
    uid: str
    summary: str
    start: str
    was: str | None = None  # the start they have, where it changed

    def line(self) -> str:
        return f"{self.what}|{self.uid}|{self.start}|{self.was or ''}"


def changes(record: Record, address: str, events: Sequence[CalEvent]) -> list[Change]:
    """How the calendar `address` holds differs from `events`, the one they would get now."""
    held = record.holds(address)
    if not held:
        return []
    now = {event.uid: event for event in events}
    found = []
    for event in events:
        start = _iso(event.start)
        if event.uid not in held:
            found.append(Change("added", event.uid, event.summary, start))
            continue
        digest, _, was = held[event.uid].partition(" ")
        if digest != event.digest:
            found.append(Change("changed", event.uid, event.summary, start, was if was != start else None))
    for uid, version in held.items():
        if uid not in now:
            known = record.events.get(uid)
            start = version.partition(" ")[2]
            found.append(Change("removed", uid, known.summary if known else uid, start))
    return found


def load_record(outbox: Path) -> Record:
    """The outbox's record; an empty one when nothing was published yet."""
    path = outbox / RECORD_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Record()
    except (OSError, ValueError) as error:
        raise RecordError(
            f"{path}: cannot read what csw has published ({error}).",
            hint="Restore the file from a backup; deleting it makes csw forget what went out.",
        ) from None
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise RecordError(
            f"{path}: not a record csw wrote ({error}).", hint="Restore the file from a backup."
        ) from None


def save_record(outbox: Path, record: Record) -> None:
    data = {
        "csw_published": RECORD_FORMAT,
        "events": {
            uid: [v.digest, v.sequence, v.stamp.isoformat(), v.summary, v.start]
            for uid, v in record.events.items()
        },
        "people": record.people,  # sorted as they are written: a sorted copy was 10 MB of a send's peak
        "messages": record.messages,
    }
    if record.uids is not None:
        data["uids"] = [record.uids.prefix, record.uids.domain]
    _write_json(outbox / RECORD_NAME, data)


def _from_json(data: dict[str, object]) -> Record:
    if data.get("csw_published") != RECORD_FORMAT:
        raise ValueError(f"format {data.get('csw_published')!r}")
    events = data["events"]
    people = data["people"]
    messages = data["messages"]
    assert isinstance(events, dict) and isinstance(people, dict) and isinstance(messages, dict)
    uids = data.get("uids")  # absent in a record from before csw kept it
    assert uids is None or (isinstance(uids, list) and len(uids) == 2)
    return Record(
        events={
            uid: Version(digest, int(sequence), datetime.fromisoformat(stamp), summary, start)
            for uid, (digest, sequence, stamp, summary, start) in events.items()
        },
        # interned: thousands of readers hold the same few hundred versions (5,000 reps: 16 MB -> 4)
        people={
            str(address): {sys.intern(uid): sys.intern(version) for uid, version in held.items()}
            for address, held in people.items()
        },
        messages={str(key): str(value) for key, value in messages.items()},
        uids=UidNames(str(uids[0]), str(uids[1])) if uids else None,
    )


def modified(path: Path) -> datetime:
    """When a file last changed, to the second (the DTSTAMP of what changed with it)."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    except OSError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _write_json(path: Path, data: object) -> None:
    """`data` as JSON in `path`, its keys sorted, streamed into a temporary file beside it, on disk,
    then renamed: 5,000 reps' record is 14 MB of JSON, which json.dumps would hold several times over."""
    import os
    import tempfile

    from csw.core.errors import OutputError

    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"{path.parent}: cannot write here: {error.strerror or error}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=0, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"{path}: cannot write: {error.strerror or error}.") from None
        raise
