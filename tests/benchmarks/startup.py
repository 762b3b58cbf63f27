"""Start-up benchmarks: `csw --help`, `csw week 2025` and `csw plan 2025`, each against the minimal app.

These are what a user feels on every command: the interpreter starting, csw's imports, a little
work. The minimal Typer + Rich app is the floor any Typer + Rich command line stands on.
"""

from __future__ import annotations

import shutil

from tests.benchmarks.context import Bench
from tests.benchmarks.report import Row, Target, time_row
from tests.benchmarks.timing import Command, alternate


def _versus_minimal_app(bench: Bench, benchmark: str, label: str, command: Command, target: Target) -> Row:
    reference = bench.reference(command.cwd)
    samples = alternate([command, reference], bench.runs, max_seconds=bench.max_seconds, log=bench.log)
    return time_row(
        benchmark, label, samples[command.name], samples[reference.name], reference.name, target=target
    )


def bench_help(bench: Bench) -> list[Row]:
    folder = bench.folder("help")
    command = Command("csw --help", bench.csw("--help"), folder)
    row = _versus_minimal_app(bench, "help", "`csw --help`", command, Target("<=", 1.1, "x"))
    bench.clean("help")
    return [row]


def bench_week(bench: Bench) -> list[Row]:
    folder = bench.folder("week")
    command = Command("csw week 2025", bench.csw("week", "2025"), folder)
    row = _versus_minimal_app(bench, "week", "`csw week 2025`", command, Target("<=", 1.2, "x"))
    bench.clean("week")
    return [row]


def bench_plan(bench: Bench) -> list[Row]:
    """`csw plan 2025` with every export, into a fresh output folder each run (nothing to compare)."""
    folder = bench.folder("plan")
    out = folder / "out"

    def fresh_output() -> None:
        shutil.rmtree(out, ignore_errors=True)

    command = Command(
        "csw plan 2025",
        bench.csw("plan", "2025", "--format", "md,ics,html", "--out", str(out)),
        folder,
        before=fresh_output,
    )
    row = _versus_minimal_app(
        bench,
        "plan",
        "`csw plan 2025 --format md,ics,html` (plan.yaml, agenda.md, schedule.ics, poster.html)",
        command,
        Target("<=", 2.0, "x"),
    )
    bench.clean("plan")
    return [row]
