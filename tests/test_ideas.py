"""The idea bank: the built-in ideas, `csw ideas list/show/check`, user banks, errors with file:line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from csw.ideas.bank import Category, Span, load_bank
from csw.settings.config import Mode

GOOD_IDEA = """
- id: taco-tuesday
  title: Taco Tuesday
  category: food
  span: slot
  summary: A taco bar for the whole team.
  how_to: |
    1. Order tacos.
  duration_minutes: 30
  time_of_day: midday
  modes: [onsite]
  cost_per_person: 9
  format: waves
  prep:
    - task: Order the taco bar
      days_before: 7
  pitch: Build your own tacos with the team.
  goals: [boost-morale]
"""


def builtin() -> list:
    bank, problems = load_bank()
    assert problems == []
    return list(bank.ideas.values())


def test_builtin_bank_is_big_varied_and_remote_friendly() -> None:
    ideas = builtin()
    assert len(ideas) >= 80
    assert sum(i.span is Span.day for i in ideas) >= 15
    assert sum(i.works_for(Mode.remote) for i in ideas) >= 25
    assert set(Counter(i.category for i in ideas)) == set(Category)
    for idea in ideas:
        assert idea.how_to.count("\n") >= 2, f"{idea.id}: the how-to should be real steps"
        assert not idea.timed or idea.session_minutes > 0


def test_builtin_bank_covers_what_the_community_does() -> None:
    text = " ".join(f"{i.id} {i.title} {i.summary} {i.how_to}" for i in builtin()).lower()
    for topic in [
        "pajama",
        "superhero",
        "jail",
        "parole",
        "breakfast",
        "lunch",
        "candy",
        "donut",
        "ice cream",
        "spirit",
        "certificate",
        "award",
        "workshop",
        "training",
        "customer appreciation",
        "social media",
        "customer comment",
        "stories",
        "improvement",
        "ceo",
        "it",
        "hr",
        "product",
        "marketing",
        "sales",
        "video",
        "decorat",
        "prize",
        "bingo",
        "trivia",
    ]:
        assert topic in text, topic


def test_one_file_per_category() -> None:
    from csw.core.resources import builtin_dir

    files = sorted(p.stem for p in builtin_dir("ideas").glob("*.yaml"))
    assert files == sorted(c.value for c in Category)
    for path in builtin_dir("ideas").glob("*.yaml"):
        assert {item["category"] for item in yaml.safe_load(path.read_text())} == {path.stem}


def test_list_filters_and_json(csw) -> None:
    result = csw("ideas", "list", "--category", "charity", "--mode", "remote", "--span", "slot", "--json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert records and all(r["category"] == "charity" and r["span"] == "slot" for r in records)
    assert all("remote" in r["modes"] or r["remote"] for r in records)
    table = csw("ideas", "list", "--category", "charity").stdout
    assert "charity-jail" in table or "jail" in table.lower()
    assert table.rstrip().endswith("ideas")


def test_list_rejects_an_unknown_category(csw) -> None:
    result = csw("ideas", "list", "--category", "snacks")
    result.assert_clean_error()
    assert "--category snacks: choose one of dress-up, food" in result.stderr


def test_show_one_idea_in_full(csw) -> None:
    result = csw("ideas", "show", "pajama-day")
    assert result.exit_code == 0
    assert result.stdout.startswith("Pajama Day (pajama-day)\n")
    assert "How to run it:" in result.stdout and "1. " in result.stdout
    assert "ideas/dress-up.yaml:" in result.stdout


def test_show_unknown_id_suggests(csw) -> None:
    result = csw("ideas", "show", "pajamas-day")
    result.assert_clean_error()
    assert "no idea with id 'pajamas-day'" in result.stderr and "pajama-day" in result.stderr


def test_user_bank_adds_and_replaces_builtin(csw, write) -> None:
    write(
        "mine/food.yaml",
        GOOD_IDEA
        + GOOD_IDEA.replace("taco-tuesday", "pajama-day")
        .replace("span: slot", "span: day")
        .replace("format: waves", "format: desk")
        .replace("duration_minutes: 30", "duration_minutes: 0"),
    )
    result = csw("ideas", "show", "taco-tuesday", "--ideas", "mine")
    assert result.exit_code == 0 and "Taco Tuesday" in result.stdout
    replaced = csw("ideas", "show", "pajama-day", "--ideas", "mine/food.yaml").stdout
    assert replaced.startswith("Taco Tuesday (pajama-day)") and "mine/food.yaml:" in replaced


def test_config_ideas_paths_are_relative_to_the_config(csw, write) -> None:
    write("team/banks/extra.yaml", GOOD_IDEA)
    write("team/csw.toml", '[ideas]\npaths = ["banks"]\n')
    assert csw("ideas", "show", "taco-tuesday", "--config", "team/csw.toml").exit_code == 0


BAD_BANKS = {
    "bad YAML": ("- id: x\n  title: [unclosed\n", ":3:", "invalid YAML: while parsing a flow sequence"),
    "tabs": ("- id: x\n\ttitle: y\n", ":2:", "tabs"),
    "empty file": ("", ":1:", "the file is empty"),
    "a mapping": ("id: x\n", ":1:", "a YAML list of ideas"),
    "missing field": (
        GOOD_IDEA.replace("  summary: A taco bar for the whole team.\n", ""),
        ":1:",
        "taco-tuesday.summary: is required but missing",
    ),
    "wrong enum": (
        GOOD_IDEA.replace("category: food", "category: snacks"),
        ":3:",
        "taco-tuesday.category: Input should be",
    ),
    "unknown key": (
        GOOD_IDEA.replace("  format: waves", "  formats: waves"),
        ":12:",
        "unknown key 'formats'; did you mean 'format'?",
    ),
    "bad slug": (
        GOOD_IDEA.replace("taco-tuesday", "Taco Tuesday"),
        ":1:",
        "Taco Tuesday.id: String should match",
    ),
    "negative cost": (
        GOOD_IDEA.replace("cost_per_person: 9", "cost_per_person: -9"),
        ":11:",
        "taco-tuesday.cost_per_person",
    ),
    "prep lead time": (
        GOOD_IDEA.replace("days_before: 7", "days_before: soon"),
        ":15:",
        "taco-tuesday.prep[0].days_before",
    ),
    "activity without duration": (
        GOOD_IDEA.replace("duration_minutes: 30", "duration_minutes: 0"),
        ":8:",
        "taco-tuesday.duration_minutes: a slot idea needs duration_minutes greater than 0",
    ),
    "duplicate ids": (GOOD_IDEA + GOOD_IDEA, ":19:", "id 'taco-tuesday' is already used at"),
}


@pytest.mark.parametrize("case", list(BAD_BANKS))
def test_check_reports_file_line_and_field_and_exits_1(csw, write, case: str) -> None:
    text, line, message = BAD_BANKS[case]
    path = write("bank.yaml", text)
    result = csw("ideas", "check", path)
    assert result.exit_code == 1, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{path}{line}" in result.stdout, result.stdout
    assert message in result.stdout


def test_check_lists_every_error_at_once(csw, write) -> None:
    bad = GOOD_IDEA.replace("category: food", "category: snacks").replace(
        "cost_per_person: 9", "cost_per_person: x"
    )
    first = write("a.yaml", bad)
    second = write("b.yaml", "- [")
    result = csw("ideas", "check", first, second)
    assert result.exit_code == 1
    assert result.stdout.count(str(first)) == 2 and str(second) in result.stdout
    assert "3 problems found" in result.stderr


def test_check_of_the_builtin_bank_is_clean(csw) -> None:
    result = csw("ideas", "check")
    assert result.exit_code == 0 and result.stdout.startswith("ok: ")


def test_a_broken_user_bank_stops_planning_with_exit_2(csw, write) -> None:
    path = write("bank.yaml", GOOD_IDEA.replace("span: slot", "span: party"))
    result = csw("plan", "2025", "--ideas", path)
    result.assert_clean_error()
    assert f"{path}:4: taco-tuesday.span" in result.stderr
    assert not Path("csw-2025").exists()


def test_missing_bank_file(csw) -> None:
    result = csw("ideas", "check", "nope.yaml")
    assert result.exit_code == 1 and "nope.yaml: no such file" in result.stdout
