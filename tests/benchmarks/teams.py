"""An organisation of 10, 100 and 1,000 teams: `csw plan 2025 --format md,ics,html` with a csw.toml of
that many `[[teams]]` tables.

Targets: 1,000 teams planned and rendered in under 10 s, and 10 times the teams in at most 11 times
the time (100 -> 1,000): the work must grow linearly, not with the square of the teams.
While csw does not accept `[[teams]]` yet (exit 2), the rows say "not available" with its message.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.benchmarks.context import Bench
from tests.benchmarks.report import Row, Target, failed_row, time_row
from tests.benchmarks.timing import Command, Stats, alternate, paired_ratios, tail

# A realistic spread: a big organisation's teams sit in several zones and work in every mode.
ZONES = ("America/Chicago", "America/New_York", "Europe/London", "Asia/Kolkata")
MODES = ("hybrid", "onsite", "remote")


def teams_toml(count: int) -> str:
    """A csw.toml with `count` [[teams]] tables, each with one day shift."""
    parts = ['[organization]\nname = "Bench Corp"\ndomain = "bench.example"\n']
    for n in range(1, count + 1):
        parts.append(
            "\n[[teams]]\n"
            f'name = "Team {n:04d}"\n'
            f'timezone = "{ZONES[n % len(ZONES)]}"\n'
            f"headcount = {10 + (n * 7) % 51}\n"
            f'mode = "{MODES[n % len(MODES)]}"\n'
            "budget = 2000\n"
            "[[teams.shifts]]\n"
            'name = "day"\n'
            'start = "08:00"\n'
            'end = "16:30"\n'
        )
    return "".join(parts)


def _plan_command(bench: Bench, folder: Path, count: int) -> Command:
    config = folder / f"teams-{count}.toml"
    config.write_text(teams_toml(count), encoding="utf-8")
    out = folder / f"out-{count}"

    def fresh_output() -> None:
        shutil.rmtree(out, ignore_errors=True)

    return Command(
        f"{count} teams",
        bench.csw(*("plan", "2025", "--config", str(config), "--format", "md,ics,html", "--out", str(out))),
        folder,
        before=fresh_output,
        timeout=1200,
    )


def _label(count: int) -> str:
    return f"`csw plan 2025 --format md,ics,html`, {count:,} `[[teams]]`"


def bench_teams(bench: Bench) -> list[Row]:
    sizes = bench.sizes.teams
    folder = bench.folder("teams")
    commands = [_plan_command(bench, folder, count) for count in sizes]
    # One untimed try with the smallest organisation: is the feature there at all?
    first = commands[0]
    if first.before:
        first.before()
    probe = subprocess.run(list(first.argv), cwd=folder, capture_output=True, text=True, check=False)
    if probe.returncode == 2:
        reason = f"csw plan refuses [[teams]] (exit 2): {tail(probe.stderr)}"
        bench.clean("teams")
        return [failed_row("teams", _label(count), reason, unavailable=True) for count in sizes]
    reference = bench.reference(folder)
    samples = alternate([reference, *commands], bench.runs, max_seconds=bench.max_seconds, log=bench.log)
    if samples.reduced:
        bench.notes.append(
            bench.max_seconds_note("teams", samples.requested, samples.runs, sum(samples.warmup.values()))
        )
    largest = sizes[-1]
    rows = [
        time_row(
            "teams",
            _label(count),
            samples[command.name],
            samples[reference.name],
            reference.name,
            target=Target("<", 10.0, "s") if count == 1_000 else None,
        )
        for count, command in zip(sizes, commands, strict=True)
    ]
    if len(sizes) >= 2:
        smaller = sizes[-2]
        growth = paired_ratios(samples[f"{largest} teams"], samples[f"{smaller} teams"])
        stats = Stats.of(growth)
        rows.append(
            Row(
                benchmark="teams",
                label=f"growth: time of {largest:,} teams / time of {smaller:,} teams",
                measured=f"{stats.median:.2f}x ({stats.low:.2f}-{stats.high:.2f})",
                reference=f"{smaller:,} teams, same rounds",
                ratio=stats.median,
                target=Target("<=", 11.0, "x") if (smaller, largest) == (100, 1_000) else None,
                checked=stats.median,
                note="Linear growth would be 10x plus the fixed start-up cost shared by both, so"
                " below 10x; 11x leaves room for noise.",
                data={"ratios": growth},
            )
        )
    bench.clean("teams")
    return rows
