"""Benchmark runner: `python -m tests.benchmarks [--runs N] [--quick] [--only NAME ...] [--out DIR]`.

Run from the repository root with csw's virtual environment active. Times whole processes, each
against a reference measured in alternating rounds, and writes benchmarks/results.json and
benchmarks/results.md under the output folder (default /tmp/csw-bench, never the repository).
Not part of the test suite: pytest only collects tests/test_*.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from tests.benchmarks import references
from tests.benchmarks.bank import bench_bank
from tests.benchmarks.big_team import bench_big_team
from tests.benchmarks.context import FULL, QUICK, REPO, Bench, Benchmark
from tests.benchmarks.mail import bench_email_preview, bench_email_send
from tests.benchmarks.report import Row, failed_row, metadata, write_results
from tests.benchmarks.startup import bench_help, bench_plan, bench_week
from tests.benchmarks.teams import bench_teams

BENCHMARKS: dict[str, Benchmark] = {
    "help": bench_help,
    "week": bench_week,
    "plan": bench_plan,
    "bank": bench_bank,
    "teams": bench_teams,
    "email-preview": bench_email_preview,
    "email-send": bench_email_send,
    "big-team": bench_big_team,
}

DEFAULT_OUT = Path("/tmp/csw-bench")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Time csw's commands against references, in alternating rounds.",
    )
    parser.add_argument("out_folder", nargs="?", type=Path, help="Output folder (same as --out).")
    parser.add_argument("--out", type=Path, help=f"Output folder (default {DEFAULT_OUT}).")
    parser.add_argument(
        "--runs", type=int, help="Timed runs of each command, after a warm-up (default 7; 3 with --quick)."
    )
    parser.add_argument("--quick", action="store_true", help="Fewer runs and smaller inputs: a smoke test.")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"Run only this benchmark (repeatable): {', '.join(BENCHMARKS)}.",
    )
    parser.add_argument(
        "--bank-ideas", type=int, help="Size of the generated idea bank (default 10,000; 1,000 with --quick)."
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="Time budget of one benchmark: rounds beyond it are dropped, never below 3 runs (default 600).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the generated inputs and outputs under OUT/work."
    )
    args = parser.parse_args(argv)
    if args.out and args.out_folder and args.out != args.out_folder:
        parser.error("give the output folder once, as --out DIR or as DIR")
    args.out = (args.out or args.out_folder or DEFAULT_OUT).resolve()
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def csw_version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import csw; print(csw.__version__)"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "?"


def csw_commit() -> str:
    """The commit csw was measured at, '+dirty' when csw/ has uncommitted changes (others edit it too)."""
    from tests.benchmarks.context import REPO

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "csw", "ideas", "templates") else "")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> tuple[list[Row], Bench]:
    sizes = QUICK if args.quick else FULL
    if args.bank_ideas:
        sizes = dataclasses.replace(sizes, bank_ideas=args.bank_ideas)
    bench = Bench(
        out=args.out,
        runs=args.runs or (3 if args.quick else 7),
        sizes=sizes,
        max_seconds=args.max_seconds,
        log=log,
        quick=args.quick,
        keep=args.keep,
    )
    bench.notes.append(references.FAIRNESS_NOTE)
    _compile_csw(bench)
    # csw's own cache (parsed idea banks, compiled templates) lives in the run's folder, never in
    # the user's ~/.cache; the warm-up runs fill it, as a coordinator's first run does.
    os.environ["CSW_CACHE_DIR"] = str(bench.work / "csw-cache")
    rows: list[Row] = []
    for name in args.only or list(BENCHMARKS):
        log(f"== {name}")
        started = time.perf_counter()
        try:
            rows += BENCHMARKS[name](bench)
        except Exception as error:  # one benchmark's failure is a row of the report, not the end of the run
            log(traceback.format_exc())
            rows.append(failed_row(name, f"{name} (failed)", f"{type(error).__name__}: {error}"))
        log(f"   {name} took {time.perf_counter() - started:.0f} s")
    return rows, bench


def _compile_csw(bench: Bench) -> None:
    """Byte-compile csw's modules, as pip does when it installs a package.

    csw is installed editable here, so its .pyc files are written by its first run; where
    PYTHONDONTWRITEBYTECODE is set (it is on these machines) they never are, and every measured
    start would compile csw from source (~40 ms) while the reference's libraries load compiled.
    """
    import compileall

    compileall.compile_dir(str(REPO / "csw"), quiet=1)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        bench.notes.append(
            "PYTHONDONTWRITEBYTECODE is set on this machine: csw's modules were byte-compiled before the"
            " runs (python -m compileall csw), as pip does at install, so that csw loads compiled like"
            " the reference's libraries."
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    commit = csw_commit()
    rows, bench = run(args)
    meta = metadata(bench.runs, bench.quick, csw_version(bench.python))
    finished = csw_commit()
    # csw may change while a long run goes on: say so rather than mix two versions silently
    meta["commit"] = commit if finished == commit else f"{commit} (at the start; {finished} at the end)"
    folder = args.out / "benchmarks"
    table = write_results(folder, rows, bench.notes, meta)
    print(table)
    log(f"wrote {folder / 'results.md'} and {folder / 'results.json'}")


if __name__ == "__main__":
    main()
