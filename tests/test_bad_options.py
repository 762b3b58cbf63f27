"""Bad command-line values and paths that do not exist, through the real CLI.

Every case exits 2 (1 for `csw ideas check` of a missing file: it is a problem found), prints one
message naming the option or path and what to do, no traceback, and writes nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.test_bad_support import (
    CORPUS,
    assert_short_error,
    make_plan_folder,
    run_cli,
    snapshot,
)

# args of `csw plan 2025 ...` -> fragments of the message
PLAN = {
    "pin without =": (["--pin", "tue"], ["--pin tue: write it as DAY=IDEA_ID"]),
    "pin without day": (["--pin", "=superhero-day"], ["''", "weekday"]),
    "pin without id": (["--pin", "tue="], ["--pin tue=: write it as DAY=IDEA_ID"]),
    "pin unknown day": (["--pin", "xyz=superhero-day"], ["'xyz' is neither a weekday"]),
    "pin a date outside the week": (["--pin", "2025-10-20=superhero-day"], ["2025-10-20 is not a day"]),
    "pin an impossible date": (["--pin", "2025-02-30=superhero-day"], ["'2025-02-30' is neither"]),
    "pin a weekend day of a workweek": (["--pin", "sat=superhero-day"], ["'sat' is not one of the days"]),
    "pin an unknown idea": (["--pin", "tue=no-such-idea"], ["no-such-idea", "csw ideas list"]),
    "format unknown": (["--format", "pdf"], ["--format pdf: unknown format 'pdf'", "md, ics, html, json"]),
    "format one of two unknown": (["--format", "md,docx"], ["unknown format 'docx'"]),
    "headcount 0": (["--headcount", "0"], ["--headcount 0: give at least 1"]),
    "headcount negative": (["--headcount", "-3"], ["--headcount -3: give at least 1"]),
    "budget negative": (["--budget", "-1"], ["--budget -1", "give 0 or more"]),
    "per-day too many": (["--per-day", "7"], ["--per-day 7: give 0 to 6"]),
    "per-day negative": (["--per-day", "-1"], ["--per-day -1"]),
    "mode unknown": (["--mode", "space"], ["--mode space: choose onsite, remote or hybrid"]),
    "config missing": (["--config", "nowhere.toml"], ["nowhere.toml: no such config file"]),
    "ideas missing": (["--ideas", "nowhere.yaml"], ["nowhere.yaml: no such file"]),
    "history missing": (["--history", "nowhere/plan.yaml"], ["nowhere/plan.yaml: no such plan file"]),
    "templates missing": (["--templates", "nowhere"], ["nowhere: no such template folder"]),
    "history not a plan": (["--history", "recipients.csv"], ["recipients.csv:1: not a plan"]),
    "out is a file": (["--out", "recipients.csv"], ["recipients.csv"]),
}

# Click's own usage errors: exit 2, no traceback, the option named (Click's wording, not `csw: `)
CLICK = {
    "seed not a number": ["--seed", "abc"],
    "seed a fraction": ["--seed", "1.5"],
    "headcount not a number": ["--headcount", "forty"],
    "budget not a number": ["--budget", "lots"],
    "an unknown option": ["--colour", "red"],
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "recipients.csv").write_bytes((CORPUS / "recipients" / "ok-plain.csv").read_bytes())
    return tmp_path


@pytest.mark.parametrize("case", list(PLAN))
def test_a_bad_plan_option_exits_2_and_writes_nothing(folder: Path, case: str) -> None:
    args, fragments = PLAN[case]
    before = snapshot(folder)
    result = run_cli("plan", "2025", *args, cwd=folder)
    assert_short_error(result, *fragments)
    assert snapshot(folder) == before
    assert not (folder / "csw-2025").exists()


@pytest.mark.parametrize("case", list(CLICK))
def test_a_value_click_rejects_exits_2_naming_the_option(folder: Path, case: str) -> None:
    args = CLICK[case]
    result = run_cli("plan", "2025", *args, cwd=folder)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert args[0] in result.stderr, result.stderr
    assert not (folder / "csw-2025").exists()


OTHER = {
    "render a missing plan": (["render", "nowhere/plan.yaml"], ["nowhere/plan.yaml: no such plan file"], 2),
    "render unknown format": (
        ["render", "csw-2025/plan.yaml", "--format", "txt"],
        ["unknown format 'txt'"],
        2,
    ),
    "preview a missing plan": (
        ["email", "preview", "nowhere.yaml", "--recipients", "recipients.csv"],
        ["nowhere.yaml: no such plan file"],
        2,
    ),
    "preview missing recipients": (
        ["email", "preview", "csw-2025/plan.yaml", "--recipients", "nobody.csv"],
        ["nobody.csv: no such file"],
        2,
    ),
    "week short year": (["week", "25"], ["year 25 is out of range"], 2),
    "week not a year": (["week", "twenty"], ["'twenty' is not a year"], 2),
    "week range backwards": (
        ["week", "--from", "2026", "--to", "2025"],
        ["--from 2026 comes after --to 2025"],
        2,
    ),
    "show an unknown idea": (["ideas", "show", "no-such-idea"], ["no idea with id 'no-such-idea'"], 2),
    "check a missing bank": (["ideas", "check", "nowhere.yaml"], ["nowhere.yaml: no such file"], 1),
    "list an unknown category": (["ideas", "list", "--category", "snacks"], ["snacks"], 2),
}


@pytest.mark.parametrize("case", list(OTHER))
def test_bad_values_of_other_commands(folder: Path, case: str) -> None:
    args, fragments, code = OTHER[case]
    make_plan_folder(folder)
    before = snapshot(folder)
    result = run_cli(*args, cwd=folder)
    assert_short_error(result, *fragments, code=code)
    assert snapshot(folder) == before


# `csw email preview|send` options: checked before anything is composed, so no outbox is written
LATE = {
    "preview bad due": (
        ["email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--due", "2025-13-01"],
        ["--due 2025-13-01: give a date as YYYY-MM-DD"],
    ),
    "preview due tomorrow": (
        ["email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--due", "tomorrow"],
        ["--due tomorrow"],
    ),
    "preview unknown kind": (
        ["email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--only", "memo"],
        ["--only memo: choose from"],
    ),
    "send bad due": (
        ["email", "send", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--due", "2025-10-32"],
        ["--due 2025-10-32: give a date as YYYY-MM-DD"],
    ),
    "send unknown kind": (
        ["email", "send", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--only", "memo"],
        ["--only memo: choose from"],
    ),
    "send a rate of inf": (
        ["email", "send", "csw-2025/plan.yaml", "--recipients", "recipients.csv", "--rate", "inf"],
        ["--rate inf: give a finite number"],
    ),
}


# guards: a bad --due or --only once exited 2 only after the whole outbox was written
@pytest.mark.parametrize("case", list(LATE))
def test_a_bad_email_option_writes_no_outbox(folder: Path, case: str) -> None:
    args, fragments = LATE[case]
    make_plan_folder(folder)
    before = snapshot(folder)
    result = run_cli(*args, cwd=folder)
    assert_short_error(result, *fragments)
    assert snapshot(folder) == before


def test_a_bad_csw_today(folder: Path) -> None:
    result = run_cli("week", cwd=folder, env={"CSW_TODAY": "someday"})
    assert_short_error(result, "CSW_TODAY='someday' is not a date")


# --- defects fixed -------------------------------------------------------------------------------


# guards: nan passed the `budget < 0` check, then crashed in pydantic (internal error, exit 70)
@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
def test_budget_nan_is_a_usage_error(folder: Path, value: str) -> None:
    result = run_cli("plan", "2025", "--budget", value, cwd=folder)
    assert_short_error(result, "--budget nan: give a finite number")
    assert not (folder / "csw-2025").exists()


# guards: inf was accepted, and plan.json / --json then held Infinity, which is not JSON
def test_budget_inf_is_refused_or_gives_valid_json(folder: Path) -> None:
    result = run_cli("plan", "2025", "--budget", "inf", "--json", cwd=folder)
    if result.exit_code == 2:
        assert_short_error(result, "--budget inf")
        return
    assert result.exit_code == 0, result.stderr

    def no_constant(name: str) -> float:
        raise ValueError(f"{name} is not JSON")

    data = json.loads(result.stdout, parse_constant=no_constant)
    assert math.isfinite(data["team"]["budget"])


@pytest.mark.parametrize(
    "args",
    [["plan", "2025", "--budget", "-inf"], ["plan", "2025", "--budget", "1e400"]],
    ids=["minus-inf", "too-large-is-inf"],
)
def test_every_infinite_float_is_refused_naming_the_option(folder: Path, args: list[str]) -> None:
    assert_short_error(run_cli(*args, cwd=folder), "--budget", "give a finite number")
    assert not (folder / "csw-2025").exists()


def test_render_refuses_an_infinite_amount_raised(folder: Path) -> None:
    make_plan_folder(folder)
    before = snapshot(folder)
    result = run_cli("render", "csw-2025/plan.yaml", "--raised", "inf", cwd=folder)
    assert_short_error(result, "--raised inf: give a finite number")
    assert snapshot(folder) == before


# guards: --pin took the first three letters of the day, so `mongoose` silently pinned Monday
@pytest.mark.parametrize("day", ["mongoose", "friend", "wedding", "m", "mo", "tu", "satur"])
def test_a_pin_day_that_only_starts_like_a_weekday_is_refused(folder: Path, day: str) -> None:
    result = run_cli("plan", "2025", "--pin", f"{day}=superhero-day", cwd=folder)
    assert_short_error(result, f"'{day}' is neither a weekday (mon..sun or monday..sunday)")
    assert not (folder / "csw-2025").exists()


@pytest.mark.parametrize(
    ("day", "date"),
    [
        ("mon", "2025-10-06"),
        ("Monday", "2025-10-06"),
        ("TUES", "2025-10-07"),
        (" wednesday ", "2025-10-08"),
        ("thur", "2025-10-09"),
        ("Thurs", "2025-10-09"),
        ("fri", "2025-10-10"),
    ],
)
def test_a_pin_day_takes_the_short_and_the_full_name(folder: Path, day: str, date: str) -> None:
    result = run_cli("plan", "2025", "--pin", f"{day}=superhero-day", "--json", cwd=folder)
    assert result.exit_code == 0, result.stderr
    themes = {d["date"]: d["theme"] for d in json.loads(result.stdout)["days"]}
    assert themes[date] == "superhero-day"


# guards: --exclude with an id that is in no bank (a typo) was silently ignored
def test_excluding_an_unknown_idea_is_not_silent(folder: Path) -> None:
    result = run_cli("plan", "2025", "--exclude", "chair-massge", cwd=folder)
    assert_short_error(result, "--exclude chair-massge: there is no idea with that id", "chair-massage")
    assert not (folder / "csw-2025").exists()


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        ('[ideas]\nexclude = ["chair-massge"]\n', "csw.toml: ideas.exclude chair-massge"),
        ('[[teams]]\nname = "A"\n[[teams]]\nname = "B"\nexclude = ["chair-massge"]\n', "teams[1].exclude"),
        ('[[teams]]\nname = "A"\npins = ["mon=chair-massge"]\n', "teams[0].pins mon=chair-massge"),
    ],
)
def test_an_unknown_idea_excluded_or_pinned_in_the_config_is_named_there(
    folder: Path, toml: str, where: str
) -> None:
    (folder / "csw.toml").write_text(toml, encoding="utf-8")
    result = run_cli("plan", "2025", cwd=folder)
    assert_short_error(result, where, "there is no idea with that id", "chair-massage")
    assert not (folder / "csw-2025").exists()


def test_a_bad_day_in_a_teams_pins_names_the_config_field(folder: Path) -> None:
    (folder / "csw.toml").write_text(
        '[[teams]]\nname = "A"\npins = ["mongoose=pajama-day"]\n', encoding="utf-8"
    )
    result = run_cli("plan", "2025", cwd=folder)
    assert_short_error(result, "csw.toml: teams[0].pins mongoose=pajama-day:", "neither a weekday")
    assert not (folder / "csw-2025").exists()


def test_year_round_in_the_last_year_csw_plans_is_a_clean_error(folder: Path) -> None:
    result = run_cli("plan", "9999", "--year-round", cwd=folder)
    assert_short_error(result, "year-round:", "10000", "--no-year-round")
    assert not (folder / "csw-9999").exists()
