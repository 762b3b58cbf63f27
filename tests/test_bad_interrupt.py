"""Runs interrupted part way through writing: a full disk or Ctrl-C after the first file.

The contract (README, "Exit codes and errors"): files are written to a temporary file and
renamed, and everything is rendered before the first file is replaced, "so a failure never leaves
a half-written or half-updated output folder". These tests inject the failure at `os.replace`
(the rename that publishes a file) or in the middle of a write, and check:

- no temporary file is left behind, and no file is half-written (each is wholly old or wholly new);
- the folder is not half-updated: after a failed run every file is as it was (a first run leaves no
  csw-YEAR folder): the files replaced before the failure get their old content back.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml

from csw.core.errors import OutputError
from csw.core.files import write_atomic
from csw.exports.output import write_files
from tests.test_bad_support import assert_short_error, make_plan_folder, run_cli, snapshot


def fail_on_call(monkeypatch: pytest.MonkeyPatch, number: int, error: BaseException) -> list[str]:
    """Make the `number`th os.replace raise `error`; return the list of names it published.

    csw's cache (csw/core/cache.py) renames its entries into place too: those are not counted."""
    real = os.replace
    published: list[str] = []
    cache = os.environ.get("CSW_CACHE_DIR") or "\0"

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if str(target).startswith(cache):
            real(source, target)
            return
        if len(published) + 1 == number:
            published.append(f"FAILED {Path(target).name}")
            raise error
        real(source, target)
        published.append(Path(target).name)

    monkeypatch.setattr("csw.core.files.os.replace", replace)
    return published


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def assert_each_file_whole(after: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> None:
    for name, data in after.items():
        assert data in (old.get(name), new.get(name)), f"{name} is neither the old nor the new file"


def a_second_plan(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The csw-2025 folder of `csw plan 2025` (old) and of `csw plan 2025 --seed 7` (new)."""
    make_plan_folder(tmp_path)
    assert run_cli("plan", "2025", "--force", cwd=tmp_path).exit_code == 0
    old = snapshot(tmp_path / "csw-2025")
    other = tmp_path / "other"
    other.mkdir()
    assert run_cli("plan", "2025", "--seed", "7", cwd=other).exit_code == 0
    new = snapshot(other / "csw-2025")
    assert set(old) == set(new) and all(old[n] != new[n] for n in old), "every file differs"
    return old, new


def test_a_full_disk_on_the_second_file_of_a_first_plan_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = fail_on_call(monkeypatch, 2, disk_full())
    result = run_cli("plan", "2025", cwd=tmp_path)
    assert_short_error(result, "No space left on device")
    assert published == ["plan.yaml", "FAILED agenda.md"]
    assert temporary_files(tmp_path) == []


# guards: the folder of a failed first run is removed, not left with plan.yaml alone
def test_a_first_plan_that_fails_part_way_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_call(monkeypatch, 2, disk_full())
    run_cli("plan", "2025", cwd=tmp_path)
    assert snapshot(tmp_path / "csw-2025") == {}


@pytest.mark.parametrize("failing", [2, 3, 4])
def test_a_replan_that_fails_part_way_leaves_whole_files_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    old, new = a_second_plan(tmp_path)
    fail_on_call(monkeypatch, failing, disk_full())
    result = run_cli("plan", "2025", "--seed", "7", "--force", cwd=tmp_path)
    assert_short_error(result, "cannot write")
    after = snapshot(tmp_path / "csw-2025")
    assert set(after) == set(old), "no file lost, no temporary file left"
    assert_each_file_whole(after, old, new)


# guards the README's promise: "a failure never leaves a half-written or half-updated output
# folder" (not the new plan.yaml beside the old agenda.md, schedule.ics and poster.html)
@pytest.mark.parametrize("failing", [2, 4])
def test_a_replan_that_fails_part_way_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    old, _ = a_second_plan(tmp_path)
    fail_on_call(monkeypatch, failing, disk_full())
    run_cli("plan", "2025", "--seed", "7", "--force", cwd=tmp_path)
    assert snapshot(tmp_path / "csw-2025") == old


def edited_plan(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    plan = make_plan_folder(tmp_path)
    old = snapshot(plan.parent)
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for idea in data["ideas"].values():
        idea["title"] += " (edited)"
    plan.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    old["plan.yaml"] = plan.read_bytes()
    return plan, old


# guards: not agenda.md re-rendered beside schedule.ics and poster.html from before the edit
def test_a_render_that_fails_part_way_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, old = edited_plan(tmp_path)
    fail_on_call(monkeypatch, 2, disk_full())
    result = run_cli("render", "csw-2025/plan.yaml", cwd=tmp_path)
    assert_short_error(result, "cannot write")
    assert snapshot(plan.parent) == old


def test_a_render_that_fails_on_its_last_file_puts_back_the_files_it_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, old = edited_plan(tmp_path)
    published = fail_on_call(monkeypatch, 3, disk_full())
    run_cli("render", "csw-2025/plan.yaml", cwd=tmp_path)
    # the first two were published, then put back from their backups, last first
    assert published == ["agenda.md", "schedule.ics", "FAILED poster.html", "schedule.ics", "agenda.md"]
    assert snapshot(plan.parent) == old


def breaking_write(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """The write itself fails half way: half the bytes reach the temporary file, then `error`."""
    real = os.fdopen

    class Half:
        def __init__(self, stream) -> None:
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()

        def write(self, data: bytes) -> int:
            self.stream.write(data[: len(data) // 2])
            raise error

        def __getattr__(self, name: str):
            return getattr(self.stream, name)

    monkeypatch.setattr("csw.core.files.os.fdopen", lambda *a, **k: Half(real(*a, **k)))


@pytest.mark.parametrize("error", [disk_full(), KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_a_write_that_breaks_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "agenda.md"
    target.write_text("the old agenda\n", encoding="utf-8")
    breaking_write(monkeypatch, error)
    with pytest.raises(Exception if isinstance(error, OSError) else KeyboardInterrupt):
        write_atomic(target, "the new agenda\n" * 1000)
    assert snapshot(tmp_path) == {"agenda.md": b"the old agenda\n"}


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_ctrl_c_at_a_rename_leaves_whole_files_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    old = {"a.md": b"old a\n", "b.md": b"old b\n", "c.md": b"old c\n"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    new = {name: data.replace(b"old", b"new") for name, data in old.items()}
    fail_on_call(monkeypatch, failing, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_files(tmp_path, dict(new))
    assert temporary_files(tmp_path) == []
    assert snapshot(tmp_path) == old


def test_a_team_plan_that_fails_part_way_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the team plans go into subfolders of the output folder: every folder made is removed again
    files: dict[str, str | bytes] = {
        f"{team}/{name}": "new\n" for team in ("east", "west") for name in ("plan.yaml", "agenda.md")
    }
    fail_on_call(monkeypatch, 4, disk_full())
    with pytest.raises(OutputError, match="No space left on device"):
        write_files(tmp_path / "out" / "2025", files)
    assert list(tmp_path.iterdir()) == []


def test_a_preview_that_fails_part_way_leaves_the_outbox_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_plan_folder(tmp_path)
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name\nana@example.com,Ana\nbo@example.com,Bo\n", encoding="utf-8")
    preview = ("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv")
    first = snapshot(tmp_path / "csw-2025")
    fail_on_call(monkeypatch, 3, disk_full())
    assert_short_error(run_cli(*preview, cwd=tmp_path), "No space left on device")
    assert snapshot(tmp_path / "csw-2025") == first, "no outbox folder of a failed first preview"

    monkeypatch.undo()
    assert run_cli(*preview, cwd=tmp_path).exit_code == 0
    outbox = snapshot(tmp_path / "csw-2025" / "outbox")
    recipients.write_text("email,name\nana@example.com,Ana Maria\nbo@example.com,Bo\n", encoding="utf-8")
    published = fail_on_call(monkeypatch, 2, disk_full())
    assert_short_error(run_cli(*preview, cwd=tmp_path), "cannot write")
    assert published[0].endswith(".eml"), "the messages to Ana changed"
    assert snapshot(tmp_path / "csw-2025" / "outbox") == outbox


def test_a_folder_without_hard_links_still_gets_its_old_files_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FAT or a network share: the backup of the old file is a copy instead of a second name
    def no_links(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr("csw.core.files.os.link", no_links)
    old = {"a.md": b"old a\n", "b.md": b"old b\n"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    fail_on_call(monkeypatch, 2, disk_full())
    with pytest.raises(OutputError, match=r"b\.md: cannot write"):
        write_files(tmp_path, {"a.md": "new a\n", "b.md": "new b\n"})
    assert snapshot(tmp_path) == old
