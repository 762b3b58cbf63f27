"""A cache of work csw can redo at any time: parsed idea banks and compiled templates.

Entries are named by a digest of everything they are made from (the file's bytes, csw's version
and the code that reads them), so an entry is either right or never looked up: there is nothing
to expire and nothing to clear. Where it lives: $CSW_CACHE_DIR, else the platform's cache folder
as platformdirs finds it ($XDG_CACHE_HOME/csw or ~/.cache/csw on Linux, ~/Library/Caches/csw on
macOS, %LOCALAPPDATA%\\csw\\Cache on Windows). CSW_CACHE_DIR set to an empty value turns the cache
off. A cache that cannot be read or written is no error: csw does the work again, exactly as
without one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from csw import __version__

ENV = "CSW_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when the cache is turned off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return Path(chosen).expanduser() if chosen.strip() else None
    # imported here: only the commands that read a bank or a template need it, not `csw week`
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("csw", appauthor=False))


def digest(*parts: bytes | str) -> str:
    """A name for what `parts` make, different for every csw version."""
    hasher = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))  # so that ("ab", "c") and ("a", "bc") differ
        hasher.update(data)
    return hasher.hexdigest()


def code_stamp(*modules: str) -> str:
    """Where and when these source files were last changed: a checkout that edits them misses."""
    stamps = []
    for module in modules:
        try:
            status = os.stat(module)
        except OSError:
            return "unknown"
        stamps.append(f"{module}:{status.st_size}:{status.st_mtime_ns}")
    return "|".join(stamps)


def read(kind: str, key: str) -> bytes | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return (folder / kind / key).read_bytes()
    except OSError:
        return None


def write(kind: str, key: str, data: bytes) -> None:
    """Store an entry whole or not at all; any failure only means no entry."""
    target = folder(kind)
    if target is None:
        return
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=target)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target / key)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def folder(kind: str) -> Path | None:
    """The folder of one kind of entry, created, for a library that keeps its own files there."""
    base = cache_dir()
    if base is None:
        return None
    try:
        (base / kind).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base / kind
