"""How long planning takes against a generated 10,000-idea bank: the runner's `bank` benchmark.

    python -m tests.benchmarks.large_bank [--ideas 10000] [--runs 5]

Kept for its old command line; it runs `python -m tests.benchmarks --only bank`: the whole
`csw plan --ideas big.yaml` process against the minimal app, then the in-process parts (parsing,
validating, load_valid_bank, make_plan). The generated bank lives in tests/benchmarks/bank.py.
"""

from __future__ import annotations

import argparse

from tests.benchmarks.__main__ import main as run_benchmarks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default="/tmp/csw-bench")
    args = parser.parse_args()
    run_benchmarks(
        ["--only", "bank", "--bank-ideas", str(args.ideas), "--runs", str(args.runs), "--out", args.out]
    )


if __name__ == "__main__":
    main()
