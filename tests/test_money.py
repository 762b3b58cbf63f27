"""Money: the built-in bank is priced in USD, a team pays in its currency at team.usd_rate.

A team in GBP at 0.5 pounds a dollar, with half the dollar budget, gets the dollar team's week
with every cost halved; without a rate csw refuses (exit 2, naming team.usd_rate and csw.toml);
a user bank says its own `currency:`, which is taken as it is for a team in that currency and
refused for a team in a third one; a plan.yaml that lost its rate is refused at its line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from csw.plan.file import load_plan
from csw.plan.model import idea_cost

TEAM = """
[organization]
locale = "{locale}"

[team]
headcount = 40
mode = "hybrid"
budget = {budget}
currency = "{currency}"
{rate}
"""

EURO_BANK = """
currency: EUR
ideas:
  - id: euro-pastry-morning
    title: Euro Pastry Morning
    category: food
    span: slot
    format: waves
    meal: breakfast
    summary: Pastries from the bakery on the corner, eaten in waves.
    pitch: Grab a pastry on your break; the bakery on the corner baked them this morning.
    how_to: |
      1. Order the pastries two days ahead.
      2. Set them out in the break room before the first wave.
    duration_minutes: 20
    capacity: 20
    location: Break room
    modes: [onsite, hybrid]
    cost_per_person: 3
    fixed_cost: 10
    goals: [boost-morale, reward-reps]
    prep:
      - task: Order the pastries
        days_before: 2
"""


def plan_of(csw, write, tmp_path: Path, *args: str, **team: object) -> dict:
    values = {"locale": "en_US", "budget": 2000, "currency": "USD", "rate": ""} | team
    write("csw.toml", TEAM.format(**values))
    result = csw("plan", "2025", "--format", "json", "--force", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads((tmp_path / "csw-2025" / "plan.json").read_text(encoding="utf-8"))


def ids(plan: dict) -> list[list[str]]:
    return [[day["theme"], *(a["idea"] for a in day["activities"])] for day in plan["days"]]


def test_a_team_in_pounds_pays_the_dollar_prices_at_its_rate(csw, write, tmp_path: Path) -> None:
    dollars = plan_of(csw, write, tmp_path)
    pounds = plan_of(csw, write, tmp_path, budget=1000, currency="GBP", rate="usd_rate = 0.5")
    assert ids(pounds) == ids(dollars) and pounds["all_week"] == dollars["all_week"], "the same week"
    assert pounds["spent"] == pytest.approx(dollars["spent"] * 0.5, abs=0.01 * len(pounds["ideas"]))
    assert pounds["team"]["usd_rate"] == 0.5 and "usd_rate" not in dollars["team"]
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    for idea_id, idea in plan.ideas.items():
        in_usd = idea_cost(idea, plan.team.model_copy(update={"currency": "USD", "usd_rate": None}))
        assert plan.cost_of(idea_id) == pytest.approx(in_usd * 0.5, abs=0.01), idea_id
    header = (tmp_path / "csw-2025" / "plan.yaml").read_text(encoding="utf-8").split("csw-checksum")[0]
    assert "£" in header and "$" not in header.split("Prices under")[0]
    assert "at 0.5 GBP a dollar" in header, "plan.yaml says its prices are in USD"


def test_the_agenda_budget_is_in_the_teams_currency(csw, write, tmp_path: Path) -> None:
    from babel.numbers import get_currency_symbol

    plan_of(csw, write, tmp_path, budget=300_000, currency="JPY", rate="usd_rate = 150")
    csw("render", "csw-2025/plan.yaml", "--format", "md")
    agenda = (tmp_path / "csw-2025" / "agenda.md").read_text(encoding="utf-8")
    budget = agenda.split("## Budget")[1]
    symbol = get_currency_symbol("JPY", locale="en_US")
    rows = [line for line in budget.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows and all(symbol in line for line in rows if "Budget" in line or "Spent" in line)
    assert "$" not in budget and ".00" not in budget, "yen have no minor units"


def test_a_team_in_another_currency_without_a_rate_is_refused(csw, write) -> None:
    write("csw.toml", TEAM.format(locale="en_GB", budget=1500, currency="GBP", rate=""))
    result = csw("plan", "2025")
    result.assert_clean_error(2)
    assert "team.usd_rate" in result.stderr and "csw.toml" in result.stderr and "USD" in result.stderr
    assert not Path("csw-2025").exists()


def test_a_teams_entry_in_another_currency_does_not_take_the_teams_rate(csw, write) -> None:
    write(
        "csw.toml",
        TEAM.format(locale="en_GB", budget=1500, currency="GBP", rate="usd_rate = 0.8")
        + '\n[[teams]]\nname = "Berlin"\ncurrency = "EUR"\n',
    )
    result = csw("plan", "2025")
    result.assert_clean_error(2)
    assert "teams[0].usd_rate" in result.stderr


def test_a_bank_in_the_teams_currency_is_taken_as_it_is(csw, write, tmp_path: Path) -> None:
    write("euro.yaml", EURO_BANK)
    plan = plan_of(
        csw, write, tmp_path, "--ideas", "euro.yaml", "--pin", "tue=euro-pastry-morning",
        budget=1800, currency="EUR", rate="usd_rate = 0.9",
    )  # fmt: skip
    loaded = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    pastry = loaded.ideas["euro-pastry-morning"]
    assert pastry.currency == "EUR" and plan["ideas"]["euro-pastry-morning"]["currency"] == "EUR"
    onsite = 40 - loaded.team.remote_reps
    assert loaded.cost_of("euro-pastry-morning") == 3 * onsite + 10, "euros, not converted"
    assert "currency" not in plan["ideas"][plan["days"][0]["theme"]], "USD ideas read as before"


def test_a_bank_in_a_third_currency_is_refused_with_its_file_and_line(csw, write) -> None:
    write("euro.yaml", EURO_BANK)
    write("csw.toml", TEAM.format(locale="en_GB", budget=1500, currency="GBP", rate="usd_rate = 0.8"))
    result = csw("plan", "2025", "--ideas", "euro.yaml")
    result.assert_clean_error(2)
    assert "euro.yaml:3" in result.stderr and "EUR" in result.stderr and "GBP" in result.stderr


def test_a_bank_with_an_odd_currency_line_is_refused_at_it(csw, write) -> None:
    write("euro.yaml", EURO_BANK.replace("currency: EUR", "currency: euros"))
    result = csw("ideas", "check", "euro.yaml")
    assert result.exit_code == 1 and "euro.yaml:1: currency" in result.stdout


def test_a_plan_yaml_that_lost_its_rate_is_refused_at_its_line(csw, write, tmp_path: Path) -> None:
    plan_of(csw, write, tmp_path, budget=1000, currency="GBP", rate="usd_rate = 0.5")
    path = tmp_path / "csw-2025" / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["team"]["usd_rate"] == 0.5
    path.write_text(text.replace("  usd_rate: 0.5\n", ""), encoding="utf-8")
    result = csw("render", str(path))
    result.assert_clean_error(2)
    assert "plan.yaml:" in result.stderr and "usd_rate" in result.stderr


def test_an_unknown_currency_code_is_refused_at_its_field(csw, write) -> None:
    write("csw.toml", TEAM.format(locale="en_US", budget=1500, currency="XYZ", rate="usd_rate = 2"))
    result = csw("plan", "2025")
    result.assert_clean_error(2)
    assert "team.currency" in result.stderr and "csw.toml:" in result.stderr


def test_ideas_show_prices_an_idea_in_its_banks_currency(csw, write) -> None:
    from babel.numbers import get_currency_symbol

    write("euro.yaml", EURO_BANK)
    result = csw("ideas", "show", "euro-pastry-morning", "--ideas", "euro.yaml")
    assert result.exit_code == 0, result.stderr
    (cost,) = [line for line in result.stdout.splitlines() if line.startswith("Cost:")]
    assert get_currency_symbol("EUR", locale="en_US") in cost and "$" not in cost
