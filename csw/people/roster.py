"""The team as a roster: who is a rep, on which shift, who works remotely, who covers the phones.

The roster is the recipients CSV (csw/people/recipients.py) read once more for the planner: reps go
in waves (csw/people/waves.py), everyone else (the sponsor, department contacts, leads and coordinators)
gets no wave, and those marked `cover` count as extra people on the phones (csw/exports/coverage.py).
The assignment itself, one row per rep and session, is saved as roster.csv next to plan.yaml.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from csw.core.errors import CswError, NotUtf8Error
from csw.core.files import read_utf8
from csw.people.recipients import Recipient, sniff_delimiter
from csw.people.waves import Assignment, Member, Slot, Unplaced, assign
from csw.plan.model import Plan, TeamFacts
from csw.settings.config import Mode, clock_minutes

__all__ = [
    "Assignment",
    "Member",
    "RosterError",
    "Slot",
    "Unplaced",
    "assign",
    "members",
    "read_roster_csv",
    "roster_csv",
    "roster_for",
    "team_from_roster",
]

NOT_REPS = ("lead", "coordinator", "sponsor", "supervisor", "manager")
ROSTER_FILE = "roster.csv"
COVERAGE_FILE = "coverage.md"
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COLUMNS = ("date", "weekday", "shift", "start", "end", "activity", "idea", "wave", "email", "name")
_NEEDED = ("date", "shift", "start", "end", "idea", "wave", "email")


class RosterError(CswError):
    """The roster (a recipients CSV, or roster.csv) does not say what the waves need; every problem
    is listed, one line each, `FILE:LINE: what; what to do`."""

    exit_code = 2

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        super().__init__("\n".join(problems), hint=hint)
        self.problems = problems


def members(
    plan: Plan | TeamFacts,
    people: Iterable[Recipient],
    departments: Iterable[str],
    not_reps: Iterable[str] = NOT_REPS,
    *,
    sponsor: str | None = None,
    source: str | Path = "roster",
) -> list[Member]:
    """The people of a roster, in file order, with their shift resolved to one of the team's shifts.

    Not a rep: a role in `not_reps`, a `team` that is one of the `departments` (their contacts get
    a thanks email), or the `sponsor`'s address. Raises RosterError listing every row that does not
    say what the waves need (a rep's shift, a yes/no that is neither).
    """
    team = plan.team if isinstance(plan, Plan) else plan
    rows = list(people)
    roles = {role.strip().casefold() for role in not_reps}
    contacts = {name.strip().casefold() for name in departments}
    sponsor_key = _address(sponsor).casefold() if sponsor else None
    shifts = {shift.name.casefold(): shift.name for shift in team.shifts}
    names = ", ".join(shift.name for shift in team.shifts)
    found: list[Member] = []
    problems: list[str] = []
    for person in rows:
        where = f"{source}:{person.line}: {person.name} ({person.email})"
        rep = not (
            (person.role or "").casefold() in roles
            or (person.team or "").casefold() in contacts
            or person.email.casefold() == sponsor_key
        )
        # a cover person counts on their shift's phones; without a shift of the plan, on none
        shift = _shift(person, shifts, names, where, problems if rep else None)
        cover = _flag(person, "cover", where, problems) and not rep and shift is not None
        remote = _flag(person, "remote", where, problems)
        remote = team.mode is Mode.remote or (team.mode is Mode.hybrid and remote)
        found.append(
            Member(
                email=person.email,
                name=person.name,
                shift=shift,
                role=person.role,
                team=person.team,
                remote=remote,
                rep=rep,
                cover=cover,
                line=person.line,
            )
        )
    if problems:
        raise RosterError(problems, hint="Fix the roster file and run the command again.")
    return found


def _address(text: str) -> str:
    """The address of `Name <address>` or of a bare address."""
    return text.rpartition("<")[2].rstrip(">").strip() if "<" in text else text.strip()


def _flag(person: Recipient, column: str, where: str, problems: list[str]) -> bool:
    value = person.extra.get(column, "").strip().casefold()
    if value in _YES:
        return True
    if value not in _NO:
        problems.append(
            f"{where}: {column} '{person.extra[column]}' is neither yes nor no; write yes or no"
            " (or x, 1, true; 0, false or empty for no)"
        )
    return False


def _shift(
    person: Recipient,
    shifts: dict[str, str],
    names: str,
    where: str,
    problems: list[str] | None,
) -> str | None:
    """The team's name for the person's shift; a problem (for a rep) when there is none to be had."""
    given = (person.shift or "").strip()
    if given.casefold() in shifts:
        return shifts[given.casefold()]
    if not given and len(shifts) == 1:
        return next(iter(shifts.values()))
    if problems is not None:
        if given:
            problems.append(
                f"{where}: shift '{given}' is not one of the team's shifts ({names}); write one of"
                " them in the shift column, or add the shift to team.shifts (in csw.toml, and in"
                " plan.yaml for csw render)"
            )
        else:
            problems.append(
                f"{where}: no shift, and the team has {len(shifts)} shifts ({names}); write the rep's"
                " shift in the shift column (or give a role such as lead to someone who is not a rep)"
            )
    return None


def says_remote(people: Iterable[Recipient]) -> bool:
    """Whether the roster has a `remote` column (it says who works remotely, even if nobody does)."""
    return any("remote" in person.extra for person in people)


def team_from_roster(
    team: TeamFacts,
    people: list[Recipient],
    departments: Iterable[str],
    *,
    sponsor: str | None = None,
    source: str | Path = "roster",
) -> tuple[TeamFacts, list[str]]:
    """`team` sized from the roster, and the notes for the plan: each shift its reps, the team their
    sum, a hybrid team's remote reps per shift. A shift with no rep on the roster is left out."""
    found = members(team, people, departments, sponsor=sponsor, source=source)
    reps = [m for m in found if m.rep]
    name = Path(source).name
    if not reps:
        raise RosterError(
            [
                f"{source}: nobody on the roster is a rep (everyone is a lead, a coordinator, the"
                " sponsor or a department contact)"
            ],
            hint="Add the reps, one row each with their shift, or change their role.",
        )
    hybrid = team.mode is Mode.hybrid
    told = hybrid and says_remote(people)
    notes: list[str] = []
    shifts = []
    for shift in team.shifts:
        here = [m for m in reps if m.shift == shift.name]
        if not here:
            notes.append(f"The roster ({name}) has no reps on the {shift.name} shift: it is left out.")
            continue
        remote = sum(m.remote for m in here) if hybrid else None
        shifts.append(shift.model_copy(update={"headcount": len(here), "remote": remote}))
    share = sum(m.remote for m in reps) / len(reps) if told else team.remote_share
    if hybrid and not told:
        notes.append(
            f"The roster ({name}) does not say who works remotely (it has no remote column), so the"
            " waves count every rep as on site; add a remote column (yes or no) to change that."
        )
    update = {"headcount": len(reps), "shifts": tuple(shifts), "remote_share": share}
    return team.model_copy(update=update), notes


def roster_csv(plan: Plan, assignment: Assignment, people: Iterable[Member]) -> str:
    """roster.csv: one row per rep and session (RFC 4180), by date, start, shift and name."""
    names = {m.key: m.name for m in people}
    rows = sorted(
        assignment.slots,
        key=lambda s: (
            s.day,
            clock_minutes(s.start),
            s.shift,
            names.get(s.email.casefold(), "").casefold(),
            s.email.casefold(),
            s.idea,
        ),
    )
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF line ends, quotes only where needed
    writer.writerow(COLUMNS)
    for s in rows:
        title = plan.ideas[s.idea].title if s.idea in plan.ideas else s.idea
        writer.writerow(
            [
                s.day.isoformat(),
                _WEEKDAYS[s.day.weekday()],
                s.shift,
                s.start,
                s.end,
                title,
                s.idea,
                s.wave,
                s.email,
                names.get(s.email.casefold(), ""),
            ]
        )
    return out.getvalue()


def plan_sessions(plan: Plan) -> set[tuple[date, str, str, int, str, str]]:
    """Every session of the plan that takes reps off the queue, as a Slot names it."""
    return {
        (day.date, activity.idea, s.shift, s.wave, s.start, s.end)
        for day in plan.days
        for activity in day.activities
        for s in activity.sessions
        if s.reps > 0
    }


def read_roster_csv(path: Path, plan: Plan) -> Assignment:
    """The assignment saved in roster.csv, for `assign(keep=...)`: rows of sessions that are no longer
    in the plan are dropped (their reps get another). Raises RosterError naming each bad row."""
    try:
        text = read_utf8(path)
    except NotUtf8Error as error:
        raise RosterError([error.message]) from None
    except OSError as error:
        raise RosterError([f"{path}: cannot read it ({error.strerror or error})"]) from None
    hint = f"Fix or delete {path} (csw writes it again, moving as few people as possible)."
    lines = text.splitlines()
    if not lines:
        return Assignment(slots=())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(lines[0]))
    try:
        header = [cell.strip().casefold() for cell in next(reader)]
    except (StopIteration, csv.Error):
        return Assignment(slots=())
    missing = [c for c in _NEEDED if c not in header]
    if missing:
        raise RosterError(
            [f"{path}:1: missing column{'s' * (len(missing) > 1)} {', '.join(missing)}"], hint=hint
        )
    index = {c: header.index(c) for c in _NEEDED}
    sessions = plan_sessions(plan)
    slots: list[Slot] = []
    problems: list[str] = []
    line = 1
    try:
        for cells in reader:
            line_here, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            slot = _row_slot(cells, index, f"{path}:{line_here}", problems)
            if slot is not None and slot.session in sessions:
                slots.append(slot)
    except csv.Error as error:
        problems.append(f"{path}:{line + 1}: cannot read this row as CSV ({error}); check its quotes")
    if problems:
        raise RosterError(problems, hint=hint)
    return Assignment(slots=tuple(sorted(set(slots))))


def _row_slot(cells: list[str], index: dict[str, int], where: str, problems: list[str]) -> Slot | None:
    value = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
    found = []
    try:
        day = date.fromisoformat(value["date"])
    except ValueError:
        found.append(f"date '{value['date']}' is not a date (YYYY-MM-DD)")
    if not value["wave"].isdigit():
        found.append(f"wave '{value['wave']}' is not a number")
    for column in ("start", "end"):
        text = value[column]
        if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
            found.append(f"{column} '{text}' is not a time (HH:MM)")
    for column in ("shift", "idea", "email"):
        if not value[column]:
            found.append(f"the {column} is empty")
    if found:
        problems.append(f"{where}: {'; '.join(found)}")
        return None
    return Slot(
        day=day,
        start=value["start"],
        shift=value["shift"],
        idea=value["idea"],
        wave=int(value["wave"]),
        end=value["end"],
        email=value["email"],
    )


def roster_for(
    plan: Plan,
    plan_folder: Path | None,
    people: list[Recipient],
    departments: Iterable[str],
    *,
    sponsor: str | None = None,
    source: str | Path = "roster",
) -> tuple[list[Member], Assignment]:
    """The roster's people and their sessions: plan_folder/roster.csv kept where it still holds, the
    rest assigned (deterministic: the same plan, roster and roster.csv give the same assignment).
    `plan_folder` None: nothing kept, a fresh assignment."""
    found = members(plan, people, departments, sponsor=sponsor, source=source)
    saved = plan_folder / ROSTER_FILE if plan_folder is not None else None
    keep = read_roster_csv(saved, plan) if saved is not None and saved.is_file() else None
    return found, assign(plan, found, keep=keep)
