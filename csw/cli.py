"""The command line: parses arguments, calls the library, prints. No planning logic lives here."""

from __future__ import annotations

import json
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


def load(config_path: Path | None) -> Config:
    from csw.config import find_config, load_config

    return load_config(find_config(config_path, Path.cwd()))


def console() -> Console:
    """Rich output on a terminal; plain text (no colour, no box drawing) in a pipe or with NO_COLOR."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def plain(out: Console) -> bool:
    return not out.is_terminal or "NO_COLOR" in os.environ


@app.command(context_settings={"ignore_unknown_options": True})
def week(
    years: Annotated[list[str] | None, typer.Argument(help="Years (default: the next week).")] = None,
    from_year: Annotated[str | None, typer.Option("--from", help="First year of a range.")] = None,
    to_year: Annotated[str | None, typer.Option("--to", help="Last year of a range.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Print the dates (and the official theme) of Customer Service Week."""
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
    """Write a starter csw.toml and recipients.csv, fully commented."""
    from csw.starter import write_starter

    for path in write_starter(folder, force=force):
        typer.echo(f"wrote {path}")


def main() -> None:
    """The console script: run the app; an unexpected error is one line unless CSW_DEBUG=1."""
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
