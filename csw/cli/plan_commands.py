"""The commands that make the week's files: plan, render and certificates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from csw.cli.app import (
    ConfigOption,
    FormatOption,
    IdeasOption,
    TemplatesOption,
    app,
    finite,
    load,
    templates_folder,
)
from csw.cli.choices import MODES, completer, one_of
from csw.cli.completion import idea_ids, idea_pins, team_names
from csw.cli.terminal import print_plan, print_teams
from csw.core.errors import UsageError

RosterOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="The team's CSV (email, name, shift, role, remote, cover): sizes the waves, puts every"
        " rep in theirs, writes roster.csv and coverage.md (default: team.roster in csw.toml).",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", metavar="DIR", help="Output folder (default: the plan's).")
]


@app.command()
def plan(
    year: Annotated[str, typer.Argument(metavar="YEAR", help="The year to plan, e.g. 2025.")],
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
    seed: Annotated[
        int | None, typer.Option(metavar="N", help="Another seed gives another week (default: the year).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="DIR", help="Output folder (default: ./csw-YEAR/).")
    ] = None,
    formats: FormatOption = None,
    mode: Annotated[
        str | None,
        typer.Option(metavar=one_of(MODES), autocompletion=completer(MODES), help="How the team works."),
    ] = None,
    headcount: Annotated[int | None, typer.Option(metavar="N", help="Reps on the team.")] = None,
    budget: Annotated[
        float | None, typer.Option(metavar="AMOUNT", help="The week's budget.", callback=finite)
    ] = None,
    per_day: Annotated[
        int | None, typer.Option("--per-day", metavar="N", help="Activities per day (default 2).")
    ] = None,
    pin: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DAY=IDEA",
            autocompletion=idea_pins,
            help="Put this idea on that day (tue, tuesday or 2025-10-07); repeatable.",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(metavar="IDEA", autocompletion=idea_ids, help="An idea never to plan; repeatable."),
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option(metavar="FILE", help="An earlier plan.yaml whose ideas not to repeat; repeatable."),
    ] = None,
    templates: TemplatesOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a plan.yaml that was edited.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON instead.")] = False,
    year_round: Annotated[
        bool | None,
        typer.Option("--year-round/--no-year-round", help="Add a touchpoint in each of the 11 months after."),
    ] = None,
    kudos: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="CSV of customer comments (date, rep, quote, channel) to read out."
        ),
    ] = None,
    roster: RosterOption = None,
    team: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", autocompletion=team_names, help="Plan only this team of a [[teams]] config."
        ),
    ] = None,
) -> None:
    """Plan a year's week and write plan.yaml and its exports.

    Each day gets a themed day and activities from the idea bank, within the budget, with
    waves that keep the phones staffed, and a prep checklist. Same inputs, same plan.
    """
    from csw.exports.output import parse_formats, write_plan, write_teams
    from csw.planning.request import PlanOptions, parse_mode, planned_teams, planned_week
    from csw.week.dates import parse_year

    number = parse_year(year)
    chosen_formats = parse_formats(formats)
    options = PlanOptions(
        year=number,
        seed=seed,
        mode=parse_mode(mode) if mode else None,
        headcount=headcount,
        budget=budget,
        per_day=per_day,
        pins=tuple(pin or ()),
        exclude=tuple(exclude or ()),
        history=tuple(history or ()),
        ideas=tuple(ideas or ()),
        year_round=year_round,
        kudos=kudos,
        roster=roster,
        team=team,
    )
    config = load(config_path)
    _note_without_config(config_path)
    folder = out or Path(f"csw-{number}")
    template_dir = templates_folder(config, templates)
    if config.teams:
        planned = planned_teams(config, options)
        plans = [(name, p) for name, p, _ in planned]
        rosters = {name: r for name, _, r in planned if r is not None}
        written = write_teams(
            plans, folder, chosen_formats, templates=template_dir, force=force, rosters=rosters
        )
        for name, p, r in planned:
            _warn(r.warnings(p) if r else [], f"team {name}: ")
        if as_json:
            typer.echo(
                json.dumps(
                    {name: p.model_dump(mode="json") for name, p in plans}, indent=2, ensure_ascii=False
                )
            )
            return
        print_teams(plans)
        typer.echo(f"Wrote {len(written)} files into {folder}/")
        return
    if team is not None:
        raise UsageError(f"--team {team}: csw.toml has no [[teams]].", hint="Drop --team, or add [[teams]].")
    result, staffed = planned_week(config, options)
    written = write_plan(result, folder, chosen_formats, templates=template_dir, force=force, roster=staffed)
    _warn(staffed.warnings(result) if staffed else [])
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    print_plan(result)
    typer.echo("Wrote " + ", ".join(str(path) for path in written))


def _note_without_config(config_path: Path | None) -> None:
    """Without a csw.toml every time is in UTC, which nothing in the plan itself would tell."""
    from csw.settings.config_file import find_config

    if find_config(config_path, Path(".")) is None:
        typer.echo(
            "note: no csw.toml here, so every time is in UTC;"
            " run `csw init` for one, and set your time zone in it (organization.timezone).",
            err=True,
        )


def _warn(lines: list[str], prefix: str = "") -> None:
    for line in lines:
        typer.echo(f"warning: {prefix}{line}", err=True)


@app.command()
def render(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml to render.")],
    formats: FormatOption = None,
    out: OutOption = None,
    templates: TemplatesOption = None,
    config_path: ConfigOption = None,
    raised: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="AMOUNT", callback=finite, help="What the charity drive raised, for the agenda."
        ),
    ] = None,
    roster: RosterOption = None,
) -> None:
    """Re-render every export from an (edited) plan.yaml.

    With a roster, the waves are assigned again, keeping everyone whose session is still there.
    """
    from csw.exports.output import parse_formats, write_exports
    from csw.mail.published import team_calendar
    from csw.people.staffing import load_roster, roster_path
    from csw.plan.file import load_plan

    chosen_formats = parse_formats(formats)
    config = load(config_path)
    plan_data = load_plan(plan_file)
    if raised is not None:
        plan_data = plan_data.model_copy(update={"raised": raised})
    folder = out or plan_file.parent
    source = roster_path(config, roster, plan_data.organization.team)
    staffed = load_roster(plan_data, source, config, keep_from=plan_file.parent) if source else None
    calendar = team_calendar(plan_data, plan_file, config.email.from_)
    template_dir = templates_folder(config, templates)
    written = write_exports(
        plan_data, folder, chosen_formats, templates=template_dir, roster=staffed, calendar=calendar
    )
    _warn(staffed.warnings(plan_data) if staffed else [])
    typer.echo("Wrote " + ", ".join(str(path) for path in written))


@app.command()
def certificates(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    roster: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="CSV of the reps: names (optional award, email); default team.roster."
        ),
    ] = None,
    out: OutOption = None,
    templates: TemplatesOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Write certificates.html, one page per rep on the roster."""
    from csw.core.files import write_atomic
    from csw.exports.certificates import certificates_page
    from csw.exports.render import environment
    from csw.people.staffing import required_roster
    from csw.plan.file import load_plan

    config = load(config_path)
    env = environment(templates_folder(config, templates))
    plan_data = load_plan(plan_file)
    source = required_roster(config, roster, plan_data.organization.team)
    page = certificates_page(plan_data, source, env, config.email.sponsor, config.team.departments)
    target = (out or plan_file.parent) / "certificates.html"
    write_atomic(target, page.html)
    typer.echo(page.summary(target))
