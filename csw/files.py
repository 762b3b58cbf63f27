"""Writing the user's files safely: never a half-written file, never a silent overwrite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from csw.errors import OutputError


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
