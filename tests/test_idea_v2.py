"""The idea, version 2: the built-in bank in the new fields, version-1 banks still loading, and the
contradictions `csw ideas check` finds between an idea's text and its fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csw.ideas.lint import idea_findings
from csw.ideas.model import Format, Goal, Idea, Meal, Role, Span
from csw.settings.config import Mode
from tests.plans import bank

REPO = Path(__file__).resolve().parent.parent


def free(idea: Idea) -> bool:
    return idea.cost(400, remote_reps=200) == 0 and idea.cost(8) == 0


def test_the_built_in_bank_is_large_and_every_idea_is_written_in_version_2() -> None:
    ideas = list(bank().values())
    assert len(ideas) >= 140
    for path in sorted((REPO / "ideas").glob("*.yaml")):
        assert "\n  kind:" not in path.read_text(encoding="utf-8"), f"{path.name} still has version-1 ideas"
    for idea in ideas:
        assert idea.pitch and idea.goals, idea.id
    assert {g for i in ideas for g in i.goals} == set(Goal)


def test_the_bank_holds_a_free_week_of_seven_days_and_a_shape_for_every_team() -> None:
    ideas = list(bank().values())
    free_days = [i for i in ideas if i.span is Span.day and free(i)]
    free_activities = [i for i in ideas if i.span in (Span.slot, Span.daily, Span.week) and free(i)]
    assert len(free_days) >= 8
    assert len(free_activities) >= 21
    for mode in Mode:
        usable = [i for i in ideas if i.works_for(mode)]
        for role in Role:
            assert any(i.role is role and free(i) for i in usable), (mode, role)
        assert any(i.span is Span.week and free(i) for i in usable), mode
        assert any(i.span is Span.daily and free(i) for i in usable), mode
    assert {i.meal for i in ideas} >= set(Meal)
    assert {i.format for i in ideas} == set(Format)
    assert sum(i.remote is not None for i in ideas) >= 25, "a remote form wherever one makes sense"
    for idea in ideas:
        if idea.remote and Mode.remote not in idea.modes:
            assert idea.remote.how_to, f"{idea.id}: how a team that is all remote runs it"


def test_no_paid_idea_costs_the_same_for_8_reps_and_for_400() -> None:
    for idea in bank().values():
        if idea.cost(8):
            assert idea.cost(400) > idea.cost(8), idea.id


def test_the_text_of_every_built_in_idea_agrees_with_its_fields(csw) -> None:
    findings = {i: idea_findings(idea) for i, idea in bank().items() if idea_findings(idea)}
    assert findings == {}
    result = csw("ideas", "check")
    assert result.exit_code == 0, result.stdout
    assert "no problems" in result.stdout


V1_BANK = """\
- id: old-style-day
  title: Old Style Day
  category: dress-up
  kind: theme
  summary: A themed day written before version 2.
  how_to: Wear something old.
  modes: [onsite, remote, hybrid]
- id: old-style-quiz
  title: Old Style Quiz
  category: games
  kind: activity
  summary: A quiz written before version 2.
  how_to: Ask questions.
  duration_minutes: 30
  modes: [onsite]
  fixed_cost: 40
  off_phones: true
"""


def test_a_version_1_bank_loads_mapped_to_the_new_fields_and_check_says_how_to_upgrade(csw, write) -> None:
    path = write("old.yaml", V1_BANK)
    listed = csw("ideas", "list", "--ideas", str(path), "--json")
    assert listed.exit_code == 0, listed.stderr
    ideas = {i["id"]: i for i in json.loads(listed.stdout)}
    assert ideas["old-style-day"]["span"] == "day" and ideas["old-style-day"]["format"] == "desk"
    assert ideas["old-style-quiz"]["span"] == "slot" and ideas["old-style-quiz"]["format"] == "waves"
    assert "kind" not in ideas["old-style-quiz"] and "off_phones" not in ideas["old-style-quiz"]
    checked = csw("ideas", "check", str(path))
    assert checked.exit_code == 1
    assert f"{path}:1: 2 ideas are in the version-1 form" in checked.stdout
    assert "`span: day`" in checked.stdout and "`format: waves`" in checked.stdout
    assert "no pitch" in checked.stdout and "the same for 8 reps and for 400" in checked.stdout


def test_ideas_list_json_carries_the_version_2_fields(csw) -> None:
    result = csw("ideas", "list", "--json", "--span", "week")
    ideas = json.loads(result.stdout)
    assert ideas and all(i["span"] == "week" for i in ideas)
    for field in (
        "role",
        "format",
        "meal",
        "pitch",
        "capacity",
        "goals",
        "conflicts",
        "remote",
        "cost_per_group",
    ):
        assert field in ideas[0]


def idea(**fields: object) -> Idea:
    base: dict[str, object] = {
        "id": "probe",
        "title": "Probe",
        "category": "games",
        "span": "slot",
        "format": "waves",
        "summary": "A probe.",
        "pitch": "Come and play with your team.",
        "how_to": "1. Play.",
        "duration_minutes": 30,
        "modes": ["onsite"],
        "goals": ["boost-morale"],
    }
    return Idea.model_validate(base | fields)


CONTRADICTIONS = {
    "a weekday in a slot idea": ({"summary": "Played on Friday afternoon."}, "names 'Friday'"),
    "all week in a slot idea": ({"pitch": "Play all week long with your team."}, "says 'all week"),
    "every day in a themed day": (
        {"span": "day", "format": "desk", "duration_minutes": 0, "how_to": "Remind people every day."},
        "says 'every day'",
    ),
    "a wave count": ({"how_to": "1. Run it in two waves."}, "'two waves'"),
    "waves at the desk": ({"format": "desk", "how_to": "1. Reps join in waves."}, "mentions waves"),
    "a length that disagrees": ({"summary": "A 45-minute quiz."}, "says '45-minute'"),
    "a break room in a remote form": (
        {"remote": {"summary": "Remote reps get snacks in the break room.", "pitch": "Grab yours."}},
        "mentions 'break room'",
    ),
    "a jar in a remote form": (
        {"remote": {"summary": "Guess the jar on camera.", "pitch": "Guess how many."}},
        "mentions 'jar'",
    ),
    "a remote task in the onsite prep": (
        {
            "remote": {"summary": "A delivery credit.", "pitch": "Order on us."},
            "prep": [{"task": "Send credits to remote reps", "days_before": 2}],
        },
        "move it to remote.prep",
    ),
    "a remote form that does not say who gets it": (
        {"remote": {"summary": "A delivery credit.", "pitch": "Order on us."}},
        "begin it with 'Remote reps'",
    ),
    "a break room in a remote how-to": (
        {
            "remote": {
                "summary": "Remote reps get a credit.",
                "pitch": "Order on us.",
                "how_to": "1. Meet in the break room.",
            }
        },
        "remote.how_to mentions 'break room'",
    ),
    "a fixed cost only": ({"fixed_cost": 150}, "the same for 8 reps and for 400"),
    "prep out of order": (
        {"prep": [{"task": "Mail the kits", "days_before": 2}, {"task": "Buy the kits", "days_before": 7}]},
        "not listed in the order",
    ),
    "a pitch to the coordinator": ({"pitch": "Book the room early."}, "does not speak to the reps"),
    "a long breakfast sitting": ({"meal": "breakfast", "duration_minutes": 60}, "breakfast sitting of 60"),
}


@pytest.mark.parametrize("case", list(CONTRADICTIONS))
def test_check_finds_text_that_contradicts_the_fields(case: str) -> None:
    fields, expected = CONTRADICTIONS[case]
    findings = idea_findings(idea(**fields))
    assert any(expected in finding for finding in findings), findings
    assert idea_findings(idea()) == [], "the probe itself is clean"


RULES = {
    "a slot without a length": ({"duration_minutes": 0}, "needs duration_minutes"),
    "a themed day with a length": (
        {"span": "day", "format": "desk", "duration_minutes": 30},
        "has no duration",
    ),
    "appointments without slots": ({"format": "appointments"}, "needs slot_minutes"),
    "a week item in waves": ({"span": "week", "duration_minutes": 0}, "done at the desk"),
    "a role on a week item": (
        {"span": "week", "format": "desk", "duration_minutes": 0, "role": "finale"},
        "role",
    ),
    "a meal all day": ({"span": "day", "format": "desk", "duration_minutes": 0, "meal": "lunch"}, "a meal"),
}


@pytest.mark.parametrize("case", list(RULES))
def test_the_model_refuses_what_cannot_be_planned(case: str) -> None:
    from pydantic import ValidationError

    fields, expected = RULES[case]
    with pytest.raises(ValidationError, match=expected):
        idea(**fields)


def test_costs_scale_by_person_by_group_and_remote_form() -> None:
    probe = idea(
        cost_per_person=2,
        cost_per_group=25,
        fixed_cost=100,
        remote={"summary": "A credit.", "pitch": "Order on us.", "cost_per_person": 5},
    )
    assert probe.cost(8) == 2 * 8 + 25 + 100
    assert probe.cost(400) == 2 * 400 + 25 * 16 + 100
    assert probe.cost(40, remote_reps=10) == 2 * 30 + 25 * 2 + 100 + 5 * 10
    assert probe.cost(40, remote_reps=40) == 5 * 40, "no onsite reps, no onsite cost"
