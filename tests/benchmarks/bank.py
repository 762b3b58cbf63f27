"""Planning against a generated 10,000-idea bank: the whole `csw plan` process, and its parts in-process.

The process is what the target (< 1 s) is about. The in-process figures say where its time goes:
parsing the YAML (PyYAML's C loader), validating every idea (pydantic), and the planner alone.
json.loads of the same ideas shows what a JSON bank would cost to parse instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from csw.ideas.model import Category
from tests.benchmarks.context import REPO, Bench
from tests.benchmarks.report import Row, Target, failed_row, spread, time_row
from tests.benchmarks.timing import Command, RunFailed, Stats, alternate, tail

CATEGORIES = [category.value for category in Category]


GOALS = ["boost-morale", "reward-reps", "raise-awareness", "thank-departments", "remind-customers"]


def generated_bank(count: int) -> list[dict[str, Any]]:
    """`count` valid ideas in the version-2 fields: a fifth themed days, a few week-long and daily
    items, openings and finales, spread over categories, modes, formats, goals and costs."""
    ideas = []
    for n in range(count):
        span = "day" if n % 5 == 0 else "week" if n % 25 == 1 else "daily" if n % 25 == 2 else "slot"
        timed = span in ("slot", "daily")
        idea: dict[str, Any] = {
            "id": f"generated-{n}",
            "title": f"Generated idea {n}",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "span": span,
            "format": ["waves", "desk", "live", "desk"][n % 4] if timed else "desk",
            "summary": "A generated idea for the benchmark.",
            "pitch": "Join in with your team.",
            "how_to": "1. Plan it.\n2. Run it.\n3. Thank everyone.\n",
            "duration_minutes": 15 + 15 * (n % 2) if timed else 0,
            "time_of_day": ["morning", "midday", "afternoon", "any"][n % 4],
            "modes": [["onsite", "remote", "hybrid"], ["onsite"], ["remote", "hybrid"]][n % 3],
            "cost_per_person": float(n % 7),
            "cost_per_group": float(10 * (n % 11)),
            "goals": [GOALS[n % len(GOALS)]],
            "prep": [{"task": f"Prepare idea {n}", "days_before": n % 15}],
            "tags": ["generated"],
        }
        if span in ("slot", "day") and n % 7 == 3:
            idea["role"] = "opening" if n % 2 else "finale"
        ideas.append(idea)
    return ideas


def write_bank(folder: Path, count: int) -> tuple[Path, Path]:
    """The generated bank as big.yaml (what csw reads) and big.json (for the parse comparison)."""
    ideas = generated_bank(count)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    bank_yaml, bank_json = folder / "big.yaml", folder / "big.json"
    bank_yaml.write_text(yaml.dump(ideas, Dumper=dumper, sort_keys=False), encoding="utf-8")
    bank_json.write_text(json.dumps(ideas), encoding="utf-8")
    return bank_yaml, bank_json


def bench_bank(bench: Bench) -> list[Row]:
    count = bench.sizes.bank_ideas
    folder = bench.folder("bank")
    bank_yaml, bank_json = write_bank(folder, count)
    size = bank_yaml.stat().st_size / 1e6
    out = folder / "out"

    def fresh_output() -> None:
        shutil.rmtree(out, ignore_errors=True)

    plan = Command(
        "csw plan --ideas big.yaml",
        bench.csw(
            *("plan", "2025", "--ideas", str(bank_yaml), "--format", "json"),
            *("--budget", "1000000", "--out", str(out)),
        ),
        folder,
        before=fresh_output,
    )
    cold_cache = folder / "empty-cache"

    def fresh_output_and_cache() -> None:
        fresh_output()
        shutil.rmtree(cold_cache, ignore_errors=True)

    # The same command with an empty cache every time: the first run after the bank changed.
    cold = Command(
        "csw plan --ideas big.yaml, empty cache",
        plan.argv,
        folder,
        env={**os.environ, "CSW_CACHE_DIR": str(cold_cache)},
        before=fresh_output_and_cache,
    )
    reference = bench.reference(folder)
    samples = alternate([plan, cold, reference], bench.runs, max_seconds=bench.max_seconds, log=bench.log)
    label = (
        f"`csw plan 2025 --ideas big.yaml --format json --budget 1000000`, {count:,} generated ideas"
        f" ({size:.1f} MB of YAML) + the built-in bank"
    )
    rows = [
        time_row(
            "bank",
            label,
            samples[plan.name],
            samples[reference.name],
            reference.name,
            target=Target("<", 1.0, "s"),
            note="The target is the median time of the whole process, with the bank parsed on an earlier"
            " run (csw caches a parsed bank by its content); the ratio to the minimal app is shown to"
            " track the machine's drift.",
        ),
        time_row(
            "bank",
            "the same, the first time csw reads this bank (an empty cache: YAML parsed and ideas validated)",
            samples[cold.name],
            samples[reference.name],
            reference.name,
        ),
    ]
    if samples.reduced:
        bench.notes.append(
            bench.max_seconds_note("bank", samples.requested, samples.runs, sum(samples.warmup.values()))
        )
    rows += _in_process_rows(bench, bank_yaml, bank_json, count)
    bench.clean("bank")
    return rows


# Labels of the in-process figures, in the order of the table.
IN_PROCESS = {
    "yaml_parse": "in-process: parse big.yaml with PyYAML's C loader (CSafeLoader), as csw does",
    "json_parse": "in-process: json.loads of the same ideas as JSON (what a JSON bank would cost)",
    "validate": "in-process: validate the parsed ideas (Idea.model_validate for each)",
    "load_valid_bank": "in-process: load_valid_bank (read, parse, validate, plus the built-in bank)",
    "make_plan": "in-process: make_plan, the planner alone (one team, the bank already loaded)",
}


def _in_process_rows(bench: Bench, bank_yaml: Path, bank_json: Path, count: int) -> list[Row]:
    """Run tests.benchmarks.inprocess in a child process (csw's imports stay out of this one)."""
    result = bench.work / "bank" / "inprocess.json"
    command = [
        str(bench.python),
        *("-m", "tests.benchmarks.inprocess", str(bank_yaml), str(bank_json), str(result)),
        *("--runs", str(bench.runs)),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RunFailed(f"in-process timing: exit {done.returncode}: {tail(done.stderr)}")
    times: dict[str, list[float] | str] = json.loads(result.read_text(encoding="utf-8"))
    rows = []
    for key, label in IN_PROCESS.items():
        found = times.get(key, "not measured")
        if isinstance(found, str):
            rows.append(failed_row("bank", label, found))
            continue
        rows.append(
            Row(
                benchmark="bank",
                label=label,
                measured=spread(Stats.of(found)),
                reference="(in-process diagnostic, no reference)",
                data={"seconds": found, "ideas": count},
            )
        )
    return rows
