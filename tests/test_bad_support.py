"""Shared helpers of the malformed-input tests (test_bad_*, test_fuzz_*). It holds no tests.

- `snapshot(folder)`: every file under a folder with its bytes, to prove a failing run wrote nothing.
- `base_plan_text()`: one valid plan.yaml for 2025, made once per session by the real CLI.
- `run_cli(...)`: the CLI in-process without the function-scoped `csw` fixture (for hypothesis).
- `assert_short_error(...)`: the contract of "Exit codes and errors" for one bad input.
- `within(seconds)`: fail, instead of hanging the suite, when pure-Python work takes too long.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from csw.cli import app
from tests.conftest import Result

T = TypeVar("T")
CORPUS = Path(__file__).resolve().parent / "corpus"
# A short message: a few lines, none of them a wall of text. The contract says "one or a few
# plain lines"; a problem list may run longer, but a single bad value must not echo a megabyte.
MAX_LINES = 8
MAX_LINE = 400


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes), hidden ones included."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def run_cli(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """`csw ARGS...` in-process, as the `csw` fixture runs it, usable inside a hypothesis test."""
    runner = CliRunner()
    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
        outcome = runner.invoke(
            app, [str(a) for a in args], env={"CSW_DEBUG": "", **(env or {})}, catch_exceptions=False
        )
    return Result(outcome.exit_code, outcome.stdout, outcome.stderr)


@functools.cache
def base_plan_text() -> str:
    """A valid plan.yaml (2025, defaults, md/ics/html exports), made once by `csw plan 2025`."""
    with tempfile.TemporaryDirectory() as folder:
        result = run_cli("plan", "2025", "--out", Path(folder) / "out", cwd=Path(folder))
        assert result.exit_code == 0, result.stderr
        return (Path(folder) / "out" / "plan.yaml").read_text(encoding="utf-8")


def make_plan_folder(tmp_path: Path) -> Path:
    """A csw-2025 folder under tmp_path with plan.yaml and its exports; returns the plan path."""
    out = tmp_path / "csw-2025"
    out.mkdir(exist_ok=True)
    plan = out / "plan.yaml"
    plan.write_text(base_plan_text(), encoding="utf-8")
    result = run_cli("render", plan, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    return plan


def assert_short_error(result: Result, *fragments: str, code: int = 2) -> str:
    """Exit `code`, no traceback, a `csw: ` line, short lines, and every fragment in stderr."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr[:2000])
    message = result.stderr if code == 2 else result.stdout + result.stderr
    if code == 2:
        errors = [line for line in message.splitlines() if line.startswith("csw: ")]
        assert len(errors) == 1, message[:2000]
    lines = message.splitlines()
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines: {message[:2000]}"
    assert all(len(line) <= MAX_LINE for line in lines), f"a line of {max(map(len, lines))} characters"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message[:2000]!r}"
    return message


class TooSlow(BaseException):
    """Raised by `within` from a SIGALRM: a BaseException, so that no `except Exception` eats it."""


def within(seconds: int, what: str, work: Callable[[], T]) -> T:
    """`work()`, or fail the test if it runs longer than `seconds` (pure-Python work only: a signal
    is handled between bytecodes). POSIX main thread only; elsewhere it just runs."""
    if sys.platform == "win32":  # pragma: no cover
        return work()

    def alarm(_signum: int, _frame: object) -> None:
        raise TooSlow(what)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return work()
    except TooSlow:
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    # Fail here, outside the handler: chained to what was interrupted (a ValidationError over an
    # alias bomb), the report would render that exception's repr, which itself takes minutes.
    pytest.fail(f"{what}: still running after {seconds} s", pytrace=False)
