"""`csw render` and the templates: agenda.md as CommonMark, user templates, template errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from csw.core.locale_formats import clock, long_date, money, short_date
from csw.ideas.model import Format, Span
from csw.plan.file import load_plan


def headings(tokens, level: str) -> list[str]:
    return [
        tokens[n + 1].content for n, t in enumerate(tokens) if t.type == "heading_open" and t.tag == level
    ]


def test_agenda_is_commonmark_with_days_task_list_and_budget_table(csw, tmp_path: Path) -> None:
    assert csw("plan", "2025", "--format", "md").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    text = (tmp_path / "csw-2025" / "agenda.md").read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert headings(tokens, "h1") == ["Customer Service Week 2025: Mission Possible"]
    daily = [a for a in plan.days[0].activities if plan.idea(a.idea).span is Span.daily]
    assert plan.all_week and daily, "the default week has week-long and daily items"
    assert headings(tokens, "h2") == [
        "All week",
        "Every day",
        *(f"{long_date(day.date)}: {plan.idea(day.theme).title}" for day in plan.days),
        "What the week is for",
        "Prep checklist",
        "Budget",
    ]
    marks = {"opening": " · opens the week", "finale": " · closes the week", None: ""}
    expected_h3 = [f"{clock(a.sessions[0].start)} · {plan.idea(a.idea).title}" for a in daily]
    for day in plan.days:
        for a in day.activities:
            idea = plan.idea(a.idea)
            if idea.span is not Span.daily:  # a line in each day; its heading is under Every day
                expected_h3.append(f"{clock(a.sessions[0].start)} · {idea.title}{marks[idea.role]}")
    assert sorted(headings(tokens, "h3")) == sorted(expected_h3)
    every_day = ", ".join(f"{plan.idea(a.idea).title} at {clock(a.sessions[0].start)}" for a in daily)
    assert text.count(f"As every day: {every_day}.") == len(plan.days)
    tasks = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert tasks == [f"- [ ] {short_date(p.due)} {p.task} ({plan.idea(p.idea).title})" for p in plan.prep]
    cells = [tokens[n + 1].content for n, t in enumerate(tokens) if t.type in ("td_open", "th_open")]
    assert cells[:4] == ["When", "Item", "Total", "Per rep"]
    assert f"**{money(plan.spent, 'USD')}**" in cells and f"**{money(plan.spent_per_rep, 'USD')}**" in cells
    runs = [*plan.all_week, *(i for day in plan.days for i in day.idea_ids)]
    rows = sum(t.type == "tr_open" for t in tokens)
    assert rows == 1 + sum(plan.cost_of(i) > 0 for i in runs) + 3, "header, one row per paid run, totals"


def test_waves_are_listed_with_their_times(csw, tmp_path: Path) -> None:
    csw("plan", "2025", "--format", "md", "--headcount", "40")
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    text = (tmp_path / "csw-2025" / "agenda.md").read_text()
    waved = [
        a
        for d in plan.days
        for a in d.activities
        if len(a.sessions) > 1 and plan.idea(a.idea).format is Format.waves
    ]
    assert waved, "the default plan has an activity in waves"
    first = waved[0]
    idea = plan.idea(first.idea)
    times = ", ".join(clock(s.start) for s in first.sessions)
    span = f"from {clock(first.sessions[0].start)} to {clock(first.sessions[-1].end)}"
    assert f"{len(first.sessions)} waves of {idea.duration_minutes} minutes {span} (at {times})" in text


def test_render_rerenders_an_edited_plan(csw, tmp_path: Path) -> None:
    csw("plan", "2025", "--format", "md")
    path = tmp_path / "csw-2025" / "plan.yaml"
    data = yaml.safe_load(path.read_text())
    data["ideas"][data["days"][0]["theme"]]["title"] = "Our Very Own Day"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = csw("render", str(path), "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert (
        f"## {long_date(date(2025, 10, 6))}: Our Very Own Day"
        in (tmp_path / "csw-2025" / "agenda.md").read_text()
    )


BAD_EDITS = {
    "a date outside the week": (
        lambda d: d["days"][1].update(date="2025-10-20"),
        "days[1].date 2025-10-20 is outside",
    ),
    "an unknown idea id": (
        lambda d: d["days"][2].update(theme="no-such-idea"),
        "days[2].theme: 'no-such-idea'",
    ),
    "a broken time": (
        lambda d: d["days"][0]["activities"][0]["sessions"][0].update(start="9h30"),
        "days[0].activities[0].sessions[0].start: String should match",
    ),
    "a wrong type": (
        lambda d: d["team"].update(headcount="many"),
        "team.headcount: Input should be a valid integer",
    ),
}


@pytest.mark.parametrize("case", list(BAD_EDITS))
def test_an_invalid_edit_exits_2_naming_line_and_field(csw, tmp_path: Path, case: str) -> None:
    csw("plan", "2025", "--format", "md")
    path = tmp_path / "csw-2025" / "plan.yaml"
    edit, message = BAD_EDITS[case]
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = (tmp_path / "csw-2025" / "agenda.md").read_bytes()
    result = csw("render", str(path))
    result.assert_clean_error()
    assert message in result.stderr
    line = int(result.stderr.split(str(path) + ":")[1].split(":")[0])
    assert line > 1, "the line of the field, not the top of the file"
    assert (tmp_path / "csw-2025" / "agenda.md").read_bytes() == before


def test_an_unquoted_time_in_a_hand_edit_still_reads_as_a_time(csw, tmp_path: Path) -> None:
    csw("plan", "2025", "--format", "md")
    path = tmp_path / "csw-2025" / "plan.yaml"
    text = path.read_text()
    sessions = [s for a in load_plan(path).days[0].activities for s in a.sessions]
    quoted = next(s.start for s in sessions if s.start >= "10:00")  # YAML 1.1 reads 10:00 as 600
    assert f"start: '{quoted}'" in text, "csw quotes it"
    head, days = text.split("\ndays:\n", 1)
    path.write_text(head + "\ndays:\n" + days.replace(f"start: '{quoted}'", f"start: {quoted}", 1))
    assert f"start: {quoted}\n" in path.read_text()
    assert csw("render", str(path), "--format", "md").exit_code == 0
    assert quoted in [s.start for a in load_plan(path).days[0].activities for s in a.sessions]


def test_render_of_a_missing_plan(csw) -> None:
    result = csw("render", "nowhere/plan.yaml")
    result.assert_clean_error()
    assert "nowhere/plan.yaml: no such plan file" in result.stderr


def test_a_user_template_overrides_the_builtin_one(csw, write, tmp_path: Path) -> None:
    write(
        "mine/agenda.md.j2",
        "{{ organization.name }} has {{ days | length }} days: {{ days[0].theme.title }}\n",
    )
    assert csw("plan", "2025", "--format", "md", "--templates", "mine").exit_code == 0
    text = (tmp_path / "csw-2025" / "agenda.md").read_text()
    assert text.startswith("Our Company has 5 days: ")


TEMPLATE_FAULTS = {
    "syntax error": (
        "line one\n{% for day in days %}\nno end\n",
        "agenda.md.j2:3: template syntax error: Unexpected end of template",
    ),
    "unknown variable": ("ok\n\n{{ organisation.name }}\n", "agenda.md.j2:3: unknown variable: organisation"),
    "unknown attribute": ("{{ days[0].theme.colour }}\n", "agenda.md.j2:1: unknown variable: colour"),
    "reaching Python internals": (
        "{{ days.__class__.__mro__[1].__subclasses__() }}\n",
        "not allowed in a template",
    ),
}


@pytest.mark.parametrize("case", list(TEMPLATE_FAULTS))
def test_a_broken_user_template_exits_2_naming_template_and_line(
    csw, write, tmp_path: Path, case: str
) -> None:
    text, message = TEMPLATE_FAULTS[case]
    write("mine/agenda.md.j2", text)
    result = csw("plan", "2025", "--format", "md", "--templates", "mine")
    result.assert_clean_error()
    assert message in result.stderr, result.stderr
    assert not (tmp_path / "csw-2025").exists(), "nothing written when a template fails"


def test_a_failing_template_leaves_earlier_files_as_they_were(csw, write, tmp_path: Path) -> None:
    assert csw("plan", "2025", "--format", "md,json").exit_code == 0
    out = tmp_path / "csw-2025"
    before = {name: (out / name).read_bytes() for name in ("plan.yaml", "agenda.md", "plan.json")}
    write("mine/agenda.md.j2", "{{ nope }}\n")
    result = csw("render", str(out / "plan.yaml"), "--format", "json,md", "--templates", "mine")
    result.assert_clean_error()
    assert {name: (out / name).read_bytes() for name in before} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left behind"


def test_missing_template_folder(csw) -> None:
    result = csw("plan", "2025", "--templates", "no-such-dir")
    result.assert_clean_error()
    assert "no-such-dir: no such template folder" in result.stderr


def test_filters_read_well() -> None:
    """en_US, the default: the weekday and month in full, times on the 12-hour clock, whole
    amounts without cents (the rest as Babel writes them; tests/test_locale.py has other locales)."""
    from datetime import date, time

    from babel.dates import format_time
    from babel.numbers import format_currency

    monday = long_date(date(2025, 10, 6))
    assert "Monday" in monday and "October" in monday and "6" in monday and "2025" not in monday
    assert clock("09:30") == format_time(time(9, 30), "short", locale="en_US").replace("\u202f", " ")
    assert clock("24:00") == clock("00:00") and clock("12:00") != clock("00:00")
    assert money(120, "USD") == format_currency(120, "USD", locale="en_US").removesuffix(".00")
    assert money(1234.5, "USD") == format_currency(1234.5, "USD", locale="en_US")
    assert money(80, "EUR") == format_currency(80, "EUR", locale="en_US").removesuffix(".00")


THREE_SHIFTS = """
[[team.shifts]]
name = "early"
start = "06:00"
end = "14:00"
[[team.shifts]]
name = "day"
start = "09:00"
end = "17:00"
[[team.shifts]]
name = "late"
start = "14:00"
end = "22:00"
"""


def test_a_host_gives_a_live_session_max_sessions_times_and_the_rest_watch_the_recording(
    csw, write, tmp_path: Path
) -> None:
    write("csw.toml", THREE_SHIFTS)
    result = csw("plan", "2025", "--format", "md", "--pin", "tue=career-paths-panel")
    assert result.exit_code == 0, result.stderr
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    tuesday = plan.days[1]
    panel = next(a for a in tuesday.activities if a.idea == "career-paths-panel")
    limit = plan.idea("career-paths-panel").max_sessions
    assert limit is not None and len(panel.sessions) == limit < 3
    assert len(panel.recorded_for) == 3 - limit
    text = (tmp_path / "csw-2025" / "agenda.md").read_text()
    shifts = " and ".join(panel.recorded_for)
    assert f"The {shifts} shift" in text and "watch" in text and "the recording" in text


def test_a_remote_team_reads_how_to_run_each_remote_form_from_home(csw, tmp_path: Path) -> None:
    assert csw("plan", "2025", "--mode", "remote", "--headcount", "12", "--format", "md").exit_code == 0
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    text = (tmp_path / "csw-2025" / "agenda.md").read_text()
    forms = [plan.idea(a.idea) for d in plan.days for a in d.activities if plan.remote_form(a.idea)]
    assert forms, "a remote week uses remote forms"
    for idea in forms:
        assert idea.remote and idea.remote.how_to
        section = text.split(f"· {idea.title}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        assert "**How to run it from home**" in section, idea.id
        assert idea.remote.how_to.splitlines()[0] in section
        assert idea.how_to.splitlines()[0] not in section, "not the on-site steps"
