"""The README example's agenda, whole, against a golden copy that a coordinator has read line by line.

When the agenda changes on purpose, regenerate the copy with `CSW_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden.py`, read the diff as a coordinator would, and commit it with the change.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden" / "readme-agenda.md"
README_EXAMPLE = ("plan", "2025", "--mode", "hybrid", "--headcount", "40", "--budget", "2000")


def section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]


def test_the_readme_example_agenda_is_the_golden_one(csw, tmp_path: Path) -> None:
    result = csw(*README_EXAMPLE, "--format", "md")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "csw-2025" / "agenda.md").read_text(encoding="utf-8")
    if os.environ.get("CSW_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text.splitlines() == GOLDEN.read_text(encoding="utf-8").splitlines()


def test_the_golden_agenda_has_the_shape_of_a_week() -> None:
    """What the coordinator checked in the golden copy, kept true when it is regenerated."""
    text = GOLDEN.read_text(encoding="utf-8")
    spend = re.search(r"40 reps, hybrid\. Spend: \$([\d,.]+) of \$2,000, \$([\d.]+) a rep\.", text)
    assert spend, "the spend and the spend per rep, up top"
    spent, per_rep = float(spend[1].replace(",", "")), float(spend[2])
    assert 0.7 * 2000 <= spent <= 2000 and per_rep == round(spent / 40, 2), "the budget is a target"
    assert "These start on the first day and close on the last." in section(text, "All week")
    assert "### 10:00 AM · " in section(text, "Every day")
    assert "· opens the week" in section(text, "Monday, October 6")
    friday = section(text, "Friday, October 10")
    assert "· closes the week" in friday and "**Closing the week-long items today**" in friday
    assert text.count("- Remote reps get ") >= 5, "a hybrid week says what remote reps get"
    for wave in re.findall(r"up to (\d+) reps? at a time", text):
        assert int(wave) <= 10, "a quarter of 40 reps at most off the phones at once"
    assert "waves" not in "".join(
        line for line in text.splitlines() if "at the desk: nobody leaves the queue" in line
    )
    goals = section(text, "What the week is for")
    assert goals.count("- **") == 5, "the week's five goals, each with what serves it"
    assert f"| | **Spent** | **${spend[1]}** | **${spend[2]}** |" in section(text, "Budget")
