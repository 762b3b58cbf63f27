"""The user's files: read as UTF-8 with a clear error, written safely (never half, never over)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from csw.errors import NotUtf8Error, OutputError

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file, with or without a BOM (Excel, Notepad); OSError is the caller's.

    Any other encoding raises NotUtf8Error naming the line and the byte, instead of the codec's
    "can't decode byte 0xe9 in position 31", which says neither where nor what to do.
    """
    data = path.read_bytes()
    body = data.removeprefix(_BOM)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = len(_LINE_END.findall(body, 0, error.start)) + 1
        offset = len(data) - len(body) + error.start
        raise NotUtf8Error(
            f"{path}:{line}: the file is not UTF-8 text (byte 0x{body[error.start]:02X} at offset"
            f" {offset}); save it as UTF-8"
        ) from None
    # Line ends as Path.read_text gives them (\r\n and \r become \n): a plan saved with CRLF
    # keeps matching the checksum csw wrote.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_atomic(path: Path, content: str | bytes, *, durable: bool = True) -> None:
    """Write `content` to a temporary file beside `path`, then rename it over `path`.

    A crash or a full disk leaves the previous file as it was; readers never see half a file.
    `durable=False` skips the fsync, for files that are cheap to write again (the outbox).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"{path.parent}: cannot write here: {error.strerror}.") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"{path}: cannot write: {error.strerror}.") from None
        raise


def refuse_overwrite(paths: list[Path], force: bool) -> None:
    """Stop before writing anything if any of `paths` exists and `force` was not given."""
    existing = [str(path) for path in paths if path.exists()]
    if existing and not force:
        raise OutputError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}.",
            hint="Use --force to overwrite, or choose another folder.",
        )
