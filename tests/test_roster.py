"""The wave roster: who is a rep and on which shift (csw/people/roster.py), and every rep in their waves
(csw/people/waves.py), checked as properties over team sizes, shift splits, seeds, phone shares and modes,
on plans the planner made from the roster's own counts."""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from csw.core.errors import PlanError
from csw.ideas.model import Format
from csw.people.recipients import Recipient
from csw.people.roster import (
    COLUMNS,
    Member,
    RosterError,
    members,
    read_roster_csv,
    roster_csv,
    roster_for,
    team_from_roster,
)
from csw.people.waves import Assignment, Slot, assign, shift_cap
from csw.plan.model import Activity, Plan, TeamFacts
from csw.planning import Constraints, make_plan
from csw.settings.config import Mode, clock_minutes
from csw.week.dates import week_of
from tests.plans import ORG, SHIFTS, WORKWEEK, bank

DEPARTMENTS = ("IT", "HR")
PROPERTY = settings(
    max_examples=int(os.environ.get("CSW_ROSTER_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def person(n: int, shift: str | None, *, role: str | None = None, team: str | None = None, **extra: str):
    return Recipient(
        email=f"rep{n}@acme.example",
        name=f"Rep {n:02d}",
        shift=shift,
        team=team,
        role=role,
        extra=extra,
        line=n + 2,
    )


def roster_people(counts: tuple[int, ...], shifts: str, remote_pct: int, salt: int) -> list[Recipient]:
    """`counts` reps on each shift of SHIFTS[shifts] (a remote column: remote_pct% of them, spread
    by `salt`), plus a lead, a department contact and a cover person who are no reps."""
    names = [s.name for s in SHIFTS[shifts]]
    people = []
    for shift, count in zip(names, counts, strict=True):
        for _ in range(count):
            n = len(people)
            remote = "yes" if (n * 37 + salt) % 100 < remote_pct else "no"
            people.append(person(n, shift.upper() if n % 5 == 0 else shift, remote=remote, cover=""))
    n = len(people)
    people.append(person(n, names[0], role="Lead", remote="", cover="x"))
    people.append(person(n + 1, None, team="it", remote="", cover=""))
    return people


@cache
def rostered(
    counts: tuple[int, ...],
    shifts: str,
    mode: Mode,
    share: float,
    seed: int,
    remote_pct: int = 30,
    salt: int = 0,
) -> tuple[Plan, tuple[Member, ...]] | None:
    """A plan the planner made from the roster's counts, and the roster's people; None if the
    planner cannot plan that team (a phone share too small to let anyone go)."""
    people = roster_people(counts, shifts, remote_pct, salt)
    base = TeamFacts(
        mode=mode,
        headcount=sum(counts),
        budget=2500.0,
        currency="USD",
        max_off_phones=share,
        shifts=SHIFTS[shifts],
    )
    team, _ = team_from_roster(base, people, DEPARTMENTS)
    try:
        plan = make_plan(
            week_of(2025, WORKWEEK, None),
            bank(),
            Constraints(team=team, per_day=2),
            seed,
            organization=ORG,
            theme="Mission Possible",
        )
    except PlanError:
        return None
    return plan, tuple(members(plan, people, DEPARTMENTS))


@st.composite
def teams(draw: st.DrawFn, modes: tuple[Mode, ...] = tuple(Mode)):
    shifts = draw(st.sampled_from(["one", "two", "evening", "24/7"]))
    size = len(SHIFTS[shifts])
    total = draw(st.integers(min_value=max(size, 1), max_value=60))
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=size - 1, max_size=size - 1)))
    counts = tuple(b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True))
    share = draw(st.sampled_from([0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]))
    found = rostered(
        counts,
        shifts,
        draw(st.sampled_from(modes)),
        share,
        draw(st.integers(0, 10_000)),
        draw(st.sampled_from([0, 30, 60, 100])),
        draw(st.integers(0, 99)),
    )
    if found is None:
        reject()
    return Team(
        *found,
        f"{counts} reps on {shifts!r}, share {share}, {found[0].team.mode.value}, seed {found[0].seed}",
    )


class Team:
    """A drawn team: unpacks as (plan, people); shows as its parameters, not the whole plan."""

    def __init__(self, plan: Plan, people: tuple[Member, ...], label: str) -> None:
        self.plan, self.people, self.label = plan, people, label

    def __iter__(self):
        return iter((self.plan, self.people))

    def __repr__(self) -> str:
        return self.label


def away_sessions(plan: Plan):
    """(day, idea, shift) -> the away sessions of that activity in that shift."""
    found = defaultdict(list)
    for day in plan.days:
        for activity in day.activities:
            for session in activity.sessions:
                if session.reps > 0:
                    found[(day.date, activity.idea, session.shift)].append(session)
    return found


def eligible(plan: Plan, people, idea_id: str, shift: str) -> set[str]:
    leave_out = plan.ideas[idea_id].leaves_out_remote_reps(plan.team.mode)
    return {m.key for m in people if m.rep and m.shift == shift and not (leave_out and m.remote)}


def per_minute(slots) -> dict[tuple[date, str], list[int]]:
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0] * (24 * 60))
    for s in slots:
        minutes = counts[(s.day, s.shift)]
        for minute in range(clock_minutes(s.start), clock_minutes(s.end)):
            minutes[minute] += 1
    return counts


def check_rules(plan: Plan, people, assignment: Assignment) -> None:
    """Never two places at once; never more than the cap away at any minute."""
    by_day = defaultdict(list)
    for s in assignment.slots:
        by_day[(s.email.casefold(), s.day)].append((clock_minutes(s.start), clock_minutes(s.end)))
    for spans in by_day.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    reps = defaultdict(int)
    for m in people:
        reps[m.shift] += m.rep
    for (_, shift), minutes in per_minute(assignment.slots).items():
        assert max(minutes) <= shift_cap(plan.team.max_off_phones, reps[shift]), (shift, max(minutes))


# --- the properties -----------------------------------------------------------------------------


@PROPERTY
@given(teams())
def test_every_rep_in_exactly_one_session_of_each_activity_and_nobody_unplaced(team) -> None:
    plan, people = team
    assignment = assign(plan, people)
    assert assignment.unplaced == ()
    reps = {m.key for m in people if m.rep}
    assert {s.email.casefold() for s in assignment.slots} <= reps, "only reps are in waves"
    placed = defaultdict(list)
    for s in assignment.slots:
        placed[(s.day, s.idea, s.shift)].append(s.email.casefold())
    watching = defaultdict(list)
    for u in assignment.recording:
        watching[(u.day, u.idea, u.shift)].append(u.email.casefold())
    for key, sessions in away_sessions(plan).items():
        day, idea_id, shift = key
        wanted = eligible(plan, people, idea_id, shift)
        here = placed[key]
        assert len(here) == len(set(here)), "nobody twice in one activity"
        if plan.ideas[idea_id].format is Format.live:
            assert set(here) | set(watching[key]) == wanted and not set(here) & set(watching[key])
            assert len(here) == min(sum(s.reps for s in sessions), len(wanted))
        else:
            assert set(here) == wanted, (key, len(here), len(wanted))
            sizes = [len(assignment.people(day, idea_id, shift, s.wave)) for s in sessions]
            assert max(sizes) - min(sizes) <= 1, sizes
    check_rules(plan, people, assignment)


@PROPERTY
@given(teams())
def test_the_same_seed_gives_the_same_assignment_and_the_same_roster_csv(team) -> None:
    plan, people = team
    first, second = assign(plan, people), assign(plan, list(reversed(people)))
    assert first == second
    assert roster_csv(plan, first, people).encode() == roster_csv(plan, second, list(people)).encode()
    again = plan.model_copy()
    assert assign(again, people) == first


def first_in_all(plan: Plan, assignment: Assignment) -> list[str]:
    """The reps who are first in every multi-wave activity they are in, when that is two or more.

    Multi-wave: waves or appointments with two or more sessions in the rep's shift, each holding at
    least two reps; first: the earliest session.
    """
    firsts: dict[str, list[bool]] = defaultdict(list)
    for (day, idea_id, shift), sessions in away_sessions(plan).items():
        if plan.ideas[idea_id].format is Format.live or len(sessions) < 2:
            continue
        groups = [assignment.people(day, idea_id, shift, s.wave) for s in sessions]
        if min(len(g) for g in groups) < 2:
            continue
        first = min(sessions, key=lambda s: (clock_minutes(s.start), s.wave))
        for group, session in zip(groups, sessions, strict=True):
            for email in group:
                firsts[email].append(session is first)
    return [email for email, places in firsts.items() if len(places) >= 2 and all(places)]


@PROPERTY
@given(teams(modes=(Mode.onsite, Mode.remote)))
def test_rotation_nobody_is_first_in_every_multi_wave_activity(team) -> None:
    """Where every rep of a shift takes part in every activity (on site, or all remote), no rep is
    first in all of their multi-wave activities (see first_in_all). A hybrid team's activities each
    have their own people (remote reps are left out of some), so there it is not a promise."""
    plan, people = team
    assert first_in_all(plan, assign(plan, people)) == []


def test_the_rotation_check_fails_for_waves_that_do_not_rotate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above has teeth: with one fixed order (no shuffle, no turns) the same reps go
    first every time, and first_in_all finds them."""
    import csw.people.waves

    class Fixed:
        def __init__(self, seed: object) -> None:
            pass

        def shuffle(self, items: list) -> None:
            pass

    found = rostered((20,), "one", Mode.onsite, 0.25, 3)
    assert found is not None
    plan, people = found
    assert first_in_all(plan, assign(plan, people)) == []
    monkeypatch.setattr(csw.people.waves.random, "Random", Fixed)
    monkeypatch.setattr(csw.people.waves._Turns, "order", lambda self: (0, 0.0))
    assert first_in_all(plan, assign(plan, people)), "the fixed order puts the same reps first"


@PROPERTY
@given(team=teams())
def test_keep_moves_nobody_when_the_plan_is_unchanged(team, tmp_path_factory) -> None:
    plan, people = team
    before = assign(plan, people)
    assert assign(plan, people, keep=before) == before
    folder = tmp_path_factory.mktemp("plan")
    (folder / "roster.csv").write_text(roster_csv(plan, before, people), encoding="utf-8", newline="")
    saved = read_roster_csv(folder / "roster.csv", plan)
    assert saved.slots == before.slots
    assert assign(plan, people, keep=saved) == before


@PROPERTY
@given(teams(), st.data())
def test_removing_one_session_moves_only_its_people(team, data) -> None:
    plan, people = team
    before = assign(plan, people)
    choices = [
        (day_index, activity_index, session_index)
        for day_index, day in enumerate(plan.days)
        for activity_index, activity in enumerate(day.activities)
        for session_index, session in enumerate(activity.sessions)
        if session.reps > 0 and sum(other.shift == session.shift for other in activity.sessions) > 1
    ]
    if not choices:
        return
    d, a, s = data.draw(st.sampled_from(choices))
    day = plan.days[d]
    activity = day.activities[a]
    removed = activity.sessions[s]
    edited_activity = activity.model_copy(
        update={"sessions": activity.sessions[:s] + activity.sessions[s + 1 :]}
    )
    edited_day = day.model_copy(
        update={"activities": (*day.activities[:a], edited_activity, *day.activities[a + 1 :])}
    )
    edited = plan.model_copy(update={"days": (*plan.days[:d], edited_day, *plan.days[d + 1 :])})
    after = assign(edited, people, keep=before)
    gone = (day.date, activity.idea, removed.shift, removed.wave, removed.start, removed.end)
    moved = {x.email for x in before.slots if x.session == gone}
    assert moved
    assert {x for x in before.slots if x.session != gone} <= set(after.slots), "everyone else stays"
    assert {x.email for x in set(after.slots) - set(before.slots)} <= moved
    for email in moved:
        placed = after.slot(email, day.date, activity.idea)
        assert placed is not None or after.watching(email, day.date, activity.idea) is not None
    check_rules(edited, people, after)


# --- members --------------------------------------------------------------------------------------


def test_who_is_a_rep_and_who_covers() -> None:
    found = rostered((6, 4), "two", Mode.hybrid, 0.25, 1)
    assert found is not None
    people = [
        person(1, "Day", remote="Yes"),
        person(2, " late ", remote=""),
        person(3, None, role="Coordinator", cover="YES"),  # no shift on a two-shift team: covers none
        person(4, "late", role="supervisor", cover="true"),
        person(5, None, team="hr"),
        Recipient(email="Dana@acme.example", name="Dana", role="rep", line=9),
    ]
    found_people = members(found[0], people, DEPARTMENTS, sponsor="Dana Ruiz <dana@acme.example>")
    assert [(m.shift, m.rep, m.cover, m.remote) for m in found_people] == [
        ("day", True, False, True),
        ("late", True, False, False),
        (None, False, False, False),
        ("late", False, True, False),
        (None, False, False, False),
        (None, False, False, False),  # the sponsor, by address, whatever the role says
    ]
    lead = members(found[0], [person(1, "day", role="LEAD", cover="no")], DEPARTMENTS, not_reps=("lead",))
    assert not lead[0].rep and not lead[0].cover
    anyone = members(found[0], [person(1, "day", role="lead")], DEPARTMENTS, not_reps=())
    assert anyone[0].rep


def test_every_problem_of_the_roster_at_once_with_file_and_line() -> None:
    found = rostered((5, 5), "two", Mode.hybrid, 0.25, 1)
    assert found is not None
    people = [person(1, "nights"), person(2, None), person(3, "day", remote="maybe"), person(4, "day")]
    with pytest.raises(RosterError) as error:
        members(found[0], people, DEPARTMENTS, source="team.csv")
    assert error.value.exit_code == 2
    lines = str(error.value).splitlines()
    assert lines[0].startswith(
        "team.csv:3: Rep 01 (rep1@acme.example): shift 'nights' is not one of the team's shifts (day, late)"
    )
    assert lines[1].startswith("team.csv:4: Rep 02 (rep2@acme.example): no shift, and the team has 2 shifts")
    assert lines[2].startswith("team.csv:5: Rep 03 (rep3@acme.example): remote 'maybe' is neither yes nor no")
    assert "Fix the roster file" in lines[-1]


def test_one_shift_needs_no_shift_column_and_the_mode_decides_who_is_remote() -> None:
    one = TeamFacts(
        mode=Mode.remote, headcount=2, budget=0, currency="USD", max_off_phones=0.5, shifts=SHIFTS["one"]
    )
    people = [person(1, None, remote="no"), person(2, "")]
    assert [(m.shift, m.remote) for m in members(one, people, ())] == [("day", True), ("day", True)]
    onsite = one.model_copy(update={"mode": Mode.onsite})
    assert [m.remote for m in members(onsite, [person(1, None, remote="x")], ())] == [False]


def test_the_team_is_sized_from_the_roster() -> None:
    base = TeamFacts(
        mode=Mode.hybrid, headcount=99, budget=0, currency="USD", max_off_phones=0.25, shifts=SHIFTS["24/7"]
    )
    people = [person(1, "day", remote="yes"), person(2, "day", remote="no"), person(3, "night", remote="")]
    team, notes = team_from_roster(base, people, DEPARTMENTS, source="x/team.csv")
    assert team.headcount == 3 and team.remote_share == pytest.approx(1 / 3)
    assert [(s.name, s.headcount, s.remote) for s in team.shifts] == [("day", 2, 1), ("night", 1, 0)]
    assert notes == ["The roster (team.csv) has no reps on the early shift: it is left out."]
    plain = [person(1, "day"), person(2, "night")]
    team, notes = team_from_roster(base, plain, DEPARTMENTS)
    assert team.remote_share == base.remote_share and all(s.remote == 0 for s in team.shifts)
    assert "does not say who works remotely" in notes[-1] and "count every rep as on site" in notes[-1]
    with pytest.raises(RosterError, match="nobody on the roster is a rep"):
        team_from_roster(base, [person(1, "day", role="lead")], DEPARTMENTS)


# --- the assignment in detail --------------------------------------------------------------------


def test_a_cap_counted_from_real_people_across_overlapping_activities() -> None:
    """A second activity edited in at the very times of the first, in the same shift: its sessions
    have no room left under the cap, so its reps are unplaced, with the reason and what to do."""
    found = rostered((12,), "one", Mode.onsite, 0.25, 5)
    assert found is not None
    plan, people = found
    day_index, day, first = next(
        (i, d, a)
        for i, d in enumerate(plan.days)
        for a in d.activities
        if plan.ideas[a.idea].format is Format.waves and sum(s.reps > 0 for s in a.sessions) >= 2
    )
    other = next(
        i
        for i in bank().values()
        if i.format is Format.waves and i.timed and i.id not in plan.ideas and i.capacity is None
    )
    both = day.model_copy(
        update={"activities": (*day.activities, Activity(idea=other.id, sessions=first.sessions))}
    )
    edited = plan.model_copy(
        update={
            "days": (*plan.days[:day_index], both, *plan.days[day_index + 1 :]),
            "ideas": {**plan.ideas, other.id: other},
        }
    )
    assignment = assign(edited, people)
    check_rules(edited, people, assignment)
    missing = [u for u in assignment.unplaced if u.idea == other.id]
    assert {u.email for u in missing} == {m.email for m in people if m.rep}
    assert all(u.kind == "full" and "raise team.max_off_phones" in u.reason for u in missing)
    assert "at most 3 of the shift's 12 reps off the phones at once" in missing[0].reason


def test_emails_match_ignoring_case_and_of_is_in_time_order() -> None:
    found = rostered((9,), "one", Mode.onsite, 0.34, 2)
    assert found is not None
    plan, people = found
    assignment = assign(plan, people)
    email = people[0].email
    mine = assignment.of(email.upper())
    assert mine and mine == assignment.of(email)
    assert list(mine) == sorted(mine, key=lambda s: (s.day, clock_minutes(s.start)))
    first = mine[0]
    assert assignment.slot(email.title(), first.day, first.idea) == first
    assert first in assignment.away(first.day, first.shift)


def test_roster_csv_columns_order_and_round_trip(tmp_path: Path) -> None:
    found = rostered((7, 5), "two", Mode.onsite, 0.3, 4)
    assert found is not None
    plan, people = found
    assignment = assign(plan, people)
    text = roster_csv(plan, assignment, people)
    assert "\r\n" in text, "RFC 4180 line ends"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(assignment.slots)
    keys = [(r["date"], clock_minutes(r["start"]), r["shift"], r["name"].casefold()) for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["weekday"] == date.fromisoformat(rows[0]["date"]).strftime("%A")
    assert rows[0]["activity"] == plan.ideas[rows[0]["idea"]].title
    (tmp_path / "roster.csv").write_text(text, encoding="utf-8", newline="")
    assert read_roster_csv(tmp_path / "roster.csv", plan).slots == assignment.slots
    again, kept = roster_for(plan, tmp_path, roster_people((7, 5), "two", 30, 0), DEPARTMENTS)
    assert tuple(again) == people and kept == assignment


def test_roster_csv_rows_that_do_not_parse_are_named_and_stale_rows_dropped(tmp_path: Path) -> None:
    found = rostered((6,), "one", Mode.onsite, 0.34, 2)
    assert found is not None
    plan, people = found
    assignment = assign(plan, people)
    good = roster_csv(plan, assignment, people).splitlines()
    stale = "2025-10-06,Monday,day,03:00,03:30,Gone,gone-idea,1,rep1@acme.example,Rep 01"
    (tmp_path / "roster.csv").write_text("\n".join([*good, stale]) + "\n", encoding="utf-8")
    assert read_roster_csv(tmp_path / "roster.csv", plan).slots == assignment.slots
    bad = [good[0], "2025-13-01,x,day,9am,10:00,A,a,one,rep1@acme.example,Rep 01", good[1]]
    (tmp_path / "roster.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(RosterError) as error:
        read_roster_csv(tmp_path / "roster.csv", plan)
    message = str(error.value)
    assert f"{tmp_path / 'roster.csv'}:2: date '2025-13-01' is not a date" in message
    assert "wave 'one' is not a number" in message and "start '9am' is not a time" in message
    (tmp_path / "roster.csv").write_text("email,name\nrep1@acme.example,Rep\n", encoding="utf-8")
    with pytest.raises(
        RosterError, match=r"roster.csv:1: missing columns date, shift, start, end, idea, wave"
    ):
        read_roster_csv(tmp_path / "roster.csv", plan)


def test_slot_session_names_the_plan_session() -> None:
    slot = Slot(date(2025, 10, 6), "09:00", "day", "coffee", 2, "09:20", "a@b.c")
    assert slot.session == (date(2025, 10, 6), "coffee", "day", 2, "09:00", "09:20")
