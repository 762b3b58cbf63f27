"""The command line: parses arguments, calls the library, prints. No planning logic lives here."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from csw import __version__
from csw.errors import CswError, UsageError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from csw.config import Config


class _Boundary(TyperGroup):
    """The one place where a CswError becomes a message on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CswError as error:
            _fail(error)


def _fail(error: CswError) -> NoReturn:
    if os.environ.get("CSW_DEBUG") == "1":
        raise error
    typer.echo(f"csw: {error}", err=True)
    raise typer.Exit(error.exit_code)


app = typer.Typer(
    cls=_Boundary,
    help="Plan Customer Service Week: dates, themed days, activities, agenda, calendar, emails.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
ideas_app = typer.Typer(cls=_Boundary, help="Browse and check the idea bank.", no_args_is_help=True)
app.add_typer(ideas_app, name="ideas")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="csw.toml to use (default: ./csw.toml, else built-in defaults)."),
]


def _version(show: bool) -> None:
    if show:
        typer.echo(f"csw {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Plan Customer Service Week: dates, themed days, activities, agenda, calendar, emails."""


def today() -> date:
    """The one reading of the clock; CSW_TODAY=YYYY-MM-DD pins it (tests, a dry run of a cron job)."""
    pinned = os.environ.get("CSW_TODAY")
    if not pinned:
        return date.today()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise UsageError(f"CSW_TODAY={pinned!r} is not a date; use YYYY-MM-DD.") from None


def _finite(param: typer.CallbackParam, value: float | None) -> float | None:
    """Every float option refuses nan and inf: Python reads them as numbers, but no budget, amount
    or rate is one, and plan.json could not hold them (JSON has no Infinity)."""
    if value is not None and not math.isfinite(value):
        raise UsageError(f"{param.opts[0]} {value}: give a finite number.")
    return value


def load(config_path: Path | None) -> Config:
    from csw.config import find_config, load_config

    return load_config(find_config(config_path, Path(".")))


def console() -> Console:
    """Rich output on a terminal; plain text (no colour, no box drawing) in a pipe or with NO_COLOR."""
    from rich.console import Console

    # No markup, no emoji codes: everything printed is the user's text, and Rich would read the
    # brackets of a team "Support [EMEA]" as a style tag and the ":vs:" of a title as an emoji
    out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, no_color=no_color())
    if not out.is_terminal:
        # a pipe or a file has no width to respect: wide enough that ids and times never wrap
        out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, width=200, no_color=True)
    elif no_color():
        # no colour and no bold either (Rich keeps bold under its own no_color): plain text
        out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, color_system=None)
    return out


def no_color() -> bool:
    """NO_COLOR asks for plain output when it is set to anything but the empty string (no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def plain(out: Console) -> bool:
    return not out.is_terminal or no_color()


def table(
    out: Console, columns: tuple[str, ...], *, right: tuple[str, ...] = (), title: str | None = None
) -> Table:
    """A table that draws its lines on a terminal and is plain, space-aligned text in a pipe."""
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=None if plain(out) else box.SIMPLE_HEAD)
    for name in columns:
        grid.add_column(name, justify="right" if name in right else "left", no_wrap=name == "ID")
    return grid


@app.command(context_settings={"ignore_unknown_options": True})
def week(
    years: Annotated[list[str] | None, typer.Argument(help="Years (default: the next week).")] = None,
    from_year: Annotated[str | None, typer.Option("--from", help="First year of a range.")] = None,
    to_year: Annotated[str | None, typer.Option("--to", help="Last year of a range.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Print the week's dates and the year's official theme."""
    from csw.dates import next_week, parse_year, week_of
    from csw.themes import theme_of
    from csw.views import week_line, week_record

    config = load(config_path)
    days, start = config.week.days, config.week.start
    wanted = [parse_year(text) for text in years or []]
    if from_year is not None or to_year is not None:
        first = parse_year(from_year or to_year or "")
        last = parse_year(to_year or from_year or "")
        if last < first:
            raise UsageError(f"--from {first} comes after --to {last}.", hint="Swap them.")
        wanted += range(first, last + 1)
    weeks = [week_of(year, days, start) for year in wanted] or [next_week(today(), days, start)]

    def theme(year: int) -> str | None:
        return theme_of(year, config.themes, config.organization.theme)

    if as_json:
        typer.echo(json.dumps([week_record(w, theme(w.year)) for w in weeks], indent=2))
    else:
        typer.echo("\n".join(week_line(w, theme(w.year)) for w in weeks))


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where to write them.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented csw.toml and an example recipients.csv."""
    from csw.starter import write_starter

    for path in write_starter(folder, force=force):
        typer.echo(f"wrote {path}")


TemplatesOption = Annotated[
    Path | None,
    typer.Option("--templates", help="Your template folder; its files override the built-in ones by name."),
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="Exports, comma-separated: md,ics,html,json (default: all but json)."),
]


def _templates(config: Config, option: Path | None) -> Path | None:
    if option is not None:
        return option
    return config.resolve(config.templates.path) if config.templates.path else None


IdeasOption = Annotated[
    list[Path] | None,
    typer.Option("--ideas", help="Your idea bank: a YAML file or a folder of them (repeatable)."),
]


@app.command()
def plan(
    year: Annotated[str, typer.Argument(help="The year to plan, e.g. 2025.")],
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
    seed: Annotated[
        int | None, typer.Option(help="Another seed gives another week (default: the year).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: ./csw-YEAR/).")] = None,
    formats: FormatOption = None,
    mode: Annotated[str | None, typer.Option(help="onsite, remote or hybrid.")] = None,
    headcount: Annotated[int | None, typer.Option(help="Reps on the team.")] = None,
    budget: Annotated[float | None, typer.Option(help="The week's budget.", callback=_finite)] = None,
    per_day: Annotated[int | None, typer.Option("--per-day", help="Activities per day (default 2).")] = None,
    pin: Annotated[
        list[str] | None,
        typer.Option(help="DAY=IDEA_ID: put this idea on that day (tue, tuesday or 2025-10-07)."),
    ] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="IDEA_ID never to plan.")] = None,
    history: Annotated[
        list[Path] | None, typer.Option(help="An earlier plan.yaml whose ideas not to repeat.")
    ] = None,
    templates: TemplatesOption = None,
    force: Annotated[bool, typer.Option(help="Replace a plan.yaml that was edited.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON instead.")] = False,
    year_round: Annotated[
        bool | None,
        typer.Option("--year-round/--no-year-round", help="Add a touchpoint in each of the 11 months after."),
    ] = None,
    kudos: Annotated[
        Path | None, typer.Option(help="CSV of customer comments (date, rep, quote, channel) to read out.")
    ] = None,
    roster: Annotated[
        Path | None, typer.Option(help="CSV of the team (email, name) to check kudos against.")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Plan only this team of a [[teams]] config.")] = None,
) -> None:
    """Plan a year's week and write plan.yaml and its exports.

    Each day gets a themed day and activities from the idea bank, within the budget, with
    waves that keep the phones staffed, and a prep checklist. Same inputs, same plan.
    """
    from csw.dates import parse_year
    from csw.output import parse_formats, write_plan, write_teams
    from csw.request import PlanOptions, plan_teams, plan_week

    number = parse_year(year)
    chosen_formats = parse_formats(formats)
    options = PlanOptions(
        year=number,
        seed=seed,
        mode=_mode(mode) if mode else None,
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
    folder = out or Path(f"csw-{number}")
    template_dir = _templates(config, templates)
    if config.teams:
        plans = plan_teams(config, options)
        written = write_teams(plans, folder, chosen_formats, templates=template_dir, force=force)
        if as_json:
            typer.echo(
                json.dumps(
                    {name: p.model_dump(mode="json") for name, p in plans}, indent=2, ensure_ascii=False
                )
            )
            return
        _print_teams(plans)
        typer.echo(f"Wrote {len(written)} files into {folder}/")
        return
    if team is not None:
        raise UsageError(f"--team {team}: csw.toml has no [[teams]].", hint="Drop --team, or add [[teams]].")
    result = plan_week(config, options)
    written = write_plan(result, folder, chosen_formats, templates=template_dir, force=force)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    _print_plan(result)
    typer.echo("Wrote " + ", ".join(str(path) for path in written))


def _print_teams(plans: list[Any]) -> None:
    from csw.views import team_rows

    out = console()
    title = f"Customer Service Week {plans[0][1].year}: {len(plans)} teams"
    columns, right = ("Team", "Folder", "Time zone", "Reps", "Mode", "Themes", "Spend"), ("Reps", "Spend")
    rows = list(team_rows(plans))
    big_in_a_pipe = plain(out) and len(rows) > PLAIN_TABLE_FROM
    if not (big_in_a_pipe and _print_plain_table(out, title, columns, rows, right)):
        grid = table(out, columns, right=right, title=title)
        for row in rows:
            grid.add_row(*row)
        out.print(grid)
    for folder, plan in plans:
        for note in plan.notes:
            out.print(f"{folder}: {note}")


# Rich lays a table out cell by cell: a thousand teams' table took it half a second. In a pipe,
# where the table is plain text anyway, a big one is written directly, laid out the same way.
PLAIN_TABLE_FROM = 100


def _print_plain_table(
    out: Console, title: str, columns: tuple[str, ...], rows: list[Any], right: tuple[str, ...]
) -> bool:
    """Print the table as Rich would; False (nothing printed) when Rich would wrap it."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
    if not len(title) <= _table_width(widths) <= out.width:
        return False

    def line(cells: tuple[str, ...] | list[str]) -> str:
        parts = (
            str(cell).rjust(width) if name in right else str(cell).ljust(width)
            for cell, width, name in zip(cells, widths, columns, strict=True)
        )
        return "".join(f" {part} " for part in parts)

    margin = _table_width(widths) - len(title)
    heading = " " * (margin // 2) + title + " " * (margin - margin // 2)  # as Rich centres it
    text = [heading, line(columns), *(line(row) for row in rows)]
    out.file.write("\n".join(text) + "\n")
    return True


def _table_width(widths: list[int]) -> int:
    return sum(widths) + 2 * len(widths)  # a space either side of every cell


def _mode(text: str) -> Any:
    from csw.config import Mode

    try:
        return Mode(text.lower())
    except ValueError:
        raise UsageError(f"--mode {text}: choose onsite, remote or hybrid.") from None


def _print_plan(result: Any) -> None:
    from csw.views import plan_rows, plan_summary

    out = console()
    title = f"Customer Service Week {result.year}"
    if result.theme:
        title += f": {result.theme}"
    grid = table(out, ("Day", "Theme", "Activities", "Cost"), right=("Cost",), title=title)
    grid.show_lines = not plain(out)
    for row in plan_rows(result):
        grid.add_row(*row)
    out.print(grid)
    for line in plan_summary(result):
        out.print(line)


@app.command()
def render(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml to render.")],
    formats: FormatOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: the plan's).")] = None,
    templates: TemplatesOption = None,
    config_path: ConfigOption = None,
    raised: Annotated[
        float | None,
        typer.Option(min=0, callback=_finite, help="What the charity drive raised, for the agenda."),
    ] = None,
) -> None:
    """Re-render every export from an (edited) plan.yaml."""
    from csw.output import parse_formats, write_exports
    from csw.plan_file import load_plan

    chosen_formats = parse_formats(formats)
    plan_data = load_plan(plan_file)
    if raised is not None:
        plan_data = plan_data.model_copy(update={"raised": raised})
    folder = out or plan_file.parent
    written = write_exports(
        plan_data, folder, chosen_formats, templates=_templates(load(config_path), templates)
    )
    typer.echo("Wrote " + ", ".join(str(path) for path in written))


@app.command()
def certificates(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    roster: Annotated[Path, typer.Option(help="CSV of the reps (email, name; optional award).")],
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: the plan's).")] = None,
    templates: TemplatesOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Write certificates.html, one page per rep on the roster."""
    from csw.certificates import certificates_html
    from csw.files import write_atomic
    from csw.plan_file import load_plan
    from csw.render import environment

    config = load(config_path)
    env = environment(_templates(config, templates))
    html, pages = certificates_html(load_plan(plan_file), roster, env, config.email.sponsor)
    target = (out or plan_file.parent) / "certificates.html"
    write_atomic(target, html)
    typer.echo(f"Wrote {target}: {pages} certificate{'s' * (pages != 1)}, one page each.")


@ideas_app.command("list")
def ideas_list(
    category: Annotated[str | None, typer.Option(help="Only this category, e.g. food.")] = None,
    mode: Annotated[
        str | None, typer.Option(help="Only ideas that work for onsite, remote or hybrid.")
    ] = None,
    span: Annotated[str | None, typer.Option(help="day, slot, week or daily.")] = None,
    kind: Annotated[str | None, typer.Option(help="theme or activity (the version-1 split).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
) -> None:
    """The idea bank as a table."""
    from csw.catalog import cost_text, filter_ideas

    found = filter_ideas(_bank(config_path, ideas), category=category, mode=mode, kind=kind, span=span)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in found], indent=2, ensure_ascii=False))
        return
    out = console()
    grid = table(out, ("ID", "Title", "Category", "Runs", "Format", "Modes", "Cost"))
    for idea in found:
        modes = "all" if len(set(idea.modes)) == 3 else ",".join(m.value for m in idea.modes)
        modes += " +remote form" if idea.remote else ""
        runs = idea.span.value + (f" ({idea.role.value})" if idea.role else "")
        grid.add_row(
            idea.id, idea.title, idea.category.value, runs, idea.format.value, modes, cost_text(idea)
        )
    out.print(grid)
    out.print(f"{len(found)} ideas")


@ideas_app.command("show")
def ideas_show(
    idea_id: Annotated[str, typer.Argument(metavar="ID", help="The idea's id.")],
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
) -> None:
    """One idea in full: what it is, how to run it, cost and prep."""
    from csw.catalog import describe_idea

    bank = _bank(config_path, ideas)
    typer.echo(describe_idea(bank.get(idea_id), bank.origin[idea_id]))


@ideas_app.command("check")
def ideas_check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: every bank in use).")
    ] = None,
    config_path: ConfigOption = None,
) -> None:
    """Validate idea banks, and find text that contradicts an idea's fields; list every problem
    with file:line, and how to upgrade version-1 ideas; exit 1 if any."""
    from csw.idea_lint import check_bank
    from csw.ideas import problem_count

    if paths:
        checked = list(paths)
    else:
        config = load(config_path)
        checked = [config.resolve(p) for p in config.ideas.paths]
    bank, problems = check_bank(checked, builtin_too=not paths)
    for problem in problems:
        typer.echo(problem)
    if problems:
        count = problem_count(problems)
        typer.echo(f"{count:,} problem{'s' * (count != 1)} found.", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(bank.ideas)} ideas, no problems.")


email_app = typer.Typer(
    cls=_Boundary, help="Compose, preview and send the announcements.", no_args_is_help=True
)
app.add_typer(email_app, name="email")

RecipientsOption = Annotated[
    Path | None,
    typer.Option("--recipients", help="CSV with email and name columns (default: the team's, in [[teams]])."),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only", help="Only this kind (repeatable): proclamation, kickoff, daily, thanks, wrapup, monthly."
    ),
]
DueOption = Annotated[
    str | None, typer.Option("--due", help="Only what is due on this date (YYYY-MM-DD or 'today').")
]


def _due(text: str | None) -> date | None:
    if text is None:
        return None
    if text.strip().lower() == "today":
        return today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--due {text}: give a date as YYYY-MM-DD, or 'today'.") from None


def _selection(only: list[str] | None, due: str | None) -> tuple[tuple[str, ...], date | None]:
    """--only and --due, checked before anything is composed: a bad one must not write the outbox."""
    from csw.mail.compose import check_kinds

    kinds = tuple(only or ())
    check_kinds(kinds)
    return kinds, _due(due)


def _team_recipients(config: Config, team: str) -> Path:
    for entry in config.teams:
        if entry.name == team and entry.recipients:
            return config.resolve(entry.recipients)
    raise UsageError(
        "--recipients is missing.",
        hint="Give --recipients FILE.csv, or a recipients file for the team in [[teams]].",
    )


def _composed(
    plan_file: Path,
    recipients: Path | None,
    config_path: Path | None,
    templates: Path | None,
    only: tuple[str, ...] = (),
    due: date | None = None,
) -> tuple[list[Any], list[str], Path]:
    """Compose the plan's messages (only those asked for, if any) into its outbox."""
    from csw.mail.compose import compose_plan, write_outbox
    from csw.mail.recipients import load_recipients
    from csw.plan_file import load_plan
    from csw.render import environment

    config = load(config_path)
    plan_data = load_plan(plan_file)
    people, warnings = load_recipients(recipients or _team_recipients(config, plan_data.organization.team))
    env = environment(_templates(config, templates))
    composed, more = compose_plan(plan_data, people, config.email, config.team.departments, env, only, due)
    outbox = plan_file.parent / "outbox"
    write_outbox(outbox, composed, prune=not only and due is None)
    return composed, [*warnings, *more], outbox


@email_app.command("preview")
def email_preview(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Compose every message into outbox/ as .eml files; send nothing."""
    from csw.mail.compose import select, summary

    kinds, day = _selection(only, due)
    composed, warnings, outbox = _composed(plan_file, recipients, config_path, templates)
    chosen = select(composed, kinds, day)
    out = console()
    grid = table(out, ("Kind", "Due", "Messages"), right=("Messages",))
    for kind, when, count in summary(chosen):
        grid.add_row(kind, f"{when:%a} {when.isoformat()}", str(count))
    out.print(grid)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    out.print(f"{len(chosen)} of {len(composed)} messages; all {len(composed)} are in {outbox}/")


@email_app.command("send")
def email_send(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking first.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Send at most this many messages.")] = None,
    rate: Annotated[
        float | None, typer.Option(min=0.1, callback=_finite, help="At most this many messages a minute.")
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow security = 'none' towards a host that is not local.")
    ] = False,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Send what is composed and not yet sent, each message exactly once; asks first unless --yes."""
    from csw.mail.delivery import outgoing, send_summary
    from csw.mail.send import JOURNAL_NAME, read_journal, settings_from_config

    kinds, day = _selection(only, due)
    config = load(config_path)
    # the server settings are checked too before the outbox is written
    settings = settings_from_config(config.email, os.environ, insecure=insecure)
    if settings.ca_file:  # relative to csw.toml, like every path in it
        settings = dataclasses.replace(settings, ca_file=str(config.resolve(settings.ca_file)))
    chosen, warnings, outbox = _composed(plan_file, recipients, config_path, templates, kinds, day)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    journal = outbox / JOURNAL_NAME
    done = read_journal(journal)
    pending = [c for c in chosen if c.message_id not in done]
    typer.echo(
        send_summary(
            pending,
            len(chosen) - len(pending),
            settings.where,
            chosen[0].sender if chosen else "",
            today(),
        )
    )
    if not pending:
        return
    _confirm(yes)
    report = _send_with_progress(outgoing(pending, outbox), settings, journal, limit=limit, rate=rate)
    _report_sent(report, outbox)


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "there is no terminal to ask whether to send.", hint="Add --yes to send without asking."
        )
    if not typer.confirm("Send them now?", default=False):
        typer.echo("Nothing sent.")
        raise typer.Exit(0)


def _send_with_progress(
    messages: list[Any], settings: Any, journal: Path, *, limit: int | None, rate: float | None
) -> Any:
    from csw.mail.send import send_all

    out = console()
    if plain(out):
        return send_all(messages, settings, journal, limit=limit, rate_per_minute=rate)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.speed} msg/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task("send", total=min(len(messages), limit or len(messages)))
        return send_all(
            messages,
            settings,
            journal,
            limit=limit,
            rate_per_minute=rate,
            on_progress=lambda _message, _status: bar.advance(task),
        )


def _report_sent(report: Any, outbox: Path) -> None:
    from csw.mail.delivery import failure_rows, report_lines
    from csw.mail.send import write_failed_csv

    for line in report_lines(report):
        typer.echo(line)
    if report.failed:
        out = console()
        grid = table(out, ("File", "To", "Code", "Reason"), title="Not sent")
        for row in failure_rows(report):
            grid.add_row(*row)
        out.print(grid)
        write_failed_csv(report, outbox / "failed.csv")
        typer.echo(f"Their rows are in {outbox / 'failed.csv'}: fix them and run the same command again.")
    if not report.ok:
        raise typer.Exit(1)


def _bank(config_path: Path | None, ideas: list[Path] | None) -> Any:
    from csw.ideas import load_valid_bank

    config = load(config_path)
    return load_valid_bank([*(config.resolve(p) for p in config.ideas.paths), *(ideas or ())])


def main() -> None:
    """The console script: run the app; an unexpected error is one line unless CSW_DEBUG=1."""
    # csw uses no pydantic plugin, and looking for one reads the metadata of every installed
    # package on the first model: tens of milliseconds of each start-up (Typer turns it off too).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except CswError as error:  # raised outside a command, e.g. while parsing
        try:
            _fail(error)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except KeyboardInterrupt:
        typer.echo("csw: interrupted.", err=True)
        sys.exit(130)
    except Exception as error:
        if os.environ.get("CSW_DEBUG") == "1":
            raise
        typer.echo(
            f"csw: internal error: {type(error).__name__}: {error}\n"
            "  This is a bug in csw. Run again with CSW_DEBUG=1 for the details and report it.",
            err=True,
        )
        sys.exit(70)
