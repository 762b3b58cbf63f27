"""The user's files: read as UTF-8 with a clear error; written safely: never a half-written file,
never a half-updated folder, never a silent overwrite."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Container, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from csw.core.errors import NotUtf8Error, OutputError

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


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write `content` to a temporary file beside `path`, on disk, then rename it over `path`.

    A crash or a full disk leaves the previous file as it was; readers never see half a file.
    """
    write_all(path.parent, {path.name: content}, durable={path.name})


def replace_all(moves: Iterable[tuple[Path, Path]]) -> None:
    """Rename each prepared file (temporary, target) over its target, all or nothing.

    The temporaries are made elsewhere (a staging folder on the same file system), possibly while
    `moves` is still being produced. If a rename fails (a full disk, Ctrl-C), the targets replaced
    so far get their old content back before the error goes on.
    """
    with _committing() as commit:
        for temporary, target in moves:
            commit.move(temporary, target)


def write_all(folder: Path, files: Mapping[str, str | bytes], *, durable: Container[str] = ()) -> list[Path]:
    """Write every file of `files` (name -> content; a name may hold subfolders) into `folder`, all
    or nothing.

    Each file is first written to a temporary file beside its target; only once all of them are
    written are they renamed into place. If anything fails before the last rename (a full disk,
    Ctrl-C), the files already replaced get their old content back, the temporary files go, and so
    do the folders this call made: the folder is left as it was. The names in `durable` wait for
    the disk (fsync) before they are renamed.
    """
    with _committing() as commit:
        commit.make_folder(folder)
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            commit.stage(folder / name, data, durable=name in durable)
        commit.wait_for_disk()
        commit.publish()
    return [folder / name for name in files]


@contextmanager
def _committing() -> Iterator[_Commit]:
    """A commit that is rolled back if anything fails (a full disk, Ctrl-C) and whose backups go
    once it is done; an OSError becomes an OutputError naming the step."""
    commit = _Commit()
    try:
        yield commit
    except BaseException as error:
        commit.roll_back()
        if isinstance(error, OSError):
            raise OutputError(f"{commit.doing}: {error.strerror or error}.") from None
        raise
    commit.drop_backups()


@dataclass(slots=True)
class _Staged:
    """One file of a commit: its new content waits in `temporary`; `backup` is a second name for
    the file it replaces (None if there was none), to put it back if the commit fails."""

    target: Path
    temporary: Path
    backup: Path | None = None
    durable: bool = False


@dataclass
class _Commit:
    staged: list[_Staged] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)  # the folders made, outermost first
    doing: str = ""  # what the step under way does, for the message if it fails

    def make_folder(self, folder: Path) -> None:
        if folder.is_dir():
            return
        self.make_folder(folder.parent)
        self.doing = f"{folder}: cannot make this folder"
        folder.mkdir()
        self.created.append(folder)

    def stage(self, target: Path, data: bytes, *, durable: bool) -> None:
        self.make_folder(target.parent)
        self.doing = f"{target.parent}: cannot write here"
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        staged = _Staged(target, Path(temporary), durable=durable)
        self.staged.append(staged)  # before the write: a failed write still removes the file
        self.doing = f"{target}: cannot write"
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        staged.backup = _second_name(target, staged.temporary.with_suffix(".old"))

    def wait_for_disk(self) -> None:
        """The durable files' content on disk before any rename makes them the real files.

        Linux's sync() writes everything and waits, in about the time of one fsync: a thousand
        teams' plans, each fsynced, took seconds. Elsewhere sync() may return before the disk is
        done, so each file is fsynced.
        """
        waiting = [staged for staged in self.staged if staged.durable]
        if len(waiting) > 1 and sys.platform.startswith("linux"):
            self.doing = "cannot save the files to disk"
            os.sync()
            return
        for staged in waiting:
            self.doing = f"{staged.target}: cannot write"
            with staged.temporary.open("rb+") as stream:
                os.fsync(stream.fileno())

    def move(self, temporary: Path, target: Path) -> None:
        """Publish one file made elsewhere, keeping what it replaces for a roll-back."""
        self.doing = f"{target}: cannot write"
        staged = _Staged(target, temporary)
        self.staged.append(staged)
        staged.backup = _second_name(target, temporary.with_suffix(".old"))
        os.replace(temporary, target)

    def publish(self) -> None:
        for staged in self.staged:
            self.doing = f"{staged.target}: cannot write"
            os.replace(staged.temporary, staged.target)

    def roll_back(self) -> None:
        """Put back every file replaced so far, remove every temporary file and made folder.

        Best effort: a step that fails does not stop the others."""
        for staged in reversed(self.staged):
            with suppress(OSError):
                _undo(staged)
        for folder in reversed(self.created):
            with suppress(OSError):
                folder.rmdir()

    def drop_backups(self) -> None:
        for staged in self.staged:
            if staged.backup is not None:
                with suppress(OSError):
                    staged.backup.unlink()


def _second_name(target: Path, name: Path) -> Path | None:
    """Keep what `target` holds now under `name` (a hard link, a copy where the file system has
    none); None if there is no `target`."""
    try:
        os.link(target, name, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except FileExistsError:
        raise
    except (OSError, NotImplementedError):
        # no hard links here (FAT, some network shares; no link to a symlink on Windows): a copy
        shutil.copy2(target, name, follow_symlinks=False)
    return name


def _undo(staged: _Staged) -> None:
    # the temporary file is gone once it was renamed: that tells whether the target was replaced
    if os.path.lexists(staged.temporary):
        staged.temporary.unlink()
    elif staged.backup is not None:
        os.replace(staged.backup, staged.target)
    else:
        staged.target.unlink()
    if staged.backup is not None:
        staged.backup.unlink(missing_ok=True)


def refuse_overwrite(paths: list[Path], force: bool) -> None:
    """Stop before writing anything if any of `paths` exists and `force` was not given."""
    existing = [str(path) for path in paths if path.exists()]
    if existing and not force:
        raise OutputError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}.",
            hint="Use --force to overwrite, or choose another folder.",
        )
