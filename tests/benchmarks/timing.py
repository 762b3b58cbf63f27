"""Timing whole processes, each one alternating with its reference, and the statistics of the runs.

The machine these benchmarks run on is shared and noisy: a figure measured at 10:00 and its
reference measured at 10:05 can drift apart by 30% for reasons that have nothing to do with csw.
So every benchmark times its commands in rounds, each command once per round, and compares them
round by round: the ratio of two neighbours holds even when the absolute times drift.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Log = Callable[[str], None]


class RunFailed(Exception):
    """A timed process exited with an error, or a check after it failed."""


@dataclass(frozen=True)
class Command:
    """One process to time: its command line, where it runs, and untimed work around each run.

    `before` runs before every run (a fresh output folder, an empty journal); `after` checks the
    run's effect (the SMTP server got every message) and raises RunFailed when it is wrong.
    """

    name: str
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str] | None = None
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    timeout: float = 1800


def run_once(command: Command) -> float:
    """Run `command` once; the wall-clock seconds from start to exit, `before` and `after` excluded."""
    if command.before is not None:
        command.before()
    env = dict(os.environ if command.env is None else command.env)
    start = time.perf_counter()
    # stdout goes to /dev/null: reading a pipe would add our own work to the figure, and csw prints
    # plain text to anything that is not a terminal, so /dev/null costs it nothing special.
    done = subprocess.run(
        list(command.argv),
        cwd=command.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=command.timeout,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RunFailed(
            f"{command.name}: exit {done.returncode}: {tail(done.stderr.decode(errors='replace'))}"
        )
    if command.after is not None:
        command.after()
    return elapsed


def tail(text: str, lines: int = 6) -> str:
    """The last few non-blank lines of a process's stderr, joined: enough to say what went wrong."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return " / ".join(kept[-lines:]) or "(no message)"


@dataclass
class Samples:
    """The times of every command of a benchmark, round by round, and how many rounds were run."""

    times: dict[str, list[float]] = field(default_factory=dict)
    warmup: dict[str, float] = field(default_factory=dict)
    runs: int = 0
    requested: int = 0

    def __getitem__(self, name: str) -> list[float]:
        return self.times[name]

    @property
    def reduced(self) -> bool:
        return self.runs < self.requested


def alternate(
    commands: Sequence[Command],
    runs: int,
    *,
    max_seconds: float | None = None,
    min_runs: int = 3,
    log: Log | None = None,
) -> Samples:
    """Warm each command up once, then time `runs` rounds of every command, one after the other.

    The order is reversed every other round (A B C, C B A, ...) so that no command always runs
    right after the same neighbour, e.g. after the one that leaves the page cache full.
    When one round takes so long that `runs` of them would exceed `max_seconds`, fewer rounds run
    (never fewer than `min_runs`) and `Samples.reduced` says so.
    """
    samples = Samples(times={c.name: [] for c in commands}, requested=runs)
    for command in commands:
        samples.warmup[command.name] = run_once(command)
    round_seconds = sum(samples.warmup.values())
    if max_seconds is not None and round_seconds * runs > max_seconds:
        runs = max(min_runs, min(runs, int(max_seconds // max(round_seconds, 1e-9))))
    samples.runs = runs
    for number in range(runs):
        ordered = commands if number % 2 == 0 else list(reversed(commands))
        for command in ordered:
            samples.times[command.name].append(run_once(command))
        if log is not None:
            done = ", ".join(f"{c.name} {samples.times[c.name][-1]:.3f}s" for c in commands)
            log(f"  round {number + 1}/{runs}: {done}")
    return samples


@dataclass(frozen=True)
class Stats:
    """Median, min and max of a list of measurements."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values))


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """numerator[i] / denominator[i] for each round i: the drift of the machine cancels out in each."""
    if len(numerators) != len(denominators):
        raise ValueError("the two series must come from the same rounds")
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def timed_in_process(action: Callable[[], object], runs: int) -> list[float]:
    """Seconds taken by each of `runs` calls of `action`, after one untimed warm-up call."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times
