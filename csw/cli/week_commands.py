"""The commands before a plan: week (the dates and the theme) and init (a starter csw.toml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from csw.cli.app import ConfigOption, app, load, today


@app.command(context_settings={"ignore_unknown_options": True})
def week(
    years: Annotated[
        list[str] | None, typer.Argument(metavar="YEAR", help="Years (default: the next week).")
    ] = None,
    from_year: Annotated[
        str | None, typer.Option("--from", metavar="YEAR", help="First year of a range.")
    ] = None,
    to_year: Annotated[str | None, typer.Option("--to", metavar="YEAR", help="Last year of a range.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Print the week's dates and the year's official theme."""
    from csw.exports.views import week_line, week_record
    from csw.week.dates import next_week, week_of, years_asked
    from csw.week.themes import theme_of

    config = load(config_path)
    days, start = config.week.days, config.week.start
    wanted = years_asked(years or [], from_year, to_year)
    weeks = [week_of(year, days, start) for year in wanted] or [next_week(today(), days, start)]

    def theme(year: int) -> str | None:
        return theme_of(year, config.themes, config.organization.theme)

    if as_json:
        typer.echo(json.dumps([week_record(w, theme(w.year)) for w in weeks], indent=2))
    else:
        locale = config.organization.locale
        typer.echo("\n".join(week_line(w, theme(w.year), locale) for w in weeks))


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write them.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented csw.toml and an example recipients.csv."""
    from csw.starter import write_starter

    for path in write_starter(folder, force=force):
        typer.echo(f"wrote {path}")
