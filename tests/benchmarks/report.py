"""Rows of results, their targets, and the two files they are written to: JSON and a Markdown table."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tests.benchmarks.timing import Stats

Status = Literal["ok", "not available", "error"]


@dataclass(frozen=True)
class Target:
    """What a figure must be: `relation` `bound`, e.g. ratio <= 1.1 or seconds < 1."""

    relation: Literal["<=", "<", ">="]
    bound: float
    unit: str  # "x" for a ratio, "s" for seconds, "MB" for memory

    def met(self, value: float) -> bool:
        if self.relation == "<=":
            return value <= self.bound
        if self.relation == "<":
            return value < self.bound
        return value >= self.bound

    def __str__(self) -> str:
        return f"{self.relation} {self.bound:g}{'x' if self.unit == 'x' else ' ' + self.unit}"


@dataclass
class Row:
    """One line of the table: what was measured, against what, and whether it meets its target.

    `checked` is the number the target applies to: the median of the paired ratios for a ratio
    target, the median time for a time target.
    """

    benchmark: str
    label: str
    status: Status = "ok"
    measured: str = ""
    reference: str = ""
    ratio: float | None = None
    target: Target | None = None
    checked: float | None = None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.status != "ok" or self.target is None or self.checked is None:
            return None
        return self.target.met(self.checked)

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["target"] = str(self.target) if self.target else None
        found["met"] = self.met
        return found


def seconds(value: float) -> str:
    """0.1234 -> '123 ms', 12.345 -> '12.3 s': three significant figures are all the noise allows."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 100:
        return f"{value:.3g} s"
    return f"{value:.0f} s"


def spread(stats: Stats) -> str:
    """'median (min-max)' of a series of times."""
    return f"{seconds(stats.median)} ({seconds(stats.low)}-{seconds(stats.high)})"


def rate(messages: int, stats: Stats) -> str:
    """Messages per second at the median time, with the times it comes from."""
    return f"{messages / stats.median:,.0f} msg/s ({spread(stats)})"


def failed_row(benchmark: str, label: str, error: BaseException | str, *, unavailable: bool = False) -> Row:
    """A row that says a benchmark could not run, and why, instead of a figure."""
    return Row(
        benchmark=benchmark,
        label=label,
        status="not available" if unavailable else "error",
        note=str(error),
    )


def _cell(text: str) -> str:
    # a | or a line break in an error message would break the Markdown table
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: Sequence[Row], notes: Sequence[str], meta: dict[str, Any]) -> str:
    """The table, then numbered notes for the rows that have one, then the general notes."""
    lines = [
        f"Benchmarks of csw {meta.get('csw', '?')} (commit {meta.get('commit', '?')}), {meta['when']},"
        f" Python {meta['python']},"
        f" {meta['machine']}; {meta['runs']} run{'s' * (meta['runs'] != 1)} after a warm-up unless a note"
        " says otherwise"
        f"{' (--quick)' if meta.get('quick') else ''}.",
        "",
        "| # | Benchmark | Measured: median (min-max) | Reference: median (min-max) | Ratio | Target | Met |",
        "|---|---|---|---|---|---|---|",
    ]
    row_notes: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row.note:
            row_notes.append(f"{number}. {row.note}")
        if row.status != "ok":
            verdict = row.status
            lines.append(
                f"| {number} | {_cell(row.label)} | {row.status} | | | {row.target or ''} | {verdict} |"
            )
            continue
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(
            f"| {number} | {_cell(row.label)} | {_cell(row.measured)} | {_cell(row.reference)} | {ratio}"
            f" | {row.target or ''} | {met} |"
        )
    if row_notes:
        lines += ["", "Notes on the rows:", "", *row_notes]
    if notes:
        lines += ["", "How it is measured:", "", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def metadata(runs: int, quick: bool, csw_version: str) -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {_cpus()} CPUs",
        "executable": sys.executable,
        "runs": runs,
        "quick": quick,
        "csw": csw_version,
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def write_results(folder: Path, rows: Sequence[Row], notes: Sequence[str], meta: dict[str, Any]) -> str:
    """Write results.json and results.md into `folder`; return the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {**meta, "rows": [row.to_json() for row in rows], "notes": list(notes)}
    (folder / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    text = markdown(rows, notes, meta)
    (folder / "results.md").write_text(text, encoding="utf-8")
    return text


def time_row(
    benchmark: str,
    label: str,
    measured: Sequence[float],
    reference: Sequence[float],
    reference_name: str,
    *,
    target: Target | None = None,
    note: str = "",
) -> Row:
    """A row comparing times: ratio = measured / reference, round by round (lower is better).

    A target in seconds applies to the median time; a target in x to the median of the ratios.
    """
    from tests.benchmarks.timing import paired_ratios

    ours, theirs = Stats.of(measured), Stats.of(reference)
    ratio = Stats.of(paired_ratios(measured, reference)).median
    checked = None
    if target is not None:
        checked = ours.median if target.unit == "s" else ratio
    return Row(
        benchmark=benchmark,
        label=label,
        measured=spread(ours),
        reference=f"{reference_name}: {spread(theirs)}",
        ratio=ratio,
        target=target,
        checked=checked,
        note=note,
        data={"seconds": list(measured), "reference_seconds": list(reference), "reference": reference_name},
    )


def rate_row(
    benchmark: str,
    label: str,
    messages: int,
    measured: Sequence[float],
    reference_messages: int,
    reference: Sequence[float],
    reference_name: str,
    *,
    target: Target | None = None,
    note: str = "",
) -> Row:
    """A row comparing message rates: ratio = our msg/s / their msg/s, round by round (higher is better)."""
    ours, theirs = Stats.of(measured), Stats.of(reference)
    ratios = [
        (messages / mine) / (reference_messages / other)
        for mine, other in zip(measured, reference, strict=True)
    ]
    ratio = Stats.of(ratios).median
    return Row(
        benchmark=benchmark,
        label=label,
        measured=rate(messages, ours),
        reference=f"{reference_name}: {rate(reference_messages, theirs)}",
        ratio=ratio,
        target=target,
        checked=ratio if target is not None else None,
        note=note,
        data={
            "messages": messages,
            "seconds": list(measured),
            "reference_messages": reference_messages,
            "reference_seconds": list(reference),
            "reference": reference_name,
        },
    )
