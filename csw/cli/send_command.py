"""`csw email send`: what is due and not yet sent, each message exactly once, with its report in
words or as JSON."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from csw.cli.app import ConfigOption, TemplatesOption, finite, load, now, today
from csw.cli.email_commands import (
    DueOption,
    InvitesOption,
    OnlyOption,
    RecipientsOption,
    composed_outbox,
    email_app,
    plan_zone,
    selection,
)
from csw.cli.terminal import console, plain, table
from csw.core.errors import UsageError

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the report as JSON on stdout (the rest goes to stderr).")
]


@email_app.command("send")
def email_send(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="The plan.yaml.")],
    recipients: RecipientsOption = None,
    only: OnlyOption = None,
    due: DueOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Send without asking first, late ones included.")
    ] = False,
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
    as_json: JsonOption = False,
    config_path: ConfigOption = None,
    templates: TemplatesOption = None,
) -> None:
    """Send what is due (by --due, if given) and not yet sent, each message exactly once; asks first
    unless --yes."""
    from csw.mail.changes import out_of_date, record_sent
    from csw.mail.compose import kinds_to_compose, select
    from csw.mail.delivery import outgoing, overdue, send_summary
    from csw.mail.journal import message_key, sent_keys
    from csw.mail.send import JOURNAL_NAME, read_journal, settings_from_config

    kinds, day = selection(only, due, plan_file)
    moment = now()  # a CSW_NOW that is not a time is refused before anything is composed or sent
    config = load(config_path)
    # the server settings are checked too before the outbox is written
    settings = settings_from_config(config.email, os.environ, insecure=insecure)
    if settings.ca_file:  # relative to csw.toml, like every path in it
        settings = dataclasses.replace(settings, ca_file=str(config.resolve(settings.ca_file)))
    box = composed_outbox(
        plan_file, recipients, config_path, templates, invites=invites, only=kinds_to_compose(kinds)
    )
    composed, outbox, readers = box.composed, box.folder, box.readers
    chosen = select(composed, kinds, day)
    for warning in box.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in out_of_date(composed, readers.record, box.addresses):
        typer.echo(f"changed: {line}", err=True)
    journal = outbox / JOURNAL_NAME
    done = read_journal(journal)
    keys = sent_keys(done)  # by key: a Message-ID sent under an earlier domain is the same message
    pending = [c for c in chosen if message_key(c.message_id) not in keys]
    zone = plan_zone(plan_file)
    late = overdue(pending, moment, zone, config.email.send_time)
    sender = chosen[0].sender if chosen else ""
    summary = send_summary(pending, len(chosen) - len(pending), settings.where, sender, today(zone), late)
    typer.echo(summary, err=as_json)
    if not pending:
        if as_json:
            _print_json(None, settings.where, len(chosen), len(chosen))
        return
    _confirm(yes, late is not None)
    try:
        report = _send_with_progress(
            outgoing(pending, outbox), settings, journal, limit=limit, rate=rate, quiet=as_json
        )
    finally:  # what went out goes into the record, even when the run stops half-way
        record_sent(outbox, composed, read_journal(journal) - done, readers)
    _report_sent(report, outbox, settings.where, as_json, (len(chosen), len(chosen) - len(pending)))


def _confirm(yes: bool, late: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "there is no terminal to ask whether to send.", hint="Add --yes to send without asking."
        )
    question = "Send them now, the late ones included?" if late else "Send them now?"
    if not typer.confirm(question, default=False):
        typer.echo("Nothing sent.")
        raise typer.Exit(0)


def _send_with_progress(
    messages: list[Any], settings: Any, journal: Path, *, limit: int | None, rate: float | None, quiet: bool
) -> Any:
    from csw.mail.send import send_all

    out = console()
    if quiet or plain(out):
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


def _report_sent(report: Any, outbox: Path, server: str, as_json: bool, before: tuple[int, int]) -> None:
    from csw.mail.delivery import failure_rows, report_lines
    from csw.mail.send import write_failed_csv

    for line in report_lines(report):
        typer.echo(line, err=as_json)
    if report.failed:
        write_failed_csv(report, outbox / "failed.csv")
        if not as_json:
            out = console()
            grid = table(out, ("File", "To", "Code", "Reason"), title="Not sent")
            for row in failure_rows(report):
                grid.add_row(*row)
            out.print(grid)
        typer.echo(
            f"Their rows are in {outbox / 'failed.csv'}: fix them and run the same command again.",
            err=as_json,
        )
    if as_json:
        _print_json(report, server, *before)
    if report.interrupted:
        raise typer.Exit(130)
    if not report.ok:
        raise typer.Exit(1)


def _print_json(report: Any, server: str, selected: int, already: int) -> None:
    from csw.mail.delivery import report_record
    from csw.mail.report import SendReport

    typer.echo(json.dumps(report_record(report or SendReport(), server, selected, already), indent=2))
