"""csw's cache (csw/core/cache.py): parsed idea banks kept by content. It may only ever save time: what
csw reads and says is the same with a cache, without one, or with a damaged one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from csw.ideas.bank import load_bank, read_bank_file
from tests.banks import DESK_YOGA as BANK


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CSW_CACHE_DIR", str(folder))
    return folder


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "banks").glob("*")) if (cache_dir / "banks").exists() else []


def test_a_bank_read_from_the_cache_is_the_bank_read_from_its_yaml(cache_dir: Path) -> None:
    fresh, problems = load_bank()
    assert not problems and entries(cache_dir)  # every built-in file is now kept
    cached, problems = load_bank()
    assert not problems
    assert cached.ideas == fresh.ideas and cached.origin == fresh.origin  # lines included


def test_an_edited_bank_is_read_again(cache_dir: Path, tmp_path: Path) -> None:
    bank = tmp_path / "mine.yaml"
    bank.write_text(BANK, encoding="utf-8")
    ideas, problems = read_bank_file(bank)
    assert ideas[0][0].duration_minutes == 15 and not problems
    bank.write_text(BANK.replace("duration_minutes: 15", "duration_minutes: 45"), encoding="utf-8")
    ((second, _),) = read_bank_file(bank)[0]
    assert second.duration_minutes == 45
    bank.write_text(BANK.replace("duration_minutes: 15", "duration_minutes: -5"), encoding="utf-8")
    ideas, problems = read_bank_file(bank)
    assert not ideas and "mine.yaml:9: desk-yoga.duration_minutes" in problems[0]


def test_a_bank_with_problems_is_not_kept_and_says_so_every_time(csw, write, cache_dir: Path) -> None:
    write("mine.yaml", BANK.replace("kind: activity", "kind: party"))
    for _ in range(2):
        result = csw("ideas", "check", "mine.yaml")
        assert result.exit_code == 1 and "mine.yaml:4: desk-yoga.kind" in result.stdout
    assert not [e for e in entries(cache_dir) if b"desk-yoga" in e.read_bytes()]


@pytest.mark.parametrize("damage", [b"", b"not json", b'[[1, {"id": "x"}]]'])
def test_a_damaged_entry_is_parsed_again_and_replaced(cache_dir: Path, tmp_path: Path, damage: bytes) -> None:
    bank = tmp_path / "mine.yaml"
    bank.write_text(BANK, encoding="utf-8")
    expected = read_bank_file(bank)
    (entry,) = [e for e in entries(cache_dir) if b"desk-yoga" in e.read_bytes()]
    entry.write_bytes(damage)
    assert read_bank_file(bank) == expected
    assert b"desk-yoga" in entry.read_bytes()


def test_no_cache_when_csw_cache_dir_is_empty(
    csw, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSW_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "home").exists()


def test_the_default_cache_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSW_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_bank()
    assert list((tmp_path / "xdg" / "csw" / "banks").iterdir())


def test_the_default_cache_is_the_platforms_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    from csw.core.cache import cache_dir

    monkeypatch.delenv("CSW_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_dir() == Path(platformdirs.user_cache_dir("csw", appauthor=False))
    assert str(cache_dir()).startswith(str(tmp_path)), "a folder of this user's, not a shared one"
    if sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "home" / ".cache" / "csw"
        monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty means unset (XDG base directory spec)
        assert cache_dir() == tmp_path / "home" / ".cache" / "csw"


def test_csw_cache_dir_wins_over_the_platforms_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csw.core.cache import cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("CSW_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    load_bank()
    assert list((tmp_path / "mine" / "banks").iterdir()) and not (tmp_path / "xdg").exists()


def test_a_cache_path_that_is_a_file_is_no_error(
    csw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CSW_CACHE_DIR", str(tmp_path / "a-file"))
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "not a folder"


# --- compiled templates ----------------------------------------------------------------------------
# A process compiles a template once and keeps it in memory: these run csw as processes, as a
# coordinator does, so that each run has only the cache on disk to go by.


def run_csw(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "csw", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def template_entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("templates-*/*"))


def plan_files(folder: Path, out: str) -> dict[str, bytes]:
    result = run_csw(folder, "plan", "2025", "--out", out)
    assert result.returncode == 0, result.stderr
    return {path.name: path.read_bytes() for path in (folder / out).iterdir()}


@pytest.mark.parametrize(
    "damage", [lambda data: data[:20], lambda data: b"j2\x01\x02garbage", lambda data: b""]
)
def test_compiled_templates_give_the_same_files_and_a_damaged_one_is_compiled_again(
    tmp_path: Path, cache_dir: Path, damage: Callable[[bytes], bytes]
) -> None:
    fresh = plan_files(tmp_path, "first")  # compiles the agenda and the poster, and keeps them
    entries = template_entries(cache_dir)
    assert len(entries) == 2
    assert plan_files(tmp_path, "second") == fresh  # from the kept ones
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))
    assert plan_files(tmp_path, "third") == fresh
    assert all(len(entry.read_bytes()) > 1000 for entry in entries)  # written again, whole


def test_an_edited_user_template_is_compiled_again(tmp_path: Path, cache_dir: Path) -> None:
    template = tmp_path / "mine" / "agenda.md.j2"
    template.parent.mkdir()
    for text in ("first", "second"):
        template.write_text(text + " {{ plan.year }}\n", encoding="utf-8")
        result = run_csw(tmp_path, "plan", "2025", "--templates", "mine", "--format", "md", "--force")
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "csw-2025" / "agenda.md").read_text(encoding="utf-8") == f"{text} 2025\n"
