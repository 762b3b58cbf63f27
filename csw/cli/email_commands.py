"""`csw email`: compose, preview and send the announcements."""

from __future__ import annotations

import dataclasses
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from csw.cli.app import (
    Boundary,
    ConfigOption,
    TemplatesOption,
    app,
    finite,
    load,
    now,
    templates_folder,
    today,
)
from csw.cli.completion import due_dates, message_kinds
from csw.cli.terminal import console, plain, table
from csw.errors import UsageError

if TYPE_CHECKING:
    pass


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
        "--invites",
        help="Calendars as invitations (METHOD:REQUEST) that land without an import (or email.invites).",
    ),
]
DueOption = Annotated[
    str | None,
    typer.Option(
        "--due",
        metavar="DATE",
        autocompletion=due_dates,
        help="Only what is due on this date (YYYY-MM-DD or 'today').",
    ),
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


def _composed(
    plan_file: Path,
    recipients: Path | None,
    config_path: Path | None,
    templates: Path | None,
    invites: bool | None = None,
) -> tuple[list[Any], list[str], Path, Any]:
    from csw.mail.outbox import compose_outbox
    from csw.render import environment

    config = load(config_path)
    env = environment(templates_folder(config, templates))
    box = compose_outbox(plan_file, recipients, config, env, today=today(), invites=invites)
    return box.composed, box.warnings, box.folder, box.readers


@email_app.command("preview")
def email_preview(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    invites: InvitesOption = None,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Compose every message into outbox/ as .eml files; send nothing."""
    from csw.mail.changes import out_of_date
    from csw.mail.compose import select, summary

    kinds, day = _selection(only, due)
    composed, warnings, outbox, readers = _composed(
        plan_file, recipients, config_path, templates, invites=invites
    )
    chosen = select(composed, kinds, day)
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


@email_app.command("send")
def email_send(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking first.")] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Send at most this many messages.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(min=0.1, metavar="N", callback=finite, help="At most this many messages a minute."),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow security = 'none' towards a host that is not local.")
    ] = False,
    invites: InvitesOption = None,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Send what is composed and not yet sent, each message exactly once; asks first unless --yes."""
    from csw.mail.changes import out_of_date, record_sent
    from csw.mail.compose import select
    from csw.mail.delivery import outgoing, send_summary
    from csw.mail.journal import message_key, sent_keys
    from csw.mail.send import JOURNAL_NAME, read_journal, settings_from_config

    kinds, day = _selection(only, due)
    now()  # a CSW_NOW that is not a time is refused before anything is composed or sent
    config = load(config_path)
    # the server settings are checked too before the outbox is written
    settings = settings_from_config(config.email, os.environ, insecure=insecure)
    if settings.ca_file:  # relative to csw.toml, like every path in it
        settings = dataclasses.replace(settings, ca_file=str(config.resolve(settings.ca_file)))
    composed, warnings, outbox, readers = _composed(
        plan_file, recipients, config_path, templates, invites=invites
    )
    chosen = select(composed, kinds, day)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in out_of_date(composed, readers.record):
        typer.echo(f"changed: {line}", err=True)
    journal = outbox / JOURNAL_NAME
    done = read_journal(journal)
    keys = sent_keys(done)  # by key: a Message-ID sent under an earlier domain is the same message
    pending = [c for c in chosen if message_key(c.message_id) not in keys]
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
    try:
        report = _send_with_progress(outgoing(pending, outbox), settings, journal, limit=limit, rate=rate)
    finally:  # what went out goes into the record, even when the run stops half-way
        record_sent(outbox, composed, read_journal(journal) - done, readers)
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
        return send_all(messages, settings, journal, now=now, limit=limit, rate_per_minute=rate)
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
            now=now,
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
