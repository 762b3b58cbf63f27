"""The roster in use: which file is the team's roster, and the people and waves it gives a plan.

`csw plan` and `csw render` read the roster (`--roster FILE`, else `team.roster` in csw.toml, else
a [[teams]] entry's `recipients`), assign the waves (csw/people/waves.py) and write roster.csv and
coverage.md beside plan.yaml (csw/exports/output.py). Without a roster, csw plans by counts as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csw.core.locale_formats import short_date
from csw.people.roster import Member, roster_for
from csw.people.waves import Assignment
from csw.plan.model import Plan
from csw.settings.config import Config

if TYPE_CHECKING:
    from csw.people.recipients import Recipient


@dataclass(frozen=True)
class Roster:
    """A plan's people and who is in which session; `warnings` for the terminal."""

    source: Path
    members: tuple[Member, ...]
    assignment: Assignment
    notes: tuple[str, ...] = ()  # what reading the file said (merged duplicates)

    def warnings(self, plan: Plan) -> list[str]:
        return [*self.notes, *unplaced_warnings(plan, self.assignment, self.members)]


def roster_path(config: Config, given: Path | None, team: str | None = None) -> Path | None:
    """The roster file: the one given on the command line, else the [[teams]] entry's recipients
    (for the team named `team`) once that file exists (it was the emails' alone before it sized
    the waves), else team.roster; None when there is none."""
    if given is not None:
        return given
    entry = next((e for e in config.teams if team and e.name.casefold() == team.casefold()), None)
    if entry is not None and entry.recipients:
        path = config.resolve(entry.recipients)
        return path if path.exists() else None
    return config.resolve(config.team.roster) if config.team.roster else None


def required_roster(config: Config, given: Path | None, team: str | None = None) -> Path:
    """The roster file as roster_path finds it; a usage error when there is none."""
    from csw.core.errors import UsageError

    found = roster_path(config, given, team)
    if found is None:
        raise UsageError(
            "--roster is missing.", hint="Give --roster FILE.csv, or set team.roster in csw.toml."
        )
    return found


def read_people(path: Path) -> tuple[list[Recipient], list[str]]:
    """The rows of a roster file and the warnings of reading it (merged duplicates)."""
    from csw.people.recipients import load_recipients
    from csw.people.roster import RosterError

    if not path.exists():
        raise RosterError(
            [f"{path}: no such roster file"],
            hint="Check the path given to --roster (or team.roster in csw.toml).",
        )
    return load_recipients(path)


def load_roster(
    plan: Plan,
    path: Path,
    config: Config,
    *,
    keep_from: Path | None = None,
    people: tuple[list[Recipient], list[str]] | None = None,
) -> Roster:
    """The roster at `path` for `plan` (`people`: its rows and warnings, if read already), with
    keep_from/roster.csv kept where it still holds; None keep_from: a fresh assignment."""
    rows, notes = people if people is not None else read_people(path)
    found, assignment = roster_for(
        plan,
        keep_from,
        rows,
        config.team.departments,
        sponsor=config.email.sponsor,
        source=path,
    )
    return Roster(path, tuple(found), assignment, tuple(notes))


def unplaced_warnings(
    plan: Plan, assignment: Assignment, people: tuple[Member, ...] | list[Member]
) -> list[str]:
    """One line per group of reps left without a session (same day, shift, activity and reason)."""
    names = {m.key: m.name for m in people}
    groups: dict[tuple[date, str, str, str], list[str]] = {}
    for miss in assignment.unplaced:
        key = (miss.day, miss.shift, miss.idea, miss.reason)
        groups.setdefault(key, []).append(names.get(miss.email.casefold(), miss.email))
    lines = []
    for (day, shift, idea, reason), who in groups.items():
        title = plan.ideas[idea].title if idea in plan.ideas else idea
        count = f"{len(who)} rep{'s' * (len(who) != 1)}"
        shown = ", ".join(who[:5]) + (f" and {len(who) - 5} more" if len(who) > 5 else "")
        verb = "has" if len(who) == 1 else "have"
        when = short_date(day, plan.organization.locale)
        lines.append(f"{when}, {shift} shift: {count} ({shown}) {verb} no session of {title}: {reason}")
    return lines
