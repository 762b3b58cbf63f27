"""Shared helpers: run the real CLI in-process, in a fresh folder, and read what it wrote."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csw.cli import app

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def assert_clean_error(self, code: int = 2) -> None:
        """The exit code, a short message on stderr, and never a traceback."""
        assert self.exit_code == code, (self.exit_code, self.stdout, self.stderr)
        assert "Traceback" not in self.stderr + self.stdout
        errors = [line for line in self.stderr.splitlines() if line.startswith("csw: ")]
        assert len(errors) == 1 or code == 1, self.stderr


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    """csw's cache (csw/core/cache.py) in a folder of the test run's own, never the user's ~/.cache.

    Subprocesses inherit it. Tests that need no cache, or a fresh one, set CSW_CACHE_DIR themselves.
    """
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSW_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def csw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `csw ARGS...` in an empty folder (tmp_path), as a user would."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSW_DEBUG", raising=False)
    monkeypatch.delenv("CSW_TODAY", raising=False)
    monkeypatch.delenv("CSW_NOW", raising=False)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        outcome = runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
        return Result(outcome.exit_code, outcome.stdout, outcome.stderr)

    return run


@pytest.fixture
def write(tmp_path: Path):
    """Write a (dedented) text file under tmp_path and return its path."""

    def put(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return put
