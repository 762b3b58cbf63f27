"""Writing the outbox as it is composed: each message written as it comes and then dropped, a
failed compose leaving the outbox as it was, and a sent message's file never touched again."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Set
from pathlib import Path

from csw.core.errors import OutputError
from csw.core.files import replace_all
from csw.mail.compose import Composed
from csw.mail.journal import message_key
from csw.mail.outgoing import message_id_of

STAGING = ".composing-"  # the prefix of the folder a compose writes into before anything is replaced


def write_outbox(
    folder: Path,
    messages: Iterable[tuple[Composed, bytes]],
    *,
    prune: bool = True,
    sent: Set[str] = frozenset(),
) -> list[Composed]:
    """Write each message as it is composed, as DUE-KIND-MAILBOX.eml, and keep only its record.

    Every new or changed file is written into a staging folder inside the outbox; only once the
    last message is composed are they renamed into place, all or nothing, so a compose that
    fails half-way (a template error, a full disk, Ctrl-C) leaves the outbox as it was. A message
    whose key is in `sent` (the journal's) is never written: its file stays as it went out,
    whatever changed since (out_of_date and the update messages tell the change). A file that
    already holds the same bytes is left alone: renames are slow. With `prune` (all messages
    composed), unsent .eml files that are no longer composed then go.
    """
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _drop_leftovers(folder)
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=folder))
    except OSError as error:
        raise OutputError(f"{folder}: cannot write the outbox here: {error.strerror or error}.") from None
    try:
        kept, staged = _stage(folder, staging, messages, sent)
        _publish(folder, staging, staged)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    if prune:
        _prune(folder, {item.filename for item in kept}, sent)
    return kept


def _stage(
    folder: Path, staging: Path, messages: Iterable[tuple[Composed, bytes]], sent: Set[str]
) -> tuple[list[Composed], list[str]]:
    kept: list[Composed] = []
    staged: list[str] = []
    for item, data in messages:
        kept.append(item)
        if message_key(item.message_id) in sent or _holds(folder / item.filename, data):
            continue
        target = staging / item.filename
        try:
            target.write_bytes(data)
        except OSError as error:
            raise OutputError(f"{folder / item.filename}: cannot write: {error.strerror or error}.") from None
        staged.append(item.filename)
    return kept, staged


def _publish(folder: Path, staging: Path, staged: Iterable[str]) -> None:
    # all or nothing: a rename that fails puts back the files replaced before it
    replace_all((staging / name, folder / name) for name in staged)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _prune(folder: Path, names: Set[str], sent: Set[str]) -> None:
    """Remove the unsent .eml files no longer composed; a sent one stays, as it went out."""
    for stale in folder.glob("*.eml"):
        if stale.name in names:
            continue
        found = message_id_of(stale)
        if found is None or message_key(found) not in sent:
            stale.unlink(missing_ok=True)


def _drop_leftovers(folder: Path) -> None:
    # the staging folder of a compose that was killed: nothing in it was ever published
    for leftover in folder.glob(f"{STAGING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
