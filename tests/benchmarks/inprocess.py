"""In-process timings of the large-bank benchmark, run in a child process by tests.benchmarks.bank.

    python -m tests.benchmarks.inprocess BANK.yaml BANK.json RESULT.json [--runs N]

Writes {figure: [seconds, ...] or "error text"} to RESULT.json. It mirrors what
`csw plan --ideas BANK.yaml` does, step by step, so that the process's time can be split into its
parts. Each figure is measured on its own: one that fails (csw's internals move) leaves the others.
"""

from __future__ import annotations

import argparse
import json
import traceback
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.benchmarks.timing import timed_in_process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bank_yaml", type=Path)
    parser.add_argument("bank_json", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from csw.core.yamlfile import FastLoader as SafeLoader  # what csw uses: CSafeLoader where libyaml is
    from csw.ideas.bank import Idea, load_valid_bank
    from csw.settings.config import Config

    yaml_text = args.bank_yaml.read_text(encoding="utf-8")
    json_text = args.bank_json.read_text(encoding="utf-8")
    parsed = yaml.load(yaml_text, Loader=SafeLoader)
    times: dict[str, list[float] | str] = {}

    def measure(name: str, action: Callable[[], object]) -> None:
        try:
            times[name] = timed_in_process(action, args.runs)
        except Exception:
            times[name] = traceback.format_exc(limit=3).strip().splitlines()[-1]

    measure("yaml_parse", lambda: yaml.load(yaml_text, Loader=SafeLoader))
    measure("json_parse", lambda: json.loads(json_text))
    measure("validate", lambda: [Idea.model_validate(item) for item in parsed])
    measure("load_valid_bank", lambda: load_valid_bank([args.bank_yaml]))

    def planner() -> Callable[[], object]:
        # csw.planning.request's planning object loads the bank once and plans each team with make_plan;
        # plan(None) is the single-team plan of `csw plan 2025`, bank already in memory.
        from csw.planning.request import PlanOptions, _Planning

        planning = _Planning(Config(), PlanOptions(year=2025, budget=10**6, ideas=(args.bank_yaml,)))
        return lambda: planning.plan(None)

    try:
        measure("make_plan", planner())
    except Exception:
        times["make_plan"] = traceback.format_exc(limit=3).strip().splitlines()[-1]
    args.result.write_text(json.dumps(times), encoding="utf-8")


if __name__ == "__main__":
    main()
