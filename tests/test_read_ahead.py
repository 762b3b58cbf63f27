"""csw.mail.outgoing.ReadAhead: the next message's file is read while the server takes the one
before, once, and a retry or an unreadable file is met as if nothing had been read ahead."""

from __future__ import annotations

from pathlib import Path

import pytest

from csw.mail.outgoing import Outgoing, ReadAhead, SendError


def written(folder: Path, name: str, text: bytes) -> Outgoing:
    (folder / name).write_bytes(text)
    return Outgoing(
        folder, name, f"<{name}@acme.example>", "pat@acme.example", ("sam@acme.example",), "daily", {}
    )


def test_the_next_message_not_skipped_is_read_ahead_once_and_a_retry_reads_its_file(tmp_path: Path) -> None:
    first, skipped, third = (written(tmp_path, f"{n}.eml", b"as composed %d" % n) for n in (1, 2, 3))
    ahead = ReadAhead([first, skipped, third], skip=lambda message: message is skipped)
    assert next(ahead) is first
    ahead.read_next()
    (tmp_path / "3.eml").write_bytes(b"edited after it was read ahead")
    assert ahead.data(first) == b"as composed 1", "the message in hand was not read ahead: its file is read"
    assert next(ahead) is skipped and next(ahead) is third
    assert ahead.data(third) == b"as composed 3", "the first try sends what was read ahead"
    assert ahead.data(third) == b"edited after it was read ahead", "a retry reads the file again"
    with pytest.raises(StopIteration):
        next(ahead)


def test_reading_ahead_holds_only_the_message_it_read_for(tmp_path: Path) -> None:
    one, two = written(tmp_path, "1.eml", b"one"), written(tmp_path, "2.eml", b"two")
    ahead = ReadAhead([one, two], skip=lambda _: False)
    assert next(ahead) is one
    ahead.read_next()  # two, while one is at the server
    (tmp_path / "1.eml").write_bytes(b"one, edited")
    assert ahead.data(one) == b"one, edited", "a retry of the message in hand reads its own file"
    assert ahead.data(two) == b"two", "and the next message's bytes are still the ones read ahead"


def test_a_file_that_cannot_be_read_ahead_is_reported_on_its_turn(tmp_path: Path) -> None:
    one, gone = written(tmp_path, "1.eml", b"one"), written(tmp_path, "2.eml", b"two")
    (tmp_path / "2.eml").unlink()
    ahead = ReadAhead([one, gone], skip=lambda _: False)
    next(ahead)
    ahead.read_next()  # no error here: the message in hand is still going out
    next(ahead)
    with pytest.raises(SendError, match=r"2\.eml: cannot read the message"):
        ahead.data(gone)


def test_nothing_is_read_past_the_last_message(tmp_path: Path) -> None:
    only = written(tmp_path, "1.eml", b"one")
    ahead = ReadAhead([only], skip=lambda _: False)
    assert next(ahead) is only
    ahead.read_next()
    assert ahead.data(only) == b"one"
