"""Hand edits of plan.yaml gone wrong, and files that are not plans, through `csw render PLAN`.

Each case starts from a csw-2025 folder made by the real CLI (plan.yaml and its exports), breaks
plan.yaml, and runs `csw render`: exit 2, one message naming plan.yaml:LINE and the field, and
every file in the folder byte-identical afterwards. Static files that are not plans live in
tests/corpus/plan/.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_bad_support import (
    CORPUS,
    assert_short_error,
    make_plan_folder,
    run_cli,
    snapshot,
    within,
)

Data = dict[str, Any]


def first_session(d: Data) -> Data:
    return d["days"][0]["activities"][0]["sessions"][0]


def an_activity_id(d: Data) -> str:
    return d["days"][0]["activities"][0]["idea"]


# case -> (edit of the loaded YAML data, fragments of the message)
EDITS: dict[str, tuple[Callable[[Data], object], list[str]]] = {
    "a date outside the week": (
        lambda d: d["days"][1].update(date="2025-10-20"),
        ["days[1].date 2025-10-20 is outside the week"],
    ),
    "a date twice": (lambda d: d["days"][1].update(date=d["days"][0]["date"]), ["appears twice"]),
    "a date that is not a date": (lambda d: d["days"][1].update(date="Tuesday"), ["days[1].date"]),
    "an unknown theme id": (
        lambda d: d["days"][2].update(theme="no-such-idea"),
        ["days[2].theme: 'no-such-idea'", "ideas"],
    ),
    "an unknown activity id": (
        lambda d: d["days"][0]["activities"][0].update(idea="no-such-idea"),
        ["days[0].activities[0].idea: 'no-such-idea'"],
    ),
    "a broken time": (
        lambda d: first_session(d).update(start="9h30"),
        ["days[0].activities[0].sessions[0].start"],
    ),
    "a session that ends before it starts": (
        lambda d: first_session(d).update(start="16:00", end="15:00"),
        ["days[0].activities[0].sessions[0]", "before it starts"],
    ),
    "a session outside its shift": (
        lambda d: first_session(d).update(start="06:00", end="06:30"),
        ["days[0]:", "outside the day shift (09:00-17:00)"],
    ),
    "a session in an unknown shift": (
        lambda d: first_session(d).update(shift="night"),
        ["shift 'night' is not in team.shifts"],
    ),
    "a wave 0": (lambda d: first_session(d).update(wave=0), ["sessions[0].wave"]),
    "a theme that is an activity": (
        lambda d: d["days"][0].update(theme=an_activity_id(d)),
        ["days[0].theme:", "is span: slot", "this place takes span: day"],
    ),
    "an activity that is a theme": (
        lambda d: d["days"][0]["activities"][0].update(idea=d["days"][1]["theme"]),
        ["days[0].activities[0].idea:", "is span: day", "belongs in a themed day"],
    ),
    "a deleted ideas key": (lambda d: d.pop("ideas"), ["ideas: is required but missing"]),
    "an idea deleted from ideas": (
        lambda d: d["ideas"].pop(d["days"][3]["theme"]),
        ["days[3].theme:", "is not one of the ideas listed under ideas"],
    ),
    "a wrong type": (lambda d: d["team"].update(headcount="many"), ["team.headcount", "'many'"]),
    "an unknown key": (lambda d: d.update(colour="red"), ["colour: unknown key 'colour'"]),
    "a misspelt key in a day": (
        lambda d: d["days"][0].update(thme=d["days"][0]["theme"]),
        ["days[0].thme: unknown key 'thme'"],
    ),
    "no days": (lambda d: d.update(days=[]), ["days:"]),
    "a newer plan format": (lambda d: d.update(csw_plan=3), ["csw_plan", "re-plan"]),
    "a version-1 plan": (lambda d: d.update(csw_plan=1), ["csw_plan", "version-1 plan", "--force"]),
    "an invalid idea in ideas": (
        lambda d: d["ideas"][d["days"][0]["theme"]].update(span="party"),
        [".span:", "(found 'party')"],
    ),
    # days name an idea by its key under ideas, the exports by its own id: they must agree
    "an idea whose id is not its key": (
        lambda d: d["ideas"][d["days"][0]["theme"]].update(id="another-id"),
        [".id: 'another-id' differs from its key"],
    ),
    "a budget that is not a number": (lambda d: d["team"].update(budget=float("nan")), ["team.budget"]),
    "an infinite budget": (lambda d: d["team"].update(budget=float("inf")), ["team.budget"]),
    "an infinite sum raised": (lambda d: d.update(raised=float("inf")), ["raised"]),
    # the name and the team go into the one-line comment at the top of plan.yaml
    "a name on two lines": (
        lambda d: d["organization"].update(name="Acme\nSupport"),
        ["organization.name", "one line"],
    ),
    "a team name with a line separator": (
        lambda d: d["organization"].update(team="Care\u2028Team"),
        ["organization.team", "one line"],
    ),
    "a year out of range": (lambda d: d.update(year=1), ["year:"]),
}

# case -> (text edit of plan.yaml, fragments)
TEXT_EDITS: dict[str, tuple[Callable[[str], str], list[str]]] = {
    "an unclosed quote": (
        lambda t: t.replace("theme: Mission Possible", "theme: 'Mission Possible"),
        ["invalid YAML"],
    ),
    "a python tag": (
        lambda t: t.replace("theme: Mission Possible", "theme: !!python/object/apply:os.getcwd []"),
        ["invalid YAML", "python/object/apply"],
    ),
}

# Texts that are YAML but not a plan.
NOT_A_PLAN: dict[str, Callable[[str], str]] = {
    "an empty file": lambda _: "",
    "only comments": lambda t: "".join(line for line in t.splitlines(True) if line.startswith("#")),
    "a list at the top": lambda t: "- " + t.replace("\n", "\n  "),
}

# Texts that are YAML but nested deeper than any plan (libyaml's own composer crashes Python, a
# segfault, past about 10,000 levels).
TOO_DEEP = {
    "flow": lambda t: t.replace("notes: []", "notes: " + "[" * 100_000 + "]" * 100_000),
    "block": lambda t: t.replace("notes: []", "notes:\n" + "- " * 100_000 + "x"),
}

# static files in tests/corpus/plan/ -> fragments
NOT_PLANS = {
    "an-idea-bank.yaml": ["an-idea-bank.yaml:1: not a plan"],
    "recipients.csv": ["recipients.csv:1: not a plan"],
    "a-scalar.yaml": ["a-scalar.yaml:1: not a plan"],
    "a-csw-toml.toml": ["a-csw-toml.toml"],
}


def render_case(tmp_path: Path, text: str, *fragments: str, hint: bool = True) -> str:
    plan = make_plan_folder(tmp_path)
    plan.write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    result = run_cli("render", plan.relative_to(tmp_path), cwd=tmp_path)  # no test name in the message
    message = assert_short_error(result, *fragments)
    assert snapshot(tmp_path) == before, "a failing render leaves the folder byte-identical"
    if hint:
        assert "Fix the plan file" in message or "re-plan" in message, "what to do"
    return message


def edited(edit: Callable[[Data], object]) -> str:
    from tests.test_bad_support import base_plan_text

    data = yaml.safe_load(base_plan_text())
    edit(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.mark.parametrize("case", list(EDITS))
def test_a_bad_hand_edit_exits_2_naming_line_and_field(tmp_path: Path, case: str) -> None:
    edit, fragments = EDITS[case]
    render_case(tmp_path, edited(edit), *fragments)
    # the line of the field, not always the top of the file
    result = run_cli("render", "csw-2025/plan.yaml", cwd=tmp_path)
    place = result.stderr.split("plan.yaml:", 1)[1].split(":", 1)[0]
    assert place.isdigit(), result.stderr
    top = ("a deleted ideas key", "an unknown key", "a newer plan format", "a version-1 plan", "no days")
    if case not in top:
        assert int(place) > 1, f"line {place}: {result.stderr}"


@pytest.mark.parametrize("case", list(TEXT_EDITS))
def test_a_broken_plan_text_exits_2(tmp_path: Path, case: str) -> None:
    from tests.test_bad_support import base_plan_text

    edit, fragments = TEXT_EDITS[case]
    render_case(tmp_path, edit(base_plan_text()), *fragments)


@pytest.mark.parametrize("case", list(NOT_A_PLAN))
def test_a_text_that_is_not_a_plan_exits_2(tmp_path: Path, case: str) -> None:
    from tests.test_bad_support import base_plan_text

    render_case(tmp_path, NOT_A_PLAN[case](base_plan_text()), "plan.yaml:1: not a plan", hint=False)


# Guards: 'not a plan' ends with what to do, like every other plan error.
@pytest.mark.parametrize("case", list(NOT_A_PLAN))
def test_not_a_plan_says_what_to_do(tmp_path: Path, case: str) -> None:
    from tests.test_bad_support import base_plan_text

    render_case(tmp_path, NOT_A_PLAN[case](base_plan_text()), "plan.yaml:1: not a plan")


@pytest.mark.parametrize("case", list(TOO_DEEP))
def test_a_plan_nested_too_deep_exits_2(tmp_path: Path, case: str) -> None:
    from tests.test_bad_support import base_plan_text

    render_case(tmp_path, TOO_DEEP[case](base_plan_text()), "plan.yaml:", "nested more than")


@pytest.mark.parametrize("name", list(NOT_PLANS))
def test_a_file_that_is_not_a_plan(tmp_path: Path, name: str) -> None:
    shutil.copy(CORPUS / "plan" / name, tmp_path / name)
    before = snapshot(tmp_path)
    result = run_cli("render", name, cwd=tmp_path)
    assert_short_error(result, *NOT_PLANS[name])
    assert snapshot(tmp_path) == before


# Guards: libyaml does not name the tab; csw looks at the line and says 'not tabs'.
def test_a_tab_indent_in_the_plan_says_tabs(tmp_path: Path) -> None:
    from tests.test_bad_support import base_plan_text

    text = base_plan_text().replace("\n  name: Our Company", "\n\tname: Our Company")
    render_case(tmp_path, text, "plan.yaml:14", "invalid YAML", "not tabs")


# Guards: a whole-plan rule names its item (prep[3].idea) and that item's line.
def test_a_prep_task_of_an_unknown_idea_names_its_line(tmp_path: Path) -> None:
    text = edited(lambda d: d["prep"][3].update(idea="no-such-idea"))
    message = render_case(tmp_path, text, "prep[3]", "'no-such-idea'")
    line = int(message.split("plan.yaml:", 1)[1].split(":", 1)[0])
    assert line > 1, message


def test_every_corpus_file_has_a_case() -> None:
    assert sorted(p.name for p in (CORPUS / "plan").iterdir()) == sorted([*NOT_PLANS, "non-utf8.yaml"])


def test_a_missing_plan_and_a_directory(tmp_path: Path) -> None:
    assert_short_error(
        run_cli("render", "nowhere/plan.yaml", cwd=tmp_path), "nowhere/plan.yaml: no such plan"
    )
    (tmp_path / "plan.yaml").mkdir()
    assert_short_error(run_cli("render", "plan.yaml", cwd=tmp_path), "plan.yaml")
    assert snapshot(tmp_path) == {}


def test_a_plan_with_a_bom_renders(tmp_path: Path) -> None:
    plan = make_plan_folder(tmp_path)
    plan.write_bytes(b"\xef\xbb\xbf" + plan.read_bytes())
    assert run_cli("render", plan, cwd=tmp_path).exit_code == 0


# Guards: not the codec's 'can't decode byte 0xe9 in position ...' but a line and what to do.
def test_a_plan_that_is_not_utf8_names_the_line_and_says_to_save_as_utf8(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "plan" / "non-utf8.yaml", tmp_path / "plan.yaml")
    assert_short_error(run_cli("render", "plan.yaml", cwd=tmp_path), "plan.yaml:3", "UTF-8")


def test_planning_over_a_plan_that_is_not_utf8_says_so_and_leaves_it(tmp_path: Path) -> None:
    (tmp_path / "csw-2025").mkdir()
    shutil.copy(CORPUS / "plan" / "non-utf8.yaml", tmp_path / "csw-2025" / "plan.yaml")
    before = (tmp_path / "csw-2025" / "plan.yaml").read_bytes()
    result = run_cli("plan", "2025", cwd=tmp_path)
    assert_short_error(result, "csw-2025/plan.yaml:3", "not UTF-8", "--force")
    assert (tmp_path / "csw-2025" / "plan.yaml").read_bytes() == before


# --- defects found by the bad-input corpus, fixed: these guard them ------------------------------


# Guards: `end: 17:30` (YAML 1.1 reads 1050) in team.shifts reads as 17:30, as in sessions.
def test_an_unquoted_shift_time_reads_as_a_time(tmp_path: Path) -> None:
    plan = make_plan_folder(tmp_path)
    text = plan.read_text(encoding="utf-8")
    assert "    end: '17:00'\n" in text
    plan.write_text(text.replace("    end: '17:00'\n", "    end: 17:30\n"), encoding="utf-8")
    result = run_cli("render", plan, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr


# Guards: plan.Organization checks the zone as csw.toml does (was ZoneInfoNotFoundError).
def test_an_unknown_time_zone_in_the_plan_is_a_clean_error(tmp_path: Path) -> None:
    render_case(
        tmp_path,
        edited(lambda d: d["organization"].update(timezone="Mars/Olympus")),
        "organization.timezone",
    )


# Guards: plan.Organization checks the domain as csw.toml does (a line break forged headers).
def test_a_bad_domain_in_the_plan_is_a_clean_error(tmp_path: Path) -> None:
    render_case(
        tmp_path,
        edited(lambda d: d["organization"].update(domain="acme.example\nBcc: evil@attacker.example")),
        "organization.domain",
    )


# Guards: an alias to its own anchor (days: &d [*d]) was a RecursionError in yamlfile._index.
def test_a_recursive_alias_in_the_plan(tmp_path: Path) -> None:
    from tests.test_bad_support import base_plan_text

    text = base_plan_text().replace("\ndays:\n", "\ndays: &d\n- *d\n", 1)
    render_case(tmp_path, text, "days[0]")


# Guards: a 'billion laughs' (9**9 values in 1 KB) is refused at once, not walked for hours.
def test_an_alias_bomb_in_the_plan_is_answered_quickly(tmp_path: Path) -> None:
    from tests.test_bad_support import base_plan_text

    bomb = ["lol0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"lol{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 9) + "]" for n in range(1, 9)]
    text = base_plan_text().replace("notes: []", "\n".join(bomb) + "\nnotes: *x8")
    assert "notes: *x8" in text
    within(5, "csw render of a plan with an alias bomb", lambda: render_case(tmp_path, text, "aliases"))


# Guards: two theme: keys in a day were accepted silently (the last one won).
def test_a_duplicate_key_in_the_plan_is_refused(tmp_path: Path) -> None:
    from tests.test_bad_support import base_plan_text

    text = base_plan_text()
    first, second = [line.split(": ")[1] for line in text.splitlines() if line.startswith("  theme: ")][:2]
    text = text.replace(f"\n  theme: {first}\n", f"\n  theme: {first}\n  theme: {second}\n", 1)
    render_case(tmp_path, text, "theme")


# Guards: dates far from the plan's year (year 1, 9999) overflowed in the calendar export.
@pytest.mark.parametrize("edit", ["week.start", "week.end", "prep.due"])
def test_a_date_at_the_end_of_time_in_the_plan_is_a_clean_error(tmp_path: Path, edit: str) -> None:
    from datetime import date

    def change(d: Data) -> None:
        if edit == "week.start":
            d["week"]["start"] = date(1, 1, 3)
        elif edit == "week.end":
            d["week"]["end"] = date(9999, 12, 31)
        else:
            d["prep"][0]["due"] = date(9999, 12, 31)

    render_case(tmp_path, edited(change), edit.split(".")[0])


@pytest.mark.parametrize("year", ["1900", "9999"])
def test_a_plan_for_the_first_or_last_year_plans_and_renders(tmp_path: Path, year: str) -> None:
    # the dates allowed around the plan's year stop at the ends of the calendar, without overflow
    planned = run_cli("plan", year, cwd=tmp_path)
    assert planned.exit_code == 0, planned.stderr
    rendered = run_cli("render", f"csw-{year}/plan.yaml", cwd=tmp_path)
    assert rendered.exit_code == 0, rendered.stderr


def test_a_kudo_received_years_ago_still_renders(tmp_path: Path) -> None:
    # only the plan's own dates are bounded: a customer's words may be older than the year before
    from datetime import date

    def add_old_kudo(d: Data) -> None:
        kudo = {"date": d["days"][0]["date"], "rep": "Pat", "quote": "Kind.", "channel": "email"}
        d["kudos"].append({**kudo, "received": date(2019, 5, 2)})

    plan = make_plan_folder(tmp_path)
    plan.write_text(edited(add_old_kudo), encoding="utf-8")
    result = run_cli("render", plan, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
