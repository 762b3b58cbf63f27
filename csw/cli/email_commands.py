"""`csw email`: compose, preview and send the announcements."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from csw.cli.app import (
    Boundary,
    ConfigOption,
    TemplatesOption,
    app,
    load,
    templates_folder,
    today,
)
from csw.cli.completion import due_dates, message_kinds
from csw.cli.terminal import console, table
from csw.core.errors import UsageError

if TYPE_CHECKING:
    from csw.mail.outbox import Outbox


email_app = typer.Typer(
    cls=Boundary, help="Compose, preview and send the announcements.", no_args_is_help=True
)
app.add_typer(email_app, name="email")

RecipientsOption = Annotated[
    Path | None,
    typer.Option(
        "--recipients",
        metavar="FILE",
        help="CSV with email and name columns (default: the team's, in [[teams]]).",
    ),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        metavar="KIND",
        autocompletion=message_kinds,
        help="Only this kind (repeatable): proclamation, kickoff, daily, thanks, wrapup, monthly, update.",
    ),
]
InvitesOption = Annotated[
    bool | None,
    typer.Option(
        "--invites/--no-invites",
        help="Calendars as invitations (METHOD:REQUEST) that land without an import; --no-invites for"
        " calendars to import, whatever email.invites says.",
    ),
]
DueOption = Annotated[
    str | None,
    typer.Option(
        "--due",
        metavar="DATE",
        autocompletion=due_dates,
        help="What is due by this date and not yet sent, missed days included (YYYY-MM-DD, or"
        " 'today' in the plan's time zone).",
    ),
]


def _due(text: str | None, zone: str) -> date | None:
    if text is None:
        return None
    if text.strip().lower() == "today":
        return today(zone)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--due {text}: give a date as YYYY-MM-DD, or 'today'.") from None


def selection(
    only: list[str] | None, due: str | None, plan_file: Path
) -> tuple[tuple[str, ...], date | None]:
    """--only and --due, checked before anything is composed: a bad one must not write the outbox.
    'today' is the date in the plan's time zone."""
    from csw.mail.compose import check_kinds

    kinds = tuple(only or ())
    check_kinds(kinds)
    return kinds, _due(due, plan_zone(plan_file))


def plan_zone(plan_file: Path) -> str:
    """The organisation's time zone, as the plan has it."""
    from csw.plan.file import load_plan

    return load_plan(plan_file).organization.timezone


def composed_outbox(
    plan_file: Path,
    recipients: Path | None,
    config_path: Path | None,
    templates: Path | None,
    invites: bool | None = None,
    only: tuple[str, ...] = (),
) -> Outbox:
    from csw.exports.render import environment
    from csw.mail.outbox import compose_outbox

    config = load(config_path)
    env = environment(templates_folder(config, templates))
    return compose_outbox(
        plan_file, recipients, config, env, today=today(plan_zone(plan_file)), invites=invites, only=only
    )


@email_app.command("preview")
def email_preview(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    invites: InvitesOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print what was composed as JSON on stdout (counts by kind and due date, the outbox,"
            " warnings, changes; see csw.mail.summary); the rest goes to stderr.",
        ),
    ] = False,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Compose every message into outbox/ as .eml files; send nothing."""
    from csw.mail.changes import out_of_date
    from csw.mail.compose import select, summary

    kinds, day = selection(only, due, plan_file)
    box = composed_outbox(plan_file, recipients, config_path, templates, invites=invites)
    composed, warnings, outbox, readers = box.composed, box.warnings, box.folder, box.readers
    chosen = select(composed, kinds, day)
    if as_json:
        _preview_json(chosen, composed, outbox, warnings, out_of_date(composed, readers.record))
        return
    out = console()
    grid = table(out, ("Kind", "Due", "Messages"), right=("Messages",))
    for kind, when, count in summary(chosen):
        grid.add_row(kind, f"{when:%a} {when.isoformat()}", str(count))
    out.print(grid)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in out_of_date(composed, readers.record):
        typer.echo(f"changed: {line}", err=True)
    out.print(f"{len(chosen)} of {len(composed)} messages; all {len(composed)} are in {outbox}/")


def _preview_json(
    chosen: list[Any], composed: list[Any], outbox: Path, warnings: list[str], changed: list[str]
) -> None:
    import json

    from csw.mail.journal import JOURNAL_NAME, read_journal, sent_keys
    from csw.mail.summary import preview_record

    for warning in warnings:  # stderr as in the text: a cron job's mail shows them
        typer.echo(f"warning: {warning}", err=True)
    for line in changed:
        typer.echo(f"changed: {line}", err=True)
    sent = sent_keys(read_journal(outbox / JOURNAL_NAME))
    typer.echo(json.dumps(preview_record(chosen, composed, outbox, sent, warnings, changed), indent=2))
