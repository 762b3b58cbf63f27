"""`csw ideas check --json`: the lines of a bank check as a record a script can read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csw.ideas.bank import Bank, problem_count

# "path:line: message", "path:line:column: message" (YAML syntax), or "path: message" for what
# belongs to a whole file. The path is the shortest prefix followed by one of those, so a drive
# letter (C:\banks) stays in it.
_PLACE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: (?P<message>.*)$", re.DOTALL)


def problem_record(text: str) -> dict[str, Any]:
    """One problem line as file, line and column (None where the line names none) and message."""
    found = _PLACE.match(text)
    if found is None:
        return {"file": None, "line": None, "column": None, "message": text}
    line, column = found["line"], found["column"]
    return {
        "file": found["file"],
        "line": int(line) if line else None,
        "column": int(column) if column else None,
        "message": found["message"],
    }


def check_report(
    paths: Sequence[Path], bank: Bank, problems: Sequence[str], *, builtin: bool
) -> dict[str, Any]:
    """What was checked (the built-in bank too or not), how many ideas it holds, and every problem
    with its place."""
    return {
        "ok": not problems,
        "builtin": builtin,
        "checked": [str(path) for path in paths],
        "ideas": len(bank.ideas),
        "problem_count": problem_count(problems),
        "problems": [problem_record(text) for text in problems],
    }
