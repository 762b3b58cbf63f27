"""The CLI shell: help for every command, version, plain output in a pipe, the error boundary."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csw import __version__
from csw.cli import app

COMMANDS = ["week", "plan", "render", "certificates", "init", "ideas", "email"]
SUBCOMMANDS = [
    ["ideas", "list"],
    ["ideas", "show"],
    ["ideas", "check"],
    ["email", "preview"],
    ["email", "send"],
]


def test_help_lists_every_command_with_one_line(csw) -> None:
    result = csw("--help")
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:")[1].splitlines()
    names = [line.split()[0] for line in listed if line.strip()]
    assert sorted(names) == sorted(COMMANDS)
    for line in listed:
        if line.strip():
            assert len(line.split(maxsplit=1)) == 2, f"no one-line help: {line!r}"
            assert not line.rstrip().endswith("..."), f"help line cut short: {line!r}"


@pytest.mark.parametrize("command", [[c] for c in COMMANDS] + SUBCOMMANDS)
def test_every_command_has_help(csw, command: list[str]) -> None:
    result = csw(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.stdout and len(result.stdout.splitlines()) > 3


def test_version(csw) -> None:
    assert csw("--version").stdout == f"csw {__version__}\n"


def test_shell_completion_is_offered(csw) -> None:
    assert "--install-completion" in csw("--help").stdout


def test_unknown_option_is_a_usage_error(csw) -> None:
    result = csw("plan", "2025", "--colour")
    assert result.exit_code == 2
    assert "No such option: --colour" in result.stderr


def test_output_is_plain_in_a_pipe() -> None:
    # A real process with stdout on a pipe: no colour codes, no box drawing.
    env = {**os.environ, "CSW_DEBUG": ""}
    for args in (["--help"], ["ideas", "list", "--category", "charity"], ["week", "2025"]):
        done = subprocess.run(
            [sys.executable, "-m", "csw", *args], capture_output=True, text=True, env=env, check=True
        )
        assert "\x1b[" not in done.stdout
        assert not set("─│┃━┏┓└┘╭╮╰╯") & set(done.stdout), done.stdout


# FORCE_COLOR=1 makes Rich take the test's output for a terminal.
def test_a_terminal_gets_styles_and_lines(csw) -> None:
    result = csw("ideas", "list", "--category", "charity", env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in result.stdout and "─" in result.stdout


def test_no_color_on_a_terminal_is_plain(csw) -> None:
    result = csw("ideas", "list", "--category", "charity", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in result.stdout and "─" not in result.stdout
    assert "manager-jail" in result.stdout


def test_an_unexpected_error_is_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # `python -m csw` through main(): a bug in a command becomes a clear line and exit 70.
    code = (
        "import csw.week.dates, csw.cli, sys\n"
        "csw.week.dates.week_of = lambda *a, **k: 1 / 0\n"
        "sys.argv = ['csw', 'week', '2025']\n"
        "csw.cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 70
    assert "Traceback" not in done.stderr
    assert "internal error: ZeroDivisionError" in done.stderr and "CSW_DEBUG=1" in done.stderr


def test_typer_app_is_importable_without_side_effects() -> None:
    assert app.info.help and "Customer Service Week" in app.info.help


# A big teams table in a pipe is written by csw itself (Rich took half a second for a thousand
# rows): it must read exactly as Rich lays out the same table.
@given(
    st.lists(
        st.tuples(
            *[st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=25)] * 7
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 120),
)
@settings(max_examples=100, deadline=None)
def test_the_plain_teams_table_is_laid_out_as_rich_lays_it_out(
    rows: list[tuple[str, ...]], size: int
) -> None:
    from rich.console import Console

    from csw.cli import terminal as cli

    columns, right = ("Team", "Folder", "Time zone", "Reps", "Mode", "Themes", "Spend"), ("Reps", "Spend")
    widths = [max(len(cell) for cell in column) for column in zip(columns, *rows, strict=True)]
    title = "T" * min(size, cli._table_width(widths))
    made = [
        Console(file=io.StringIO(), highlight=False, markup=False, emoji=False, width=200, no_color=True)
        for _ in range(2)
    ]
    grid = cli.table(made[0], columns, right=right, title=title)
    for row in rows:
        grid.add_row(*row)
    made[0].print(grid)
    cli._print_plain_table(made[1], title, columns, list(rows), right)
    assert made[0].file.getvalue() == made[1].file.getvalue()  # type: ignore[attr-defined]
