"""The planner's rules, as properties over many seeds and teams, and `csw plan` end to end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from csw.core.errors import PlanError
from csw.ideas.bank import Category, Format, Span
from csw.plan.file import parse_plan, plan_text
from csw.settings.config import Mode
from csw.week.dates import week_of
from tests.plans import SHIFTS, bank, plan_for

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
teams = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(list(Mode)),
        "headcount": st.integers(min_value=5, max_value=3000),
        "budget": st.floats(min_value=0, max_value=20000).map(lambda b: round(b, 2)),
        "shifts": st.sampled_from(list(SHIFTS)),
        "seed": st.integers(min_value=0, max_value=2**32),
    }
)


@PROPERTY
@given(teams)
def test_same_inputs_same_bytes_and_the_file_round_trips(team: dict) -> None:
    try:
        plan = plan_for(**team)
    except PlanError:
        return
    text = plan_text(plan)
    assert plan_text(plan_for(**team)) == text
    assert parse_plan(text, "plan.yaml") == plan


@PROPERTY
@given(st.integers(min_value=0, max_value=10**6), st.sets(st.sampled_from(sorted(bank())), max_size=25))
def test_excluded_ideas_never_appear(seed: int, excluded: set[str]) -> None:
    try:
        plan = plan_for(seed=seed, exclude=frozenset(excluded), budget=10**6)
    except PlanError as error:
        assert "excluded" in str(error) or "constraint" in str(error)
        return
    assert not excluded & set(plan.ideas)


@PROPERTY
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(list(Mode)))
def test_history_is_not_repeated(seed: int, mode: Mode) -> None:
    last_year = plan_for(seed=seed, mode=mode, year=2024, budget=10**6)
    this_year = plan_for(seed=seed, mode=mode, history=((2024, frozenset(last_year.ideas)),), budget=10**6)
    assert not set(last_year.ideas) & set(this_year.ideas)
    assert not [note for note in this_year.notes if "ran out of ideas" in note]


def test_history_runs_out_and_reuses_the_oldest_with_a_note() -> None:
    used: list[tuple[int, frozenset[str]]] = []
    for year in range(2015, 2025):
        plan = plan_for(mode=Mode.remote, year=year, history=tuple(used), budget=10**6)
        used.append((year, frozenset(plan.ideas)))
    reused = [note for note in plan.notes if "ran out of ideas not used before" in note]
    assert reused and "2015" in reused[0]


@st.composite
def valid_pins(draw) -> dict[date, tuple[str, ...]]:
    week = week_of(2025)
    days = draw(st.lists(st.sampled_from(week.days), unique=True, max_size=5))
    themes = sorted(
        i
        for i, idea in bank().items()
        if idea.span is Span.day and idea.works_for(Mode.hybrid) and idea.role is None
    )
    acts = sorted(
        i
        for i, idea in bank().items()
        if idea.span is Span.slot
        and idea.works_for(Mode.hybrid)
        and idea.category is not Category.charity
        and idea.role is None
        and not idea.conflicts
    )
    chosen_themes = draw(
        st.lists(st.sampled_from(themes), unique=True, min_size=len(days), max_size=len(days))
    )
    chosen_acts = draw(st.lists(st.sampled_from(acts), unique=True, min_size=len(days), max_size=len(days)))
    pins = {}
    for day, theme, act in zip(days, chosen_themes, chosen_acts, strict=True):
        pins[day] = (theme,) if draw(st.booleans()) else (theme, act)
        assume(len({bank()[i].category for i in pins[day]}) == len(pins[day]))
    return pins


@PROPERTY
@given(valid_pins(), st.integers(min_value=0, max_value=10**6))
def test_pins_are_honoured_and_say_what_they_displaced(pins: dict, seed: int) -> None:
    try:
        plan = plan_for(mode=Mode.hybrid, pins=pins, seed=seed, budget=10**6, share=0.5)
    except PlanError as error:  # a pinned activity too long for everyone to take part on one day
        assert str(error).startswith("--pin ") and "(phones stay staffed)" in str(error), str(error)
        return
    for day in plan.days:
        assert set(pins.get(day.date, ())) <= set(day.idea_ids)
    free = plan_for(mode=Mode.hybrid, seed=seed, budget=10**6, share=0.5)
    for day, mine in zip(plan.days, free.days, strict=True):
        on_the_day = [i for i in mine.idea_ids if free.idea(i).span in (Span.day, Span.slot)]
        gone = [free.idea(i).title for i in on_the_day if i not in plan.ideas and day.date in pins]
        for title in gone:
            assert any(title in note and f"{day.date:%A}" in note for note in plan.notes), (title, plan.notes)


def test_a_one_hour_workshop_for_40_reps_at_25_percent_runs_in_waves_of_at_most_5() -> None:
    workshop = next(
        i
        for i, idea in sorted(bank().items())
        if idea.format is Format.waves
        and idea.span is Span.slot
        and idea.meal is None
        and idea.duration_minutes <= 30
        and idea.works_for(Mode.onsite)
        and not idea.role
    )
    plan = plan_for(pins={date(2025, 10, 7): (workshop,)}, headcount=40, share=0.25, shifts="two")
    day = next(d for d in plan.days if d.date == date(2025, 10, 7))
    sessions = next(a.sessions for a in day.activities if a.idea == workshop)
    for shift in ("day", "late"):
        waves = [s for s in sessions if s.shift == shift]
        assert len(waves) >= 4 and all(s.reps <= 5 for s in waves)
        assert sum(s.reps for s in waves) == 20, "everyone on the shift gets a turn"


# --- csw plan, end to end ------------------------------------------------------------------------


def test_plan_2025_writes_a_readable_plan_and_prints_the_week(csw, tmp_path: Path) -> None:
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    assert "Customer Service Week 2025: Mission Possible" in result.stdout
    assert "Spend: $" in result.stdout and "Prep tasks: " in result.stdout
    text = (tmp_path / "csw-2025" / "plan.yaml").read_text()
    assert text.startswith("# Customer Service Week 2025 plan")
    assert "csw render plan.yaml" in text
    data = yaml.safe_load(text)
    assert list(data)[:4] == ["csw_plan", "year", "theme", "seed"]
    assert [d["date"] for d in data["days"]] == [f"2025-10-0{n}" for n in range(6, 10)] + ["2025-10-10"]
    assert data["seed"] == 2025
    dues = [item["due"] for item in data["prep"]]
    assert dues == sorted(dues)
    runs = dict.fromkeys(data["all_week"], data["days"][0]["date"])
    for day in data["days"]:
        for idea in (day["theme"], *(a["idea"] for a in day["activities"])):
            runs.setdefault(idea, day["date"])
    for item in data["prep"]:
        assert item["due"] <= runs[item["idea"]], item
        assert date.fromisoformat(item["due"]).weekday() < 5, f"{item} falls on a weekend"


def test_plan_twice_gives_the_same_bytes_and_another_seed_another_week(csw, tmp_path: Path) -> None:
    csw("plan", "2025", "--out", "a")
    csw("plan", "2025", "--out", "b")
    assert (tmp_path / "a/plan.yaml").read_bytes() == (tmp_path / "b/plan.yaml").read_bytes()
    csw("plan", "2025", "--out", "c", "--seed", "7")
    assert (tmp_path / "c/plan.yaml").read_bytes() != (tmp_path / "a/plan.yaml").read_bytes()


def test_plan_json_on_stdout(csw) -> None:
    result = csw("plan", "2025", "--json", "--mode", "remote", "--headcount", "12")
    data = json.loads(result.stdout)
    assert data["team"]["mode"] == "remote" and data["team"]["headcount"] == 12
    assert all("remote" in idea["modes"] or idea["remote"] for idea in data["ideas"].values())


def test_plan_writes_json_export_on_request(csw, tmp_path: Path) -> None:
    csw("plan", "2025", "--format", "json")
    data = json.loads((tmp_path / "csw-2025" / "plan.json").read_text())
    assert data["year"] == 2025
    assert data["spent"] > 0 and data["spent_per_rep"] == round(data["spent"] / data["team"]["headcount"], 2)
    assert data["all_week"], "what runs all week"
    idea = data["ideas"][data["days"][0]["theme"]]
    assert idea["span"] == "day" and idea["format"] == "desk" and idea["pitch"] and idea["goals"]


def test_an_edited_plan_is_not_overwritten_without_force(csw, tmp_path: Path) -> None:
    csw("plan", "2025")
    path = tmp_path / "csw-2025" / "plan.yaml"
    assert csw("plan", "2025", "--seed", "3").exit_code == 0, "an unedited plan is csw's to replace"
    edited = path.read_text().replace("seed: 3", "seed: 4")
    path.write_text(edited)
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert "was edited since csw wrote it" in result.stderr and "--force" in result.stderr
    assert path.read_text() == edited
    assert csw("plan", "2025", "--force").exit_code == 0
    assert "seed: 2025" in path.read_text()


def test_history_option_reads_earlier_plans(csw, tmp_path: Path) -> None:
    csw("plan", "2024")
    result = csw("plan", "2025", "--history", "csw-2024/plan.yaml", "--json")
    before = yaml.safe_load((tmp_path / "csw-2024/plan.yaml").read_text())["ideas"]
    assert not set(before) & set(json.loads(result.stdout)["ideas"])


def test_pins_from_the_cli_by_weekday_and_date(csw) -> None:
    result = csw("plan", "2025", "--pin", "tue=superhero-day", "--pin", "2025-10-09=pajama-day", "--json")
    assert result.exit_code == 0, result.stderr
    days = json.loads(result.stdout)["days"]
    assert days[1]["theme"] == "superhero-day" and days[3]["theme"] == "pajama-day"


def free_ids() -> list[str]:
    return sorted(
        i
        for i, idea in bank().items()
        if (idea.cost(40) == 0 and idea.remote is None)
        or (idea.cost(40) == 0 and idea.remote and idea.remote.cost(40) == 0)
    )


ONSITE_ONLY = Path(__file__).parent / "corpus" / "ideas" / "ok-valid.yaml"  # taco-tuesday, no remote form


INFEASIBLE = {
    "budget 0 with only paid ideas": (
        ["--budget", "0", "--headcount", "40", *[a for i in free_ids() for a in ("--exclude", i)]],
        "constraint 'budget'",
        "raise --budget",
    ),
    "every theme excluded": (
        [a for i, idea in sorted(bank().items()) if idea.span is Span.day for a in ("--exclude", i)],
        "no themed day in the idea bank works for a onsite team once the excluded ideas are left out",
        "exclude fewer",
    ),
    "pin to an unknown id": (
        ["--pin", "mon=pajamma-day"],
        "--pin mon=pajamma-day: there is no idea",
        "csw ideas list",
    ),
    "pin to a day outside the week": (["--pin", "sat=pajama-day"], "'sat' is not one of the days", ""),
    "two themes pinned on one day": (
        ["--pin", "mon=pajama-day", "--pin", "mon=superhero-day"],
        "two themed days",
        "",
    ),
    "pinned idea for another mode": (
        ["--ideas", str(ONSITE_ONLY), "--mode", "remote", "--pin", "mon=taco-tuesday"],
        "(mode)",
        "--mode",
    ),
    "phones cannot spare anyone": (
        [
            "--headcount",
            "3",
            "--pin",
            f"tue={next(i for i, x in sorted(bank().items()) if x.off_phones and x.span is Span.slot)}",
        ],
        "(phones stay staffed)",
        "Raise team.max_off_phones",
    ),
    "bad mode": (["--mode", "office"], "--mode office: choose onsite, remote or hybrid", ""),
    "bad format": (["--format", "pdf"], "unknown format 'pdf'", "Choose from"),
    "bad pin syntax": (["--pin", "pajama-day"], "write it as DAY=IDEA_ID", ""),
}


@pytest.mark.parametrize("case", list(INFEASIBLE))
def test_infeasible_inputs_exit_2_naming_the_constraint(csw, tmp_path: Path, case: str) -> None:
    args, message, advice = INFEASIBLE[case]
    result = csw("plan", "2025", *args)
    result.assert_clean_error()
    assert message in result.stderr, result.stderr
    assert advice in result.stderr
    assert not (tmp_path / "csw-2025").exists(), "never a half-plan"


def test_an_activity_is_headlined_at_its_time_in_the_largest_shift() -> None:
    from csw.core.locale_formats import clock
    from csw.exports.views import plan_rows
    from csw.plan.model import headline_start

    plan = plan_for(shifts="24/7", headcount=60)  # early 20, day 20 (nearest 09:00), night 20
    assert plan.team.main_shift == "day"
    for day, (_, _, lines, _) in zip(plan.days, plan_rows(plan), strict=True):
        starts = [headline_start(a, "day") for a in day.activities]
        assert starts == sorted(starts), "a day's activities in the order the day shift meets them"
        for activity, line in zip(day.activities, lines.splitlines(), strict=True):
            day_shift = [s.start for s in activity.sessions if s.shift == "day"]
            assert line.startswith(clock(day_shift[0] if day_shift else activity.sessions[0].start))
