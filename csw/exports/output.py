"""Writing a plan and its exports into the output folder: all of them or none."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from csw.core.errors import NotUtf8Error, OutputError, UsageError
from csw.core.files import read_utf8, write_all
from csw.plan.file import plan_text, was_edited
from csw.plan.model import Plan

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from csw.exports.ics import Publication
    from csw.people.staffing import Roster

PLAN_FILE = "plan.yaml"


class _Renderers:
    """Renders the exports of one plan; the template environment is made only if needed."""

    def __init__(self, plan: Plan, templates: Path | None, calendar: Publication | None = None) -> None:
        self.plan = plan
        self.templates = templates
        self.calendar = calendar  # how schedule.ics is published: its organizer, its revisions

    def template(self, name: str) -> str:
        from csw.exports.context import plan_context
        from csw.exports.render import render

        # keyed by the absolute folder: a relative one means another folder once the cwd changes
        folder = self.templates.resolve() if self.templates else None
        return render(_environment(folder), name, plan_context(self.plan))

    def json(self) -> str:
        data = self.plan.model_dump(mode="json")
        data.update(spent=self.plan.spent, spent_per_rep=self.plan.spent_per_rep)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def ics(self) -> bytes:
        from csw.exports.ics import calendar_bytes

        return calendar_bytes(self.plan, how=self.calendar)

    def prep_ics(self) -> bytes:
        from csw.exports.ics import Publication, prep_calendar_bytes

        return prep_calendar_bytes(self.plan, Publication(uids=self.calendar.uids) if self.calendar else None)


@cache
def _environment(templates: Path | None) -> SandboxedEnvironment:
    # One environment per run: it compiles each template once, however many teams are rendered.
    from csw.exports.render import environment

    return environment(templates)


# format name -> (file name, how to render it)
EXPORTS: dict[str, tuple[str, Callable[[_Renderers], str | bytes]]] = {
    "md": ("agenda.md", lambda r: r.template("agenda.md.j2")),
    "ics": ("schedule.ics", lambda r: r.ics()),
    "html": ("poster.html", lambda r: r.template("poster.html.j2")),
    "json": ("plan.json", lambda r: r.json()),
}
# files a format writes besides its own: the coordinator's prep tasks, apart from the team's calendar
COMPANIONS: dict[str, tuple[tuple[str, Callable[[_Renderers], str | bytes]], ...]] = {
    "ics": (("prep.ics", lambda r: r.prep_ics()),),
}
DEFAULT_FORMATS: tuple[str, ...] = tuple(name for name in EXPORTS if name != "json")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """`md,ics` -> ('md', 'ics'); None -> the default formats."""
    if text is None:
        return DEFAULT_FORMATS
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in EXPORTS]
    if unknown:
        raise UsageError(
            f"--format {text}: unknown format '{unknown[0]}'.",
            hint=f"Choose from {', '.join(EXPORTS)}, separated by commas.",
        )
    return names


def check_plan_overwrite(path: Path, force: bool) -> None:
    """Refuse to replace a plan.yaml the coordinator edited since csw wrote it, unless `force`."""
    if force or not path.exists():
        return
    try:
        text = read_utf8(path)
    except NotUtf8Error as error:
        hint = "Add --force to replace it, or plan into another folder."
        raise OutputError(error.message, hint=hint) from None
    except OSError as error:
        raise OutputError(f"{path}: cannot read the existing plan: {error.strerror}.") from None
    if was_edited(text):
        raise OutputError(
            f"{path} was edited since csw wrote it; planning again would lose those edits.",
            hint=f"Run `csw render {path}` to re-render from it, or add --force to replace it.",
        )


def render_exports(
    plan: Plan,
    formats: tuple[str, ...],
    templates: Path | None = None,
    roster: Roster | None = None,
    calendar: Publication | None = None,
) -> dict[str, str | bytes]:
    """Every requested export, by file name; nothing is written yet. With a roster, roster.csv and
    coverage.md too, whatever the formats. `calendar`: how schedule.ics is published (csw render
    raises the SEQUENCE of events that changed since they went out by email)."""
    renderers = _Renderers(plan, templates, calendar)
    files = {EXPORTS[name][0]: EXPORTS[name][1](renderers) for name in formats}
    for name in formats:
        files |= {file: make(renderers) for file, make in COMPANIONS.get(name, ())}
    if roster is not None:
        files |= roster_exports(plan, roster, templates)
    return files


def roster_exports(plan: Plan, roster: Roster, templates: Path | None = None) -> dict[str, str | bytes]:
    """roster.csv (one row per rep and session) and coverage.md (the sheet for the team leads)."""
    from csw.exports.coverage import coverage_md
    from csw.people.roster import COVERAGE_FILE, ROSTER_FILE, roster_csv

    env = _environment(templates.resolve() if templates else None)
    people = list(roster.members)
    return {
        ROSTER_FILE: roster_csv(plan, roster.assignment, people),
        COVERAGE_FILE: coverage_md(plan, roster.assignment, people, env),
    }


def write_files(out: Path, files: dict[str, str | bytes]) -> list[Path]:
    """Every file, or none if one fails (files.write_all); call only once everything has rendered."""
    # only the plan, the one a person edits, waits for the disk; the exports can be rendered again
    return write_all(out, files, durable={name for name in files if name.endswith(PLAN_FILE)})


def write_plan(
    plan: Plan,
    out: Path,
    formats: tuple[str, ...],
    *,
    templates: Path | None = None,
    force: bool = False,
    roster: Roster | None = None,
) -> list[Path]:
    """plan.yaml and the exports into `out`. Everything is rendered before the first file is
    written, and the files are replaced all together, so a failure leaves the old files intact."""
    check_plan_overwrite(out / PLAN_FILE, force)
    files = render_exports(plan, formats, templates, roster)
    return write_files(out, {PLAN_FILE: plan_text(plan), **files})


def write_exports(
    plan: Plan,
    out: Path,
    formats: tuple[str, ...],
    *,
    templates: Path | None = None,
    roster: Roster | None = None,
    calendar: Publication | None = None,
) -> list[Path]:
    """Re-render the exports of an (edited) plan into `out`; the plan file itself is left alone."""
    return write_files(out, render_exports(plan, formats, templates, roster, calendar))


def write_teams(
    plans: list[tuple[str, Plan]],
    out: Path,
    formats: tuple[str, ...],
    *,
    templates: Path | None = None,
    force: bool = False,
    workers: int | None = None,
    rosters: dict[str, Roster] | None = None,
) -> list[Path]:
    """Each team's plan and exports into out/<team>/, and one calendar of every team in out/.

    Every file of every team is rendered before the first one is written. `workers`: how many
    processes render the teams (None: one per core for a big organisation). `rosters`: by team
    folder, for the teams that have one.
    """
    for folder, _ in plans:
        check_plan_overwrite(out / folder / PLAN_FILE, force)
    files: dict[str, str | bytes] = {}
    calendar = EXPORTS["ics"][0]
    calendars: list[bytes] = []
    rendered = _render_teams(plans, formats, templates, workers, rosters or {})
    for (folder, _), team_files in zip(plans, rendered, strict=True):
        for name, content in team_files.items():
            files[f"{folder}/{name}"] = content
            if name == calendar and isinstance(content, bytes):
                calendars.append(content)
    if "ics" in formats and len(plans) > 1:
        from csw.exports.ics import combined_calendar_bytes

        year = plans[0][1].year
        name = f"Customer Service Week {year} \N{EN DASH} {plans[0][1].organization.name}"
        files[calendar] = combined_calendar_bytes([plan for _, plan in plans], name, calendars)
    return write_files(out, files)


_Job = tuple[Plan, tuple[str, ...], Path | None, "Roster | None"]


def _render_teams(
    plans: list[tuple[str, Plan]],
    formats: tuple[str, ...],
    templates: Path | None,
    workers: int | None,
    rosters: dict[str, Roster],
) -> list[dict[str, str | bytes]]:
    """Each team's plan.yaml and exports, in the teams' order: a big organisation's on every core."""
    from csw.core.parallel import map_in_order

    jobs: list[_Job] = [(plan, formats, templates, rosters.get(folder)) for folder, plan in plans]
    return map_in_order(_team_files, jobs, workers)


def _team_files(job: _Job) -> dict[str, str | bytes]:
    plan, formats, templates, roster = job
    return {PLAN_FILE: plan_text(plan), **render_exports(plan, formats, templates, roster)}
