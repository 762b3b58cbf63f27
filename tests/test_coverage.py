"""`csw plan --roster` and `csw render --roster` through the real CLI: the plan sized from the
roster, roster.csv and coverage.md beside plan.yaml, the waves kept on a re-render, and every bad
roster an exit 2 that names the file and line."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from pathlib import Path

from csw.core.locale_formats import clock, long_date, short_date
from csw.people.waves import shift_cap
from csw.plan.file import load_plan, plan_text
from csw.settings.config import clock_minutes
from tests.configs import ACME, SHIFTS_AND_EMAIL

CONFIG = (
    ACME
    + """
[team]
mode = "{mode}"
budget = 3000
max_off_phones = 0.25
departments = ["IT", "HR"]
{roster}
"""
)
CONFIG += SHIFTS_AND_EMAIL

DAY, LATE = 14, 9


def roster_text(*, remote: bool = False, extra: str = "") -> str:
    header = "email,name,shift,team,role,cover" + (",remote" if remote else "")
    rows = [header]
    for n in range(1, DAY + 1):
        rows.append(
            f"day{n}@acme.example,Day Rep {n},Day,Customer Care,rep,,"
            + ("yes" if n % 3 == 0 else "no") * remote
        )
    for n in range(1, LATE + 1):
        rows.append(
            f"late{n}@acme.example,Late Rep {n},late,Customer Care,,," + ("x" if n % 2 else "") * remote
        )
    tail = ",," if remote else ","
    rows += [
        f"lee@acme.example,Lee Park,day,Customer Care,lead,yes{tail[1:]}",
        f"pat@acme.example,Pat Lee,,Customer Care,coordinator,{tail[1:]}",
        f"dana@acme.example,Dana Ruiz,,Leadership,sponsor,{tail[1:]}",
        f"ana@acme.example,Ana Silva,,IT,engineer,{tail[1:]}",
        f"hal@acme.example,Hal Jones,,HR,partner,{tail[1:]}",
    ]
    return "\n".join(rows) + "\n" + extra


def rows_of(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "roster.csv").read_text(encoding="utf-8"), newline="")))


def test_plan_with_a_roster_sizes_the_plan_and_writes_the_roster_and_the_coverage_sheet(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster=""))
    write("team.csv", roster_text())
    result = csw("plan", "2025", "--roster", "team.csv")
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    out = tmp_path / "csw-2025"
    assert "roster.csv" in result.stdout and "coverage.md" in result.stdout
    plan = load_plan(out / "plan.yaml")
    assert plan.team.headcount == DAY + LATE
    assert [(s.name, s.headcount) for s in plan.team.shifts] == [("day", DAY), ("late", LATE)]
    rows = rows_of(out)
    assert rows and tuple(rows[0]) == (
        "date",
        "weekday",
        "shift",
        "start",
        "end",
        "activity",
        "idea",
        "wave",
        "email",
        "name",
    )
    reps = {f"day{n}@acme.example" for n in range(1, DAY + 1)} | {
        f"late{n}@acme.example" for n in range(1, LATE + 1)
    }
    assert {r["email"] for r in rows} == reps, "every rep has a session; nobody else has one"
    for row in rows:
        assert row["shift"] == ("day" if row["email"].startswith("day") else "late")
    # every rep in exactly one session of each waves/appointments activity of their shift
    per_activity = Counter((r["date"], r["idea"], r["email"]) for r in rows)
    assert set(per_activity.values()) == {1}
    for day in plan.days:
        for activity in day.activities:
            if plan.ideas[activity.idea].format.value not in ("waves", "appointments"):
                continue
            for shift, count in (("day", DAY), ("late", LATE)):
                if any(s.shift == shift and s.reps for s in activity.sessions):
                    here = {
                        r["email"]
                        for r in rows
                        if (r["date"], r["idea"], r["shift"]) == (str(day.date), activity.idea, shift)
                    }
                    assert len(here) == count, (day.date, activity.idea, shift)
    # never more than the cap away at any minute
    for shift, count in (("day", DAY), ("late", LATE)):
        for date in {r["date"] for r in rows}:
            minutes = Counter()
            for r in rows:
                if (r["date"], r["shift"]) == (date, shift):
                    minutes.update(range(clock_minutes(r["start"]), clock_minutes(r["end"])))
            assert max(minutes.values(), default=0) <= shift_cap(0.25, count)
    sheet = (out / "coverage.md").read_text(encoding="utf-8")
    assert f"## {long_date(datetime.date(2025, 10, 6))}" in sheet
    assert f"### Day shift, {clock('08:00')}\N{EN DASH}{clock('16:30')}: 14 reps" in sheet
    assert "Covering the phones as well: Lee Park." in sheet
    assert "SHORT" not in sheet and "Needs attention" not in sheet
    assert "At most 3 away at once, so at least 11 reps stay on the phones." in sheet
    assert re.search(r"\| [\d:]+ [AP]M\N{EN DASH}[\d:]+ [AP]M \| nobody \| all 14 and 1 covering \|", sheet)
    first = rows[0]
    assert f"{first['name']}" in sheet.split(f"## {_long(first['date'])}")[1]


def _long(iso: str) -> str:
    return long_date(datetime.date.fromisoformat(iso))


def test_team_roster_in_the_config_is_used_and_the_files_are_the_same_bytes_each_time(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", CONFIG.format(mode="hybrid", roster='roster = "people/team.csv"'))
    write("people/team.csv", roster_text(remote=True))
    assert csw("plan", "2025", "--out", "a").exit_code == 0
    assert csw("plan", "2025", "--out", "b").exit_code == 0
    for name in ("roster.csv", "coverage.md", "plan.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    plan = load_plan(tmp_path / "a" / "plan.yaml")
    remote_day, remote_late = DAY // 3, (LATE + 1) // 2
    assert [(s.headcount, s.remote) for s in plan.team.shifts] == [(DAY, remote_day), (LATE, remote_late)]
    assert plan.team.remote_share == (remote_day + remote_late) / (DAY + LATE)
    remote = {f"day{n}@acme.example" for n in range(3, DAY + 1, 3)} | {
        f"late{n}@acme.example" for n in range(1, LATE + 1, 2)
    }
    for row in rows_of(tmp_path / "a"):
        if row["email"] in remote:
            assert not plan.ideas[row["idea"]].leaves_out_remote_reps(plan.team.mode), row


def test_a_hybrid_roster_without_a_remote_column_counts_everyone_and_says_so(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", CONFIG.format(mode="hybrid", roster=""))
    write("team.csv", roster_text())
    assert csw("plan", "2025", "--roster", "team.csv").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    assert any("does not say who works remotely" in note for note in plan.notes)
    assert all(s.remote == 0 for s in plan.team.shifts)
    assert len({r["email"] for r in rows_of(tmp_path / "csw-2025")}) == DAY + LATE


def test_without_a_roster_there_is_no_roster_csv_and_no_coverage_sheet(csw, write, tmp_path: Path) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster=""))
    assert csw("plan", "2025").exit_code == 0
    out = tmp_path / "csw-2025"
    assert (out / "plan.yaml").exists()
    assert not (out / "roster.csv").exists() and not (out / "coverage.md").exists()
    assert "remote:" not in (out / "plan.yaml").read_text(encoding="utf-8").split("week:")[0]


def test_render_after_an_edit_keeps_everyone_whose_session_is_still_there(csw, write, tmp_path: Path) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster='roster = "team.csv"'))
    write("team.csv", roster_text())
    assert csw("plan", "2025").exit_code == 0
    out = tmp_path / "csw-2025"
    before = rows_of(out)
    assert csw("render", out / "plan.yaml").exit_code == 0
    assert rows_of(out) == before, "an unchanged plan moves nobody"

    plan = load_plan(out / "plan.yaml")
    d, a, s = next(
        (d, a, s)
        for d, day in enumerate(plan.days)
        for a, activity in enumerate(day.activities)
        for s, session in enumerate(activity.sessions)
        if session.reps and session.wave == 2
    )
    day = plan.days[d]
    activity = day.activities[a]
    gone = activity.sessions[s]
    edited = plan.model_copy(
        update={
            "days": (
                *plan.days[:d],
                day.model_copy(
                    update={
                        "activities": (
                            *day.activities[:a],
                            activity.model_copy(
                                update={"sessions": activity.sessions[:s] + activity.sessions[s + 1 :]}
                            ),
                            *day.activities[a + 1 :],
                        )
                    }
                ),
                *plan.days[d + 1 :],
            )
        }
    )
    (out / "plan.yaml").write_text(plan_text(edited), encoding="utf-8")
    result = csw("render", out / "plan.yaml")
    assert result.exit_code == 0, result.stderr
    after = rows_of(out)

    def key(row: dict[str, str]) -> tuple[str, ...]:
        return (row["date"], row["idea"], row["shift"], row["wave"], row["start"], row["end"], row["email"])

    removed = {(str(day.date), activity.idea, gone.shift, str(gone.wave), gone.start, gone.end)}
    moved = {r["name"] for r in before if key(r)[:6] in removed}
    assert moved
    assert {key(r) for r in before if key(r)[:6] not in removed} <= {key(r) for r in after}
    assert {r["name"] for r in after if key(r) not in {key(b) for b in before}} <= moved
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    for name in moved:
        again = any(
            r["name"] == name and r["idea"] == activity.idea and r["date"] == str(day.date) for r in after
        )
        assert again or any(name in line for line in warned), name
    if warned:
        title = plan.ideas[activity.idea].title
        assert all(f"have no session of {title}" in w or f"has no session of {title}" in w for w in warned)
        sheet = (out / "coverage.md").read_text(encoding="utf-8")
        assert "## Needs attention" in sheet and "add a wave to it in plan.yaml" in sheet


def test_render_with_a_roster_option_on_a_plan_made_without_one(csw, write, tmp_path: Path) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster=""))
    write("team.csv", roster_text())
    assert csw("plan", "2025", "--headcount", str(DAY + LATE)).exit_code == 0
    out = tmp_path / "csw-2025"
    result = csw("render", out / "plan.yaml", "--roster", "team.csv")
    assert result.exit_code == 0, result.stderr
    assert (out / "roster.csv").exists() and (out / "coverage.md").exists()


def test_a_roster_of_several_teams_is_each_teams_recipients(csw, write, tmp_path: Path) -> None:
    write(
        "csw.toml",
        """
        [organization]
        name = "Acme"
        domain = "acme.example"

        [[teams]]
        name = "Austin Care"
        timezone = "America/Chicago"
        recipients = "austin.csv"

        [[teams]]
        name = "Dublin Support"
        timezone = "Europe/Dublin"
        headcount = 12
        recipients = "dublin.csv"
        """,
    )
    write("austin.csv", "email,name\n" + "".join(f"a{n}@acme.example,Austin {n}\n" for n in range(1, 19)))
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "csw-2025"
    assert load_plan(out / "austin-care" / "plan.yaml").team.headcount == 18
    assert len({r["email"] for r in rows_of(out / "austin-care")}) == 18
    dublin = load_plan(out / "dublin-support" / "plan.yaml")
    assert dublin.team.headcount == 12 and not (out / "dublin-support" / "roster.csv").exists()
    assert any("teams[1].recipients: dublin.csv does not exist yet" in note for note in dublin.notes)


# --- bad rosters ------------------------------------------------------------------------------------


def test_an_unknown_shift_is_exit_2_with_the_file_and_line(csw, write) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster=""))
    write(
        "team.csv",
        roster_text().replace("late3@acme.example,Late Rep 3,late", "late3@acme.example,Late Rep 3,nights"),
    )
    result = csw("plan", "2025", "--roster", "team.csv")
    result.assert_clean_error()
    assert (
        "team.csv:18: Late Rep 3 (late3@acme.example): shift 'nights' is not one of the team's shifts"
        " (day, late); write one of them in the shift column" in result.stderr
    )


def test_a_missing_shift_on_a_two_shift_team_is_exit_2_and_every_row_is_listed(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster='roster = "team.csv"'))
    text = roster_text().replace("day2@acme.example,Day Rep 2,Day", "day2@acme.example,Day Rep 2,")
    text = text.replace("late1@acme.example,Late Rep 1,late", "late1@acme.example,Late Rep 1,")
    write("team.csv", text)
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert (
        "team.csv:3: Day Rep 2 (day2@acme.example): no shift, and the team has 2 shifts (day, late)"
        in result.stderr
    )
    assert "team.csv:16: Late Rep 1 (late1@acme.example): no shift" in result.stderr
    assert not (tmp_path / "csw-2025").exists()


def test_a_bad_remote_value_and_a_headcount_that_disagrees(csw, write) -> None:
    write("csw.toml", CONFIG.format(mode="hybrid", roster=""))
    write(
        "team.csv",
        roster_text(remote=True).replace(
            "Day Rep 3,Day,Customer Care,rep,,yes", "Day Rep 3,Day,Customer Care,rep,,often"
        ),
    )
    bad = csw("plan", "2025", "--roster", "team.csv")
    bad.assert_clean_error()
    assert "team.csv:4: Day Rep 3 (day3@acme.example): remote 'often' is neither yes nor no" in bad.stderr
    write("team.csv", roster_text())
    clash = csw("plan", "2025", "--roster", "team.csv", "--headcount", "40")
    clash.assert_clean_error()
    assert "--headcount 40: the roster team.csv has 23 reps." in clash.stderr


def test_a_roster_csv_row_that_does_not_parse_stops_render_with_its_line(csw, write, tmp_path: Path) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster='roster = "team.csv"'))
    write("team.csv", roster_text())
    assert csw("plan", "2025").exit_code == 0
    saved = tmp_path / "csw-2025" / "roster.csv"
    lines = saved.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[3], "noon", 1)
    saved.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = csw("render", tmp_path / "csw-2025" / "plan.yaml")
    result.assert_clean_error()
    assert f"{saved}:3: start 'noon' is not a time (HH:MM)" in result.stderr
    assert "Fix or delete" in result.stderr


def test_reps_without_a_session_are_warned_about_and_listed_and_the_files_still_written(
    csw, write, tmp_path: Path
) -> None:
    """Every day-shift wave but the first of one activity cut from plan.yaml: that wave holds at
    most 3 of the 14 (the cap; fewer if its room holds fewer), so the rest are left without one,
    in one warning line and in the sheet."""
    write("csw.toml", CONFIG.format(mode="onsite", roster='roster = "team.csv"'))
    write("team.csv", roster_text())
    assert csw("plan", "2025").exit_code == 0
    out = tmp_path / "csw-2025"
    plan = load_plan(out / "plan.yaml")
    d, a = next(
        (d, a)
        for d, day in enumerate(plan.days)
        for a, activity in enumerate(day.activities)
        if plan.ideas[activity.idea].format.value in ("waves", "appointments")
        and sum(s.shift == "day" and s.reps > 0 for s in activity.sessions) >= 2
    )
    day, activity = plan.days[d], plan.days[d].activities[a]
    kept = tuple(s for s in activity.sessions if s.shift != "day" or s.wave == 1)
    cut = day.model_copy(
        update={
            "activities": (
                *day.activities[:a],
                activity.model_copy(update={"sessions": kept}),
                *day.activities[a + 1 :],
            )
        }
    )
    edited = plan.model_copy(update={"days": (*plan.days[:d], cut, *plan.days[d + 1 :])})
    (out / "plan.yaml").write_text(plan_text(edited), encoding="utf-8")
    result = csw("render", out / "plan.yaml")
    assert result.exit_code == 0, result.stderr
    idea = plan.ideas[activity.idea]
    title, held = idea.title, min(3, idea.capacity or 3)
    left = DAY - held
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1, warned
    assert f"day shift: {left} reps (" in warned[0]
    assert f"and {left - 5} more) have no session of {title}" in warned[0]
    assert "every session is full (at most 3 of the shift's 14 reps off the phones at once" in warned[0]
    rows = [
        r for r in rows_of(out) if (r["date"], r["idea"], r["shift"]) == (str(day.date), activity.idea, "day")
    ]
    assert len(rows) == held
    sheet = (out / "coverage.md").read_text(encoding="utf-8")
    assert f"## Needs attention\n\n- {short_date(day.date)}, day shift, {title}:" in sheet
    assert f"({left}) have no session: every session is full" in sheet
    assert "SHORT" not in sheet


def test_a_roster_that_is_not_there_is_exit_2_saying_which_option(csw, write) -> None:
    write("csw.toml", CONFIG.format(mode="onsite", roster='roster = "nobody.csv"'))
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert "nobody.csv: no such roster file" in result.stderr and "team.roster" in result.stderr
    other = csw("plan", "2025", "--roster", "missing.csv")
    other.assert_clean_error()
    assert "missing.csv: no such roster file" in other.stderr


def test_every_rep_of_a_shift_is_accounted_for_during_a_live_session(csw, tmp_path: Path) -> None:
    """In the starter's hybrid team, each live session's sheet names who is in the room, who stays
    on the queue for the recording and who works from home with the remote form: all the shift."""
    assert csw("init").exit_code == 0
    assert csw("plan", "2025").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    with (tmp_path / "recipients.csv").open(newline="", encoding="utf-8") as stream:
        roster = [row for row in csv.DictReader(stream) if row["role"] == "rep"]
    sheet = (tmp_path / "csw-2025" / "coverage.md").read_text(encoding="utf-8")
    checked = 0
    for day in plan.days:
        part = sheet.split(f"## {long_date(day.date)}\n")[1].split("\n## ")[0]
        for shift in plan.team.shifts:
            block = part.split(f"### {shift.name.capitalize()} shift, ")[1].split("\n### ")[0]
            reps = [r for r in roster if r["shift"] == shift.name]
            remote = sorted(r["name"] for r in reps if r["remote"] == "yes")
            if "Covering the phones as well" in block:  # the reps count apart from who covers
                phones = re.findall(r"^\|[^|]+\|[^|]+\| ([^|]+) \|$", block, re.M)[1:]
                assert all(cell.endswith(" and 1 covering") for cell in phones if cell != "On the phones")
                assert f"all {len(reps) + 1}" not in block
            for activity in day.activities:
                idea = plan.idea(activity.idea)
                own = [s for s in activity.sessions if s.shift == shift.name and s.reps > 0]
                if idea.format.value != "live" or not own:
                    continue
                seated = sum(s.reps for s in own)
                watching = re.search(rf"{re.escape(idea.title)}: (\d+) stays? on the queue", block)
                home = re.search(
                    rf"{re.escape(idea.title)}: (.+?) works? from home and gets? its remote form", block
                )
                named = re.split(r",? and |, ", home[1]) if home else []  # "A and B", "A, B, and C"
                assert sorted(named) == (remote if idea.leaves_out_remote_reps(plan.team.mode) else [])
                assert seated + int(watching[1] if watching else 0) + len(named) == len(reps), (
                    day.date,
                    idea.id,
                )
                checked += 1
    assert checked >= 5, "the starter's week has live sessions in both shifts"
