"""What `csw ideas check` finds beyond the model's rules: text that contradicts an idea's fields.

The model refuses what cannot be planned; these findings are ideas that would plan and then read
wrong ("all week" on a one-slot activity, a break room in a remote form). Each finding names the
idea's file:line, what disagrees, and what to change.

Run as `python -m csw.ideas.lint FILE...` to check bank files on their own against the built-in bank.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from csw.ideas.model import UPGRADE_HINT, Format, Idea, Span, is_version_1

if TYPE_CHECKING:
    from csw.ideas.bank import Bank

_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b")
_ALL_WEEK = re.compile(
    r"\b(all week|every day|each day|throughout the week|whole week|all week long)\b", re.I
)
_WAVE_COUNT = re.compile(
    r"\b(two|three|four|five|six|2|3|4|5|6) (waves|shifts|sittings|rounds of reps)\b|\bin half\b", re.I
)
_WAVE = re.compile(r"\bwaves?\b", re.I)
_NUMBERS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60}
_MINUTES = re.compile(r"\b(\d+|five|ten|fifteen|twenty|thirty|forty-five|sixty)([- ])minutes?\b", re.I)
_PHYSICAL = re.compile(
    r"\b(break ?room|jars?|kitchen|floor|tables?|office|conference room|lobby|cafeteria|pantry)\b", re.I
)
_REMOTE_TASK = re.compile(r"\bremote\b", re.I)
_FOR_REMOTE = re.compile(r"(Remote|Home-based) reps\b")
_MEAL_SITTING = {"breakfast": 30, "snack": 30, "lunch": 45, "dinner": 45}
_TO_REPS = re.compile(r"\b(you|your|yours|yourself)\b", re.I)


def idea_findings(idea: Idea) -> list[str]:
    """What in this idea's text or numbers disagrees with its fields."""
    found: list[str] = []
    texts = {"summary": idea.summary, "pitch": idea.pitch or "", "how_to": idea.how_to}
    for name, text in texts.items():
        found += _text_findings(idea, name, text)
    if idea.remote:
        remote_texts = {
            "remote.summary": idea.remote.summary,
            "remote.pitch": idea.remote.pitch,
            "remote.how_to": idea.remote.how_to or "",
        }
        for name, text in remote_texts.items():
            found += _text_findings(idea, name, text)
            if name == "remote.summary" and not _FOR_REMOTE.match(text):
                found.append(
                    "remote.summary does not say who it is for: begin it with 'Remote reps'"
                    " (the agenda prints it under the idea as it stands)"
                )
            if _PHYSICAL.search(text):
                found.append(
                    f"{name} mentions '{_PHYSICAL.search(text)[0]}' (a place or thing in the building);"  # type: ignore[index]
                    " a remote rep is at home: say what they get there"
                )
        if any(_REMOTE_TASK.search(task.task) for task in idea.prep):
            found.append("a prep task for remote reps is in prep: move it to remote.prep")
    found += _field_findings(idea)
    return found


def _text_findings(idea: Idea, name: str, text: str) -> list[str]:
    found = []
    weekday = _WEEKDAY.search(text)
    if weekday:
        found.append(
            f"{name} names '{weekday[0]}', and the planner chooses the day: say 'the first day' or drop it"
        )
    all_week = _ALL_WEEK.search(text)
    if all_week and idea.span in (Span.slot, Span.day):
        found.append(
            f"{name} says '{all_week[0]}' but the idea is span: {idea.span.value};"
            " make it span: week or daily, or reword it"
        )
    count = _WAVE_COUNT.search(text)
    if count:
        found.append(f"{name} says '{count[0]}'; the planner sizes the waves: drop the count")
    if idea.format is Format.desk and idea.span is not Span.day and _WAVE.search(text):
        found.append(f"{name} mentions waves but the idea is format: desk; reword it or change the format")
    for minutes in _MINUTES.finditer(text):
        found += _minutes_finding(idea, name, minutes)
    return found


def _minutes_finding(idea: Idea, name: str, match: re.Match[str]) -> list[str]:
    word = match[1].lower()
    value = int(word) if word.isdigit() else _NUMBERS[word]
    length = idea.session_minutes
    if not idea.timed:
        return []
    said_of_it = match[2] == "-" or name in ("summary", "pitch")  # "a 30-minute quiz"
    if (said_of_it and value != length and value > 5) or value > length:
        return [f"{name} says '{match[0]}' but duration_minutes is {length}; drop it or make them agree"]
    return []


def _field_findings(idea: Idea) -> list[str]:
    found = []
    if idea.pitch is None:
        found.append("no pitch: add one line addressed to the reps, used in their emails")
    elif not _TO_REPS.search(idea.pitch):
        found.append("the pitch does not speak to the reps: write it to them ('you', 'your')")
    if not idea.goals:
        found.append("no goals: say which of the week's five aims it serves")
    paid_once = idea.fixed_cost and not (idea.cost_per_person or idea.cost_per_group)
    if paid_once:
        found.append(
            "its only cost is fixed_cost, the same for 8 reps and for 400: use cost_per_person or"
            " cost_per_group"
        )
    longest = _MEAL_SITTING.get(idea.meal) if idea.meal else None
    if longest and idea.format is not Format.desk and idea.duration_minutes > longest:
        found.append(
            f"a {idea.meal.value} sitting of {idea.duration_minutes} minutes: duration_minutes is one"  # type: ignore[union-attr]
            " wave's sitting, and the waves of a shift must fit the meal's window; keep it to"
            f" {longest} or less"
        )
    days = [task.days_before for task in idea.prep]
    if days != sorted(days, reverse=True):
        found.append("prep tasks are not listed in the order they are done (days_before must not increase)")
    return found


def bank_findings(ideas: Mapping[str, Idea], checked: Iterable[str]) -> dict[str, list[str]]:
    """Findings by idea id for the ids `checked`, including conflicts that name no idea."""
    result: dict[str, list[str]] = {}
    for idea_id in checked:
        idea = ideas[idea_id]
        found = idea_findings(idea)
        found += [
            f"conflicts names '{other}', which is no idea in the bank"
            for other in idea.conflicts
            if other not in ideas
        ]
        if found:
            result[idea_id] = found
    return result


def upgrade_notes(path: Path) -> list[str]:
    """A line for each version-1 idea in a bank file, with how to rewrite it."""
    from csw.core.files import read_utf8
    from csw.core.yamlfile import YamlDocument
    from csw.ideas.bank import MAX_BANK_BYTES

    if not path.is_file() or path.stat().st_size > MAX_BANK_BYTES:
        return []  # too big to read: loading it says so
    try:
        document = YamlDocument(read_utf8(path))
    except Exception:  # a file that does not parse is reported by loading it
        return []
    if not isinstance(document.data, list):
        return []
    old = [i for i, item in enumerate(document.data) if isinstance(item, dict) and is_version_1(item)]
    if not old:
        return []
    line = document.line_of((old[0],)) or 1
    return [
        f"{path}:{line}: {len(old)} idea{'s are' if len(old) != 1 else ' is'} in the version-1 form"
        f" (still loaded, mapped to the new fields); to upgrade: {UPGRADE_HINT}"
    ]


def check_bank(paths: list[Path], *, builtin_too: bool) -> tuple[Bank, list[str]]:
    """The bank checked (the built-in one and `paths`, or `paths` alone) and every problem,
    finding and upgrade note in it. The built-in bank is always loaded: conflicts may name its ids."""
    from csw.ideas.bank import Bank, bank_files, load_bank

    whole, problems = load_bank(paths)
    files = [str(path) for path in bank_files(paths)]
    if builtin_too:
        checked = list(whole.ideas)
    else:
        problems = [p for p in problems if any(p.startswith(f) for f in files)]
        checked = [i for i, origin in whole.origin.items() if origin.rsplit(":", 1)[0] in files]
    lines = list(dict.fromkeys(problems))
    for idea_id, found in bank_findings(whole.ideas, checked).items():
        place = whole.origin[idea_id].removeprefix("built-in ")
        lines += [f"{place}: {idea_id}: {finding}" for finding in found]
    for path in bank_files(paths):
        lines += upgrade_notes(path)
    bank = Bank({i: whole.ideas[i] for i in checked}, {i: whole.origin[i] for i in checked})
    return bank, lines


def main(argv: list[str]) -> int:
    _, lines = check_bank([Path(arg) for arg in argv], builtin_too=False)
    for line in lines:
        print(line)
    print(
        f"{len(lines)} problem{'s' * (len(lines) != 1)} and findings."
        if lines
        else "ok: no problems, no findings."
    )
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
