"""How long planning takes against a generated 10,000-idea bank.

    python -m tests.benchmarks.large_bank [--ideas 10000] [--runs 5]

Prints the median, min and max of: loading and validating the bank, the planner alone
(make_plan), and the whole `csw plan` process with the bank passed as --ideas.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CATEGORIES = [
    "dress-up",
    "food",
    "recognition",
    "games",
    "learning",
    "charity",
    "customers",
    "cross-team",
    "wellness",
]


def generated_bank(count: int) -> list[dict[str, object]]:
    """`count` valid ideas, a fifth of them themes, spread over categories, modes and costs."""
    ideas = []
    for n in range(count):
        theme = n % 5 == 0
        ideas.append(
            {
                "id": f"generated-{n}",
                "title": f"Generated idea {n}",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "kind": "theme" if theme else "activity",
                "summary": "A generated idea for the benchmark.",
                "how_to": "1. Plan it.\n2. Run it.\n3. Thank everyone.\n",
                "duration_minutes": 0 if theme else 15 + 15 * (n % 4),
                "time_of_day": "any" if theme else ["morning", "midday", "afternoon", "any"][n % 4],
                "modes": [["onsite", "remote", "hybrid"], ["onsite"], ["remote", "hybrid"]][n % 3],
                "cost_per_person": float(n % 7),
                "fixed_cost": float(10 * (n % 11)),
                "off_phones": n % 2 == 0,
                "prep": [{"task": f"Prepare idea {n}", "days_before": n % 15}],
                "tags": ["generated"],
            }
        )
    return ideas


def timed(action, runs: int) -> list[float]:
    action()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<34} median {statistics.median(times):7.3f}s  min {min(times):7.3f}s  max {max(times):7.3f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from csw.config import Config
    from csw.dates import week_of
    from csw.ideas import load_valid_bank
    from csw.plan import Organization
    from csw.planner import make_plan
    from csw.request import PlanOptions, constraints

    with tempfile.TemporaryDirectory() as folder:
        bank_file = Path(folder) / "big.yaml"
        bank_file.write_text(yaml.safe_dump(generated_bank(args.ideas), sort_keys=False))
        print(f"{args.ideas} generated ideas + the built-in bank, {args.runs} runs after a warm-up")
        report("load and validate the bank", timed(lambda: load_valid_bank([bank_file]), args.runs))
        bank = load_valid_bank([bank_file])
        config = Config()
        options = PlanOptions(year=2025, budget=10**6)
        week = week_of(2025)
        rules = constraints(config, options, week)
        org = Organization(name="Bench", team="Team", timezone="UTC", domain="bench.example")

        def plan() -> None:
            make_plan(week, bank.ideas, rules, 2025, organization=org, theme=None)

        report("make_plan (the planner alone)", timed(plan, args.runs))
        command = [
            sys.executable,
            "-m",
            "csw",
            "plan",
            "2025",
            "--ideas",
            str(bank_file),
            "--budget",
            "1000000",
            "--out",
            str(Path(folder) / "out"),
            "--format",
            "json",
            "--force",
        ]
        report(
            "csw plan --ideas big.yaml (process)",
            timed(lambda: subprocess.run(command, check=True, capture_output=True), args.runs),
        )


if __name__ == "__main__":
    main()
