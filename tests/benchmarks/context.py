"""What every benchmark needs: the interpreter, the folders, the sizes, the reference programs."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks import references
from tests.benchmarks.report import Row
from tests.benchmarks.timing import Command, Log

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"


@dataclass(frozen=True)
class Sizes:
    """How big the generated inputs are: the full run, or --quick for a smoke test."""

    bank_ideas: int
    teams: tuple[int, ...]
    preview_recipients: int
    send_recipients: int
    big_team_reps: int = 5_000  # the whole week of a team this big: tests/benchmarks/big_team.py


# 1,429 recipients x 7 messages each (kickoff, five dailies, wrapup) = 10,003 messages.
FULL = Sizes(bank_ideas=10_000, teams=(10, 100, 1_000), preview_recipients=1_429, send_recipients=10_000)
QUICK = Sizes(
    bank_ideas=1_000, teams=(10, 100), preview_recipients=143, send_recipients=500, big_team_reps=200
)


@dataclass
class Bench:
    """The settings of one run of the benchmarks, and the notes they add to the report."""

    out: Path
    runs: int
    sizes: Sizes
    max_seconds: float
    log: Log
    quick: bool = False
    keep: bool = False
    python: Path = field(default_factory=lambda: Path(sys.executable))
    notes: list[str] = field(default_factory=list)

    @property
    def work(self) -> Path:
        return self.out / "work"

    @property
    def cache(self) -> Path:
        """What survives between runs of the benchmarks: mailmerge's virtual environment."""
        return self.out / "cache"

    def folder(self, name: str) -> Path:
        """An empty folder of this name under the work folder."""
        path = self.work / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def clean(self, name: str) -> None:
        """Remove a benchmark's work folder (an outbox of 70,000 messages is a gigabyte)."""
        if not self.keep:
            shutil.rmtree(self.work / name, ignore_errors=True)

    @property
    def programs(self) -> Path:
        path = self.work / "programs"
        if not path.exists():
            references.write_programs(path)
        return path

    def csw(self, *args: str) -> list[str]:
        """The command line that runs csw the same way as the reference: `python FILE ARGS`."""
        return [str(self.python), str(self.programs / references.CSW_SHIM), *args]

    def script(self, name: str, *args: str) -> list[str]:
        """A helper script of this package, run by path with the same Python."""
        return [str(self.python), str(SCRIPTS / name), *args]

    def reference(self, cwd: Path, name: str = "minimal Typer+Rich app") -> Command:
        """The minimal Typer + Rich app that prints one line, run in `cwd`."""
        return Command(name, [str(self.python), str(self.programs / references.MINIMAL_APP)], cwd)

    def max_seconds_note(self, benchmark: str, requested: int, runs: int, round_seconds: float) -> str:
        return (
            f"{benchmark}: {runs} runs instead of {requested}: one round takes about"
            f" {round_seconds:.0f} s, and --max-seconds is {self.max_seconds:.0f}."
        )


Benchmark = Callable[[Bench], list[Row]]
