"""The send journal, sent.jsonl: one line a message, saying before its data that it is in flight,
then written over with what the server answered; locked while a run sends, read back tolerant of a
line cut short by a crash."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Literal

from csw.mail.outgoing import Outgoing, SendError

JOURNAL_NAME = "sent.jsonl"
Status = Literal["sent", "skipped", "failed", "unconfirmed-resent"]


# Each line is json.dumps of a dict whose first key is message_id, so a line cut short by a crash
# still names its message when the id itself was written in full.
_CUT_LINE = re.compile(rb'^\{"message_id": ("(?:[^"\\]|\\.)*")')


def message_key(message_id: str) -> str:
    """What the journal knows a message by: its Message-ID without the domain after the @.

    csw makes the part before the @ from what the message is (year, kind, day, the normalised
    address), so a coordinator who edits the organisation's domain does not make sent messages new.
    """
    inner = message_id.strip().removeprefix("<").removesuffix(">")
    return inner.rpartition("@")[0] or inner


def sent_keys(message_ids: set[str]) -> set[str]:
    """The keys (see message_key) of these Message-IDs."""
    return {message_key(found) for found in message_ids}


def read_journal(path: Path) -> set[str]:
    """The Message-IDs recorded in the journal at `path` as accepted (none if it does not exist).

    Tolerates lines cut short by a crash: a line is written only after the server accepted its
    message, so even a partial line whose Message-ID is complete counts as sent.
    """
    return _scan(path)[0]


def read_in_flight(path: Path) -> set[str]:
    """The Message-IDs that went out in a run that died before the server's acceptance was recorded:
    they may or may not have arrived."""
    accepted, going = _scan(path)
    return going - accepted


def _scan(path: Path) -> tuple[set[str], set[str]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return set(), set()
    except OSError as error:
        raise SendError(f"{path}: cannot read the send journal: {error.strerror}.") from None
    accepted: set[str] = set()
    going: set[str] = set()
    for line in data.split(b"\n"):
        found = _journal_id(line)
        if found:
            (accepted if found[0] == "sent" else going).add(found[1])
    return accepted, going


def _journal_id(line: bytes) -> tuple[str, str] | None:
    """("sent", id) for an acceptance, ("going", id) for a message in flight, None otherwise."""
    if not line.strip():
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        # A cut line of an in-flight entry starts with {"in_flight": and so never matches here.
        cut = _CUT_LINE.match(line)
        return ("sent", str(json.loads(cut[1]))) if cut else None
    if not isinstance(entry, dict):
        return None
    for kind, name in (("sent", "message_id"), ("going", "in_flight")):
        found = entry.get(name)
        if isinstance(found, str):
            return kind, found
    return None


SYNC_EVERY = 32  # journal entries per fsync: see Journal


class Journal:
    """sent.jsonl, locked and open for appending while a run sends.

    Each line is written with one write() as soon as the server accepted its message, so a killed
    process loses nothing. The fsync, which makes the lines survive a power cut, is grouped: one for
    every SYNC_EVERY entries (called while the server reads the next MAIL command, so the disk and
    the server work at the same time), one before any pause and one at the end. A fsync per message
    cost a fifth of the sending rate on a busy machine; what grouping risks is only this: after a
    power cut, up to SYNC_EVERY messages the server had accepted are sent again, with the same
    Message-ID, which mail systems use to drop the copy.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # not O_APPEND: an acceptance is written over its message's in-flight line (see in_flight)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise SendError(f"{path}: cannot open the send journal: {error.strerror}.") from None
        self._pending = 0  # entries written since the last fsync
        self._end = 0  # where the next line goes: this run is the journal's only writer (the lock)
        self._slot: tuple[str, int, int] | None = None  # the in-flight line: Message-ID, offset, size
        try:
            _lock(self._fd, path)
            self.ids, going = _scan(path)
            self.keys = sent_keys(self.ids)
            # in flight when an earlier run died, never confirmed: resent, and reported as such
            self.unsure = sent_keys(going) - self.keys
            self._end_line()
        except BaseException:
            os.close(self._fd)
            raise

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _end_line(self) -> None:
        # After a crash mid-line, the next entry must start on a line of its own.
        size = self._end = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            self._write(b"\n")

    def in_flight(self, message: Outgoing, at: datetime) -> None:
        """Write down, before the message's data goes, that it is going: a run killed between the
        data and the server's reply leaves this line, and the rerun says the message may have
        arrived twice. The line is as long as the acceptance that will be written over it, so a
        disk that holds it holds the acceptance too; one that cannot take it stops the run before
        the data goes."""
        line = json.dumps({"in_flight": message.message_id, "file": message.name, "at": at.isoformat()})
        longest = _entry(message, message.recipients, "unconfirmed-resent", at.replace(microsecond=1))
        size = max(len(line), len(longest))
        try:
            # padded in front: a line the disk cut short is no JSON, so never taken as in flight
            offset = self._write(line.encode("ascii").rjust(size) + b"\n")
        except OSError as error:
            raise SendError(
                f"{self.path}: cannot write the send journal: {error.strerror}; {message.name} and"
                " the messages after it were not sent.",
                hint="Free some space, then run the same command again: it sends only what is missing.",
            ) from None
        self._slot = (message.message_id, offset, size)

    def record(self, message: Outgoing, accepted: Sequence[str], status: Status, at: datetime) -> None:
        """Write one entry for a message the server answered (fsynced by a later `sync()`): over its
        in-flight line, which has room for it, else at the end."""
        line = _entry(message, accepted, status, at).encode("ascii")
        slot, self._slot = self._slot, None
        try:
            if slot and slot[0] == message.message_id and len(line) <= slot[2]:
                _write_at(self._fd, line.ljust(slot[2]), slot[1])
            else:
                self._write(line + b"\n")
        except OSError as error:
            raise SendError(
                f"{self.path}: cannot record that {message.message_id} ({message.name}) was sent:"
                f" {error.strerror}.",
                hint="Free some space; a rerun sends that message again (same Message-ID) and says so.",
            ) from None
        self.ids.add(message.message_id)
        self.keys.add(message_key(message.message_id))
        self._pending += 1

    def sync_some(self) -> None:
        """fsync once SYNC_EVERY entries wait for it."""
        if self._pending >= SYNC_EVERY:
            self.durable()

    def durable(self) -> None:
        """fsync every entry written so far, if one waits."""
        if not self._pending:
            return
        try:
            os.fsync(self._fd)
        except OSError as error:
            raise SendError(f"{self.path}: cannot save the send journal: {error.strerror}.") from None
        self._pending = 0

    def _write(self, data: bytes) -> int:
        """Write `data` at the end; where it starts."""
        offset = self._end
        _write_at(self._fd, data, offset)
        self._end += len(data)
        return offset

    def close(self) -> None:
        """fsync the last entry, then release the lock and the file."""
        try:
            self.durable()
        finally:
            os.close(self._fd)


def _entry(message: Outgoing, accepted: Sequence[str], status: Status, at: datetime) -> str:
    """The journal's line for a message the server answered, first key message_id (see _CUT_LINE)."""
    entry = {
        "message_id": message.message_id,
        "file": message.name,
        "to": list(accepted),
        "kind": message.kind,
        "status": status,
        "at": at.isoformat(),
    }
    return json.dumps(entry)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _lock(fd: int, path: Path) -> None:
    # Two runs sending from one outbox at once would both send what neither has journaled yet.
    if sys.platform == "win32":
        return
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SendError(
            f"{path}: another csw is sending from this outbox right now.",
            hint="Wait for it to finish, then run the command again: it sends only what is missing.",
        ) from None
