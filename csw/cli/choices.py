"""The closed sets of values that options take, as the help shows them and the shell completes them.

The sets are spelled out here rather than read from the library's enums because the help is built
when the CLI is imported, and `csw week` must not pay for importing the planner to print its dates;
tests/test_cli_conventions.py checks that each set is the library's own. The library still validates
what is given (any case, with its own message), so these only describe and complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

MODES = ("onsite", "remote", "hybrid")  # csw.settings.config.Mode
FORMATS = ("md", "ics", "html", "json")  # csw.exports.output.EXPORTS
MESSAGE_KINDS = ("proclamation", "kickoff", "daily", "thanks", "wrapup", "monthly", "update")
CATEGORIES = (  # csw.ideas.model.Category
    "dress-up",
    "food",
    "recognition",
    "games",
    "learning",
    "charity",
    "customers",
    "cross-team",
    "wellness",
)
SPANS = ("day", "slot", "week", "daily")  # csw.ideas.model.Span
IDEA_KINDS = ("theme", "activity")  # csw.ideas.model.Kind


def one_of(values: Sequence[str]) -> str:
    """The metavar of a closed set, as click writes a Choice: [a|b|c]."""
    return "[" + "|".join(values) + "]"


def completer(values: Sequence[str]) -> Callable[[str], list[str]]:
    """Complete one value of the set."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete.lower())]

    return complete


def list_completer(values: Sequence[str]) -> Callable[[str], list[str]]:
    """Complete the last item of a comma-separated list (md,ics), not repeating the ones given."""

    def complete(incomplete: str) -> list[str]:
        *given, last = incomplete.split(",")
        head = "".join(f"{item}," for item in given)
        return [head + value for value in values if value.startswith(last.lower()) and value not in given]

    return complete
