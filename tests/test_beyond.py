"""Beyond the week: year-round touchpoints, customer kudos, certificates, many teams, the charity total."""

from __future__ import annotations

import json
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from csw.core.locale_formats import full_date, long_date

__all__ = ["chromium"]  # the browser fixture, shared with the poster tests

from csw.cli import PLAIN_TABLE_FROM
from csw.core.parallel import PARALLEL_FROM
from csw.exports.output import DEFAULT_FORMATS, write_teams
from csw.plan.file import load_plan
from csw.planning.request import PlanOptions, plan_teams
from csw.settings.config_file import load_config
from tests.configs import TO_RECIPIENTS
from tests.test_email_compose import content
from tests.test_poster import A4, LETTER, chromium, page_size, pdf_pages, print_pdf

KUDOS = """date,rep,quote,channel,customer
2025-09-01,Sam Ortiz,"Sam sorted my refund in minutes.",phone,Maria Gomez
2025-09-20,Jo Kim,"Jo stayed calm and patient, thank you!",chat,Bob Stone
2025-09-10,Pat Nobody,"Someone was great.",email,Ann
2025-08-01,Sam Ortiz,"Second time Sam saved my day.",email,Lee
"""
ROSTER = """email,name,award
sam@acme.example,Sam Ortiz,
jo@acme.example,Jo Kim,Chat Wizard
ali@acme.example,Ali Khan,
"""


def events(path: Path) -> list:
    return Calendar.from_ical(path.read_bytes()).walk("VEVENT")


# --- year-round ----------------------------------------------------------------------------------


@pytest.mark.parametrize("weekday, nth", [("tue", 1), ("thu", 2), ("mon", 4)])
def test_year_round_has_eleven_distinct_touchpoints_on_the_configured_day(
    csw, write, tmp_path: Path, weekday: str, nth: int
) -> None:
    write("csw.toml", f'[year_round]\nenabled = true\nweekday = "{weekday}"\nnth = {nth}\n')
    assert csw("plan", "2025").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    points = plan.year_round
    assert len(points) == 11 and len({p.idea for p in points}) == 11
    months = [(p.date.year, p.date.month) for p in points]
    assert months == [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 10)]
    index = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(weekday)
    for point in points:
        assert point.date.weekday() == index and (point.date.day - 1) // 7 == nth - 1
        assert "year-round" in plan.idea(point.idea).tags
    agenda = (tmp_path / "csw-2025" / "agenda.md").read_text()
    assert "## The rest of the year" in agenda
    for point in points:
        assert plan.idea(point.idea).title in agenda.split("## The rest of the year")[1]
    touch = [
        e
        for e in events(tmp_path / "csw-2025" / "schedule.ics")
        if "CSW year-round" in [str(c) for c in e["CATEGORIES"].cats]
    ]
    assert sorted(e.decoded("DTSTART") for e in touch) == [p.date for p in points]


def test_year_round_flag_and_monthly_email_on_its_day(csw, write, tmp_path: Path) -> None:
    write("recipients.csv", ROSTER)
    assert csw("plan", "2025", "--year-round").exit_code == 0
    plan_file = tmp_path / "csw-2025" / "plan.yaml"
    first = load_plan(plan_file).year_round[0]
    result = csw(
        "email", "preview", plan_file, *TO_RECIPIENTS, "--only", "monthly", "--due", first.date.isoformat()
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:1] == ["monthly"]
    assert "3 of " in result.stdout
    parser = BytesParser(policy=policy.default)
    monthly = [
        parser.parsebytes(p.read_bytes()) for p in (tmp_path / "csw-2025" / "outbox").glob("*-monthly-*")
    ]
    assert len(monthly) == 11 * 3
    assert all(m["Subject"].startswith("This month's thank-you: ") for m in monthly)
    assert csw("plan", "2025", "--no-year-round", "--force", "--json").stdout.count('"year_round": []') == 1


def test_year_round_needs_enough_tagged_ideas(csw, write) -> None:
    write("csw.toml", '[year_round]\nenabled = true\ntag = "rare"\n')
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert "year-round: it needs 11 different ideas tagged 'rare'" in result.stderr


# --- kudos -----------------------------------------------------------------------------------------


def test_kudos_land_on_the_days_with_the_reps_and_without_customers(csw, write, tmp_path: Path) -> None:
    write("kudos.csv", KUDOS)
    write("roster.csv", ROSTER)
    result = csw("plan", "2025", "--kudos", "kudos.csv", "--roster", "roster.csv")
    assert result.exit_code == 0, result.stderr
    assert "kudos.csv:4: rep 'Pat Nobody' is not on the roster; this comment is left out" in result.stdout
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    freshest_first = [
        ("Jo Kim", date(2025, 10, 6)),
        ("Sam Ortiz", date(2025, 10, 7)),
        ("Sam Ortiz", date(2025, 10, 8)),
    ]
    assert [(k.rep, k.date) for k in plan.kudos] == freshest_first
    assert all(k.customer is None for k in plan.kudos)
    agenda = (tmp_path / "csw-2025" / "agenda.md").read_text()
    monday = agenda.split(f"## {long_date(date(2025, 10, 6))}")[1].split("## Tuesday")[0]
    assert '> "Jo stayed calm and patient, thank you!" (about Jo Kim, by chat)' in monday
    assert "Bob Stone" not in agenda and "Maria Gomez" not in agenda
    write("recipients.csv", ROSTER)
    csw("email", "preview", tmp_path / "csw-2025" / "plan.yaml", "--recipients", "recipients.csv")
    monday_mail = sorted((tmp_path / "csw-2025" / "outbox").glob("*-daily-sam-*"))[0]
    text = BytesParser(policy=policy.default).parsebytes(monday_mail.read_bytes()).get_payload()[0]
    assert '"Jo stayed calm and patient, thank you!" (about Jo Kim)' in content(text)


def test_customer_names_only_when_turned_on(csw, write, tmp_path: Path) -> None:
    write("kudos.csv", KUDOS)
    write("csw.toml", "[kudos]\nshow_customer = true\nper_day = 1\n")
    assert csw("plan", "2025", "--kudos", "kudos.csv").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    assert [k.customer for k in plan.kudos] == ["Bob Stone", "Ann", "Maria Gomez", "Lee"]
    assert "from Bob Stone)" in (tmp_path / "csw-2025" / "agenda.md").read_text()


def test_a_bad_kudos_file_names_every_bad_row(csw, write) -> None:
    write("kudos.csv", "date,rep,quote,channel\nyesterday,Sam,Great,phone\n2025-09-01,,Nice,chat\n")
    result = csw("plan", "2025", "--kudos", "kudos.csv")
    result.assert_clean_error()
    assert "kudos.csv:2: date 'yesterday' is not a date" in result.stderr
    assert "kudos.csv:3: rep is empty" in result.stderr
    write("kudos.csv", "when,who\n")
    assert "missing columns date, rep, quote, channel" in csw("plan", "2025", "--kudos", "kudos.csv").stderr


# --- certificates ------------------------------------------------------------------------------------


def test_certificates_one_page_per_rep(csw, write, tmp_path: Path) -> None:
    write("roster.csv", ROSTER)
    csw("plan", "2025", "--format", "md")
    result = csw("certificates", "csw-2025/plan.yaml", "--roster", "roster.csv")
    assert result.exit_code == 0
    assert result.stdout == "Wrote csw-2025/certificates.html: 3 certificates, one page each.\n"
    html = (tmp_path / "csw-2025" / "certificates.html").read_text()
    assert html.count('<section class="page">') == 3
    assert "Chat Wizard" in html and "Customer Champion" in html and "Mission Possible" in html
    assert full_date(date(2025, 10, 10)) in html


def test_another_departments_contact_gets_no_certificate(csw, write, tmp_path: Path) -> None:
    write("roster.csv", "email,name,team\nsam@acme.example,Sam Ortiz,Care\nravi@acme.example,Ravi Patel,IT\n")
    csw("plan", "2025", "--format", "md")
    result = csw("certificates", "csw-2025/plan.yaml", "--roster", "roster.csv")
    assert result.exit_code == 0, result.stderr
    assert "1 certificate, one page each. None for Ravi Patel (IT)." in result.stdout
    html = (tmp_path / "csw-2025" / "certificates.html").read_text()
    assert "Sam Ortiz" in html and "Ravi Patel" not in html


@pytest.mark.slow
@pytest.mark.parametrize(("locale", "paper"), [("en_US", LETTER), ("en_GB", A4), ("de_DE", A4)])
def test_certificates_print_one_page_per_rep_in_chromium(
    csw, write, tmp_path: Path, chromium: str, locale: str, paper: tuple[float, float]
) -> None:
    rows = "".join(f"r{n}@acme.example,Rep Number {n}\n" for n in range(7))
    write("roster.csv", "email,name\n" + rows)
    write("csw.toml", f'[organization]\nlocale = "{locale}"\n')
    csw("plan", "2025", "--format", "md")
    csw("certificates", "csw-2025/plan.yaml", "--roster", "roster.csv")
    html = (tmp_path / "csw-2025" / "certificates.html").read_text()
    pdf = print_pdf(chromium, tmp_path, html, "certificates")
    assert pdf_pages(pdf) == 7
    assert page_size(pdf) == pytest.approx(paper, abs=1), "the paper of the locale's printers"


# --- many teams ---------------------------------------------------------------------------------------

TEAMS = """
[organization]
name = "Acme"
domain = "acme.example"

[[teams]]
name = "Austin Care"
timezone = "America/Chicago"
headcount = 30
recipients = "austin.csv"

[[teams]]
name = "Dublin Support"
timezone = "Europe/Dublin"
mode = "hybrid"

[[teams.shifts]]
name = "early"
start = "07:00"
end = "15:00"

[[teams]]
name = "Sydney Service"
timezone = "Australia/Sydney"
mode = "remote"
headcount = 12
pins = ["tue=pajama-day"]
"""


def test_three_teams_in_three_time_zones(csw, write, tmp_path: Path) -> None:
    write("csw.toml", TEAMS)
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    assert (
        "3 teams" in result.stdout and "austin-care/" in result.stdout and "Australia/Sydney" in result.stdout
    )
    out = tmp_path / "csw-2025"
    zones = {
        "austin-care": "America/Chicago",
        "dublin-support": "Europe/Dublin",
        "sydney-service": "Australia/Sydney",
    }
    everything = events(out / "schedule.ics")
    for folder, zone in zones.items():
        plan = load_plan(out / folder / "plan.yaml")
        assert plan.organization.timezone == zone
        timed = [
            e for e in events(out / folder / "schedule.ics") if isinstance(e.decoded("DTSTART"), datetime)
        ]
        assert timed
        for event in timed:
            start = event.decoded("DTSTART")
            assert str(start.tzinfo) == zone or start.tzinfo.key == zone  # type: ignore[union-attr]
        day = plan.days[0]
        first = day.activities[0].sessions[0]
        local = datetime.combine(day.date, datetime.strptime(first.start, "%H:%M").time(), ZoneInfo(zone))
        assert any(e.decoded("DTSTART") == local for e in everything), f"{folder} in the combined calendar"
    dublin = load_plan(out / "dublin-support" / "plan.yaml")
    assert [s.name for s in dublin.team.shifts] == ["early"] and dublin.team.mode.value == "hybrid"
    sydney = load_plan(out / "sydney-service" / "plan.yaml")
    assert sydney.days[1].theme == "pajama-day" and sydney.team.headcount == 12
    uids = [str(e["UID"]) for e in everything]
    assert len(uids) == len(set(uids))
    seeds = {load_plan(out / f / "plan.yaml").seed for f in zones}
    assert len(seeds) == 3, "each team its own week"


def test_team_plans_are_deterministic_and_team_limits_the_work(csw, write, tmp_path: Path) -> None:
    write("csw.toml", TEAMS)
    csw("plan", "2025", "--out", "a")
    csw("plan", "2025", "--out", "b")
    for folder in ("austin-care", "dublin-support", "sydney-service"):
        assert (tmp_path / "a" / folder / "plan.yaml").read_bytes() == (
            tmp_path / "b" / folder / "plan.yaml"
        ).read_bytes()
    result = csw("plan", "2025", "--out", "c", "--team", "Dublin Support", "--json")
    assert list(json.loads(result.stdout)) == ["dublin-support"]
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["dublin-support"]
    bad = csw("plan", "2025", "--team", "Paris")
    bad.assert_clean_error()
    assert "--team Paris: no such team (teams: Austin Care, Dublin Support, Sydney Service)" in bad.stderr


def many_teams(count: int) -> str:
    zones = ("America/Chicago", "Europe/Dublin", "Australia/Sydney", "Asia/Kolkata")
    return "".join(
        f'[[teams]]\nname = "Team {n:02d}"\ntimezone = "{zones[n % len(zones)]}"\nheadcount = {10 + n}\n'
        for n in range(count)
    )


def files_in(folder: Path) -> dict[Path, bytes]:
    return {path.relative_to(folder): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_big_organisation_renders_in_parallel_to_the_same_bytes(csw, write, tmp_path: Path) -> None:
    # PARALLEL_FROM teams and more are rendered by worker processes (on Linux): same files as one
    write("csw.toml", many_teams(PARALLEL_FROM + 2))
    result = csw("plan", "2025", "--out", "parallel")
    assert result.exit_code == 0, result.stderr
    plans = plan_teams(load_config(tmp_path / "csw.toml"), PlanOptions(year=2025))
    assert len(plans) == PARALLEL_FROM + 2
    write_teams(plans, tmp_path / "serial", DEFAULT_FORMATS, workers=1)
    assert files_in(tmp_path / "parallel") == files_in(tmp_path / "serial")


def test_a_team_that_cannot_be_planned_in_a_big_organisation_is_a_clean_error(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", many_teams(PARALLEL_FROM + 1) + '[[teams]]\nname = "Tiny"\nper_day = 0\n')
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert "Tiny" in result.stderr and "no opening" in result.stderr and "--per-day" in result.stderr
    assert not (tmp_path / "csw-2025").exists()


def test_a_big_organisations_summary_lists_every_team(csw, write) -> None:
    # past PLAIN_TABLE_FROM teams, a table in a pipe is written by csw rather than Rich
    write("csw.toml", many_teams(PLAIN_TABLE_FROM + 1))
    result = csw("plan", "2025", "--format", "md")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"Customer Service Week 2025: {PLAIN_TABLE_FROM + 1} teams" in lines[0]
    for n in range(PLAIN_TABLE_FROM + 1):
        assert sum(f" Team {n:02d} " in line and f"team-{n:02d}/" in line for line in lines) == 1


def test_an_error_in_a_worker_comes_back_whole(csw, write, tmp_path: Path) -> None:
    write("csw.toml", many_teams(PARALLEL_FROM + 1))
    write("mine/agenda.md.j2", "# {{ plan.year }}\n{{ plan.no_such_thing }}\n")
    result = csw("plan", "2025", "--templates", "mine")
    result.assert_clean_error()
    assert "agenda.md.j2:2" in result.stderr and "no_such_thing" in result.stderr
    assert not (tmp_path / "csw-2025").exists()


def test_email_uses_the_team_recipients_file(csw, write, tmp_path: Path) -> None:
    write("csw.toml", TEAMS)
    write("austin.csv", ROSTER)
    csw("plan", "2025", "--team", "austin-care")
    result = csw("email", "preview", "csw-2025/austin-care/plan.yaml", "--only", "kickoff")
    assert result.exit_code == 0, result.stderr
    assert "3 of " in result.stdout
    missing = csw("email", "preview", "csw-2025/austin-care/plan.yaml", "--recipients", "nope.csv")
    missing.assert_clean_error()


def test_brackets_in_a_team_name_are_printed_as_they_are(csw, write) -> None:
    # Rich read "[EMEA]" as a style tag (dropped) and ":vs:" as an emoji in the summary table
    write("csw.toml", '[[teams]]\nname = "Support [EMEA]"\n[[teams]]\nname = "Care [bold] :vs: Sales"\n')
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    assert "Support [EMEA]" in result.stdout and "Care [bold] :vs: Sales" in result.stdout


def test_a_duplicate_team_name_is_a_config_error(csw, write) -> None:
    write("csw.toml", '[[teams]]\nname = "A"\n[[teams]]\nname = "a"\n')
    result = csw("plan", "2025")
    result.assert_clean_error()
    assert "csw.toml:1: teams: names a team twice" in result.stderr


# --- the charity total --------------------------------------------------------------------------------


def test_raised_on_render_and_in_the_plan_file(csw, write, tmp_path: Path) -> None:
    write("recipients.csv", ROSTER)
    csw("plan", "2025", "--format", "md")
    plan_file = tmp_path / "csw-2025" / "plan.yaml"
    assert csw("render", plan_file, "--format", "md", "--raised", "420").exit_code == 0
    assert "The charity drive raised **$420**." in (tmp_path / "csw-2025" / "agenda.md").read_text()
    plan_file.write_text(plan_file.read_text().replace("raised: null", "raised: 512.5"))
    assert (
        csw("email", "preview", plan_file, "--recipients", "recipients.csv", "--only", "wrapup").exit_code
        == 0
    )
    wrapup = next((tmp_path / "csw-2025" / "outbox").glob("*-wrapup-*"))
    text = BytesParser(policy=policy.default).parsebytes(wrapup.read_bytes()).get_payload()[0]
    assert "Together we raised $512.50 for charity." in " ".join(content(text).split())
