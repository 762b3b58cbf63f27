"""The outbox as the sender reads it: one message a file, its envelope, its CSV row; and the
errors that stop a send."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from csw.core.errors import CswError
from csw.mail.stamp import restamp

# compat32 and email.utils.getaddresses: the outbox is read before every send, and for the few
# headers needed here they take 60 us a message where policy.default's header objects take 400.
_PARSER = BytesParser(policy=policy.compat32)


class SendError(CswError):
    """The outbox, the SMTP settings, the server or the journal stop the sending (exit 2)."""


class ConnectionFailed(SendError):
    """The server cannot be reached (refused, unknown host, timeout, dropped): worth retrying later."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One composed message: its file (`folder`, one Path shared by the outbox's messages, and
    `name`), its envelope, and its bytes (`data`): those given, else read from the file each time
    they are asked for, so a send of 35,000 messages holds one. Slots and the shared folder: a
    Path and an instance dict for each of 35,000 messages were 24 MB of a send's peak."""

    folder: Path
    name: str
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    kind: str
    row: Mapping[str, str] = field(compare=False)
    given: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.folder / self.name

    @property
    def data(self) -> bytes:
        """The message as composed: the bytes given, else the file's, read now and not kept."""
        if self.given is not None:
            return self.given
        try:
            return self.path.read_bytes()
        except OSError as error:
            raise SendError(f"{self.path}: cannot read the message: {error.strerror}.") from None

    @property
    def wire(self) -> bytes:
        """The DATA payload as composed: see `wire_at`."""
        return self.wire_at(None)

    def wire_at(self, sent: datetime | None, data: bytes | None = None) -> bytes:
        """The DATA payload of `data` (else the file's): CRLF line ends, dot-stuffed, with the final
        dot; dated `sent` unless None (csw.mail.stamp). Made when it is sent, not kept: ten thousand
        kept copies of 75 kB messages would double what a send holds."""
        text = self.data if data is None else data
        crlf = text.count(b"\r\n")
        if text.count(b"\n") != crlf or text.count(b"\r") != crlf:  # csw writes CRLF; a hand edit may not
            text = re.sub(rb"\r\n|\n|\r", b"\r\n", text)
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        if sent is not None:
            text = restamp(text, sent)
        stuffed = text.replace(b"\r\n.", b"\r\n..")  # counting is C, a regex over 75 kB was not
        return (b"." if stuffed.startswith(b".") else b"") + stuffed + b".\r\n"

    @property
    def international(self) -> bool:
        """Whether an envelope address is not ASCII (then the server must offer SMTPUTF8)."""
        return not all(address.isascii() for address in (self.sender, *self.recipients))


def read_outbox(folder: Path, rows: Mapping[str, Mapping[str, str]] | None = None) -> list[Outgoing]:
    """Every `*.eml` message in `folder`, in name order.

    `rows` maps a recipient's address to their recipients.csv row; it goes with the message into
    failed.csv. Raises SendError naming the file when a message cannot be read or lacks a header.
    """
    if not folder.is_dir():
        raise SendError(f"{folder}: no such outbox folder.", hint="Compose it first: csw email preview PLAN.")
    by_address = {address.casefold(): row for address, row in (rows or {}).items()}
    messages = [_outgoing(path, by_address) for path in sorted(folder.glob("*.eml"))]
    _refuse_duplicates(messages)
    return messages


def _outgoing(path: Path, rows: Mapping[str, Mapping[str, str]]) -> Outgoing:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SendError(f"{path}: cannot read the message: {error.strerror}.") from None
    headers = _PARSER.parsebytes(_header_block(data), headersonly=True)
    message_id = "".join(str(headers.get("Message-ID", "")).split())  # unfolded, if it was folded
    if not message_id:
        raise SendError(f"{path}: the message has no Message-ID header.", hint=_RECOMPOSE)
    if "Bcc" in headers:
        raise SendError(f"{path}: the message has a Bcc header, which csw does not send.", hint=_RECOMPOSE)
    recipients = _addresses(headers, "To", "Cc")
    senders = _addresses(headers, "Sender") or _addresses(headers, "From")
    if not recipients or not senders:
        missing = "To" if not recipients else "From"
        raise SendError(f"{path}: the message has no address in its {missing} header.", hint=_RECOMPOSE)
    row = next((rows[a.casefold()] for a in recipients if a.casefold() in rows), None)
    return Outgoing(
        folder=path.parent,
        name=path.name,
        message_id=message_id,
        sender=senders[0],
        recipients=recipients,
        kind=str(headers.get("X-CSW-Kind", "")).strip() or _kind_from_name(path),
        row=row if row is not None else {"email": ", ".join(recipients)},
    )  # no bytes kept: they are read again when the message is sent


class ReadAhead(Iterator[Outgoing]):
    """The messages of a send in order, each file read while the server works on the one before.

    The sender waits for the server's reply to each message's data; `read_next` fills that wait
    with reading the next message to send (the first one `skip` does not pass over), and `data`
    hands those bytes over on its first try. A retry, or any other message, reads its file then.
    One message's bytes are held at a time."""

    def __init__(self, messages: Sequence[Outgoing], skip: Callable[[Outgoing], bool]) -> None:
        self._messages = messages
        self._skip = skip
        self._at = 0  # the index of the message after the one in hand
        self._held: tuple[Outgoing, bytes] | None = None

    def __next__(self) -> Outgoing:
        if self._at >= len(self._messages):
            raise StopIteration
        self._at += 1
        return self._messages[self._at - 1]

    def data(self, message: Outgoing) -> bytes:
        """The message's bytes: those read ahead for it, else its file's."""
        if self._held is None or self._held[0] is not message:
            return message.data
        data, self._held = self._held[1], None
        return data

    def read_next(self) -> None:
        """Read the file of the next message to send, if any is left; one that cannot be read is
        left for its turn, which reports it."""
        at = self._at
        while at < len(self._messages) and self._skip(self._messages[at]):
            at += 1
        if at < len(self._messages):
            try:
                self._held = (self._messages[at], self._messages[at].data)
            except SendError:
                self._held = None


_RECOMPOSE = "Compose the outbox again with csw email preview PLAN."


def _header_block(data: bytes) -> bytes:
    # Only the headers are needed; parsing a large attachment to find them would be wasted work.
    ends = [at for at in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if at >= 0]
    return data[: min(ends) + 2] if ends else data


def _addresses(headers: Message, *names: str) -> tuple[str, ...]:
    values = [str(value) for name in names for value in headers.get_all(name, [])]
    return tuple(address for _, address in getaddresses(values) if "@" in address)


def _kind_from_name(path: Path) -> str:
    # Composed files are named YYYY-MM-DD-kind-mailbox.eml (NNN-kind-recipient.eml before).
    parts = path.stem.split("-")
    dated = len(parts) > 4 and len(parts[0]) == 4 and parts[0].isdigit()
    at = 3 if dated else 1
    return parts[at] if len(parts) > at + 1 else ""


def message_id_of(path: Path) -> str | None:
    """The Message-ID of an outbox file, read from its headers alone; None if it has none or
    cannot be read."""
    try:
        with path.open("rb") as stream:
            head = _header_block(stream.read(64 * 1024))
    except OSError:
        return None
    found = "".join(str(_PARSER.parsebytes(head, headersonly=True).get("Message-ID", "")).split())
    return found or None


def _refuse_duplicates(messages: Sequence[Outgoing]) -> None:
    # The journal knows messages by Message-ID: two files sharing one would send only the first.
    seen: dict[str, Path] = {}
    for message in messages:
        first = seen.get(message.message_id)
        if first is not None:
            raise SendError(
                f"{message.path}: Message-ID {message.message_id} is also the one of {first.name}.",
                hint=_RECOMPOSE,
            )
        seen[message.message_id] = message.path
