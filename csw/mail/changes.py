"""After a send: what went out goes into the record; before one: which sent messages the plan has
overtaken since, and what changed in them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from csw.exports.calendar_events import Scope
from csw.mail.compose import Composed
from csw.mail.journal import message_key, sent_keys
from csw.mail.published import Record, load_record, save_record
from csw.mail.readers import Readers

UPDATE_HINT = (
    "run `csw email send PLAN --only update` to tell them (one short message each, with the new calendar)"
)


def out_of_date(composed: Sequence[Composed], record: Record, addresses: Collection[str] = ()) -> list[str]:
    """A line per kind of sent message that no longer says what the plan says, and a line for the
    readers whose calendar changed since it went out (their update is composed). `addresses`: the
    recipients' (casefolded), when only some kinds were composed."""
    said = _by_key(record.messages)
    stale = Counter(
        item.draft.kind
        for item in composed
        if said.get(message_key(item.message_id), item.digest) != item.digest
    )
    lines = [
        f"{n} sent {kind} message{'s' * (n != 1)} no longer match{'es' * (n == 1)} the plan or the recipients"
        for kind, n in sorted(stale.items())
    ]
    current = set(addresses) | {item.draft.recipient.email.casefold() for item in composed}
    gone = sorted(address for address in record.people if address not in current)
    if gone:
        shown = ", ".join(gone[:3]) + (f" and {len(gone) - 3} more" if len(gone) > 3 else "")
        lines.append(
            f"{_people(len(gone))} sent a calendar {'is' if len(gone) == 1 else 'are'} no longer on"
            f" the list ({shown}):"
            " their calendars still hold the week; tell them, or put them back on the list"
        )
    updates = [item for item in composed if item.draft.kind == "update"]
    if updates:
        what = Counter(change.summary for item in updates for change in item.draft.changes)
        examples = "; ".join(f"{summary} ({n})" for summary, n in what.most_common(3))
        lines.append(
            f"{_people(len(updates))} {'holds' if len(updates) == 1 else 'hold'} a calendar that is"
            f" out of date ({examples}); {UPDATE_HINT}."
        )
    return lines


def _by_key(messages: Mapping[str, str]) -> dict[str, str]:
    """The record's digests by message key: a Message-ID sent under an earlier domain still counts."""
    return {message_key(message_id): said for message_id, said in messages.items()}


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def record_sent(outbox: Path, composed: Sequence[Composed], sent: Collection[str], readers: Readers) -> None:
    """Put what just went out (the Message-IDs in `sent`) into the outbox's record.

    A kickoff or an update brings its reader's calendar up to date; an update also brings their
    earlier messages up to date (it told them what changed), so those are no longer out of date.
    """
    from csw.exports.ics import plan_stamp

    record = load_record(outbox)
    stamp = plan_stamp(readers.plan)
    keys = sent_keys(set(sent))
    known = {message_key(message_id): message_id for message_id in record.messages}
    updated = set()
    calendars: dict[Scope, dict[str, str]] = {}  # the readers of one scope hold the same calendar
    for item in composed:
        if message_key(item.message_id) not in keys:
            continue
        key = known.setdefault(message_key(item.message_id), item.message_id)
        record.messages[key] = item.digest
        if item.calendar:  # the reader's whole calendar, as the message brought it (cached per scope)
            scope = readers.scope(item.draft.recipient)
            if scope not in calendars:
                calendars[scope] = record.calendar(readers.events(scope), readers.revisions, stamp)
            record.hold(item.draft.recipient.email, calendars[scope])
        if item.draft.kind == "update":
            updated.add(item.draft.recipient.email.casefold())
    for item in composed:
        key = message_key(item.message_id)
        if item.draft.recipient.email.casefold() in updated and key in known:
            record.messages[known[key]] = item.digest
    if record.uids is None:  # the names the events just went out under stay theirs
        from csw.exports.calendar_events import uid_names

        record.uids = uid_names(readers.plan)
    save_record(outbox, record)
