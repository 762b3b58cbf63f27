"""The app and its error boundary: where a CswError becomes a message and an exit code, the options
every command group shares, and the console script."""

from __future__ import annotations

import math
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from csw import __version__
from csw.cli.choices import FORMATS, list_completer
from csw.core.errors import CswError, UsageError

if TYPE_CHECKING:
    from csw.settings.config import Config


class Boundary(TyperGroup):
    """The one place where a CswError becomes a message on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CswError as error:
            _fail(error)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        for param in getattr(command, "params", ()):
            if param.param_type_name == "argument":
                # Typer 0.2x writes a Python type after an argument's name in the help ("YEAR
                # <list[str]>") whatever its metavar; the name and the help line say what it takes
                param.display_type_rich = _no_type
        return command


def _no_type(ctx: Any = None) -> None:
    return None


def _fail(error: CswError) -> NoReturn:
    if os.environ.get("CSW_DEBUG") == "1":
        raise error
    typer.echo(f"csw: {error}", err=True)
    raise typer.Exit(error.exit_code)


app = typer.Typer(
    cls=Boundary,
    help="Plan Customer Service Week: dates, themed days, activities, agenda, calendar, emails.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
ideas_app = typer.Typer(cls=Boundary, help="Browse and check the idea bank.", no_args_is_help=True)
app.add_typer(ideas_app, name="ideas")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", metavar="FILE", help="csw.toml to use (default: ./csw.toml, else built-in defaults)."
    ),
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


def today(zone: str | None = None) -> date:
    """The one reading of the calendar; CSW_TODAY=YYYY-MM-DD pins it (tests, a dry run of a cron job).

    The date is the one in `zone` (the organisation's: a cron job at 00:30 in Sydney runs on a
    machine whose clock may still say yesterday), else in CSW_NOW's own offset, else the machine's.
    """
    pinned = os.environ.get("CSW_TODAY")
    if not pinned:
        if zone:
            from zoneinfo import ZoneInfo

            return now().astimezone(ZoneInfo(zone)).date()
        return now().date() if os.environ.get("CSW_NOW") else date.today()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise UsageError(f"CSW_TODAY={pinned!r} is not a date; use YYYY-MM-DD.") from None


def now() -> datetime:
    """The one reading of the clock (timezone-aware), e.g. for the Date of each message sent.

    CSW_NOW pins it to an ISO date and time with its UTC offset, e.g. 2025-10-06T04:00:00-05:00 or
    2025-10-06T09:00:00Z (tests, a rehearsal of a cron job); every reading then gives that time.
    """
    pinned = os.environ.get("CSW_NOW")
    if not pinned:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise UsageError(
            f"CSW_NOW={pinned!r} is not a date and time with its offset;"
            " use e.g. 2025-10-06T09:00:00-05:00 or 2025-10-06T14:00:00Z."
        )
    return moment


def finite(param: typer.CallbackParam, value: float | None) -> float | None:
    """Every float option refuses nan and inf: Python reads them as numbers, but no budget, amount
    or rate is one, and plan.json could not hold them (JSON has no Infinity)."""
    if value is not None and not math.isfinite(value):
        raise UsageError(f"{param.opts[0]} {value}: give a finite number.")
    return value


def load(config_path: Path | None) -> Config:
    from csw.settings.config_file import find_config, load_config

    return load_config(find_config(config_path, Path(".")))


TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        metavar="DIR",
        help="Your template folder; its files override the built-in ones by name.",
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMATS",
        autocompletion=list_completer(FORMATS),
        help="Exports, comma-separated: md,ics,html,json (default: all but json).",
    ),
]


def templates_folder(config: Config, option: Path | None) -> Path | None:
    if option is not None:
        return option
    return config.resolve(config.templates.path) if config.templates.path else None


IdeasOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--ideas", metavar="PATH", help="Your idea bank: a YAML file or a folder of them (repeatable)."
    ),
]


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
