"""Email benchmarks: composing the outbox (`csw email preview`), and sending it to a local SMTP server.

Sending is compared with two references, in the same rounds, to the same server:
  - the limit: a plain smtplib loop over one connection, sending the same .eml files;
  - mailmerge (PyPI), the common tool for the job, fed the same recipients.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import mailmerge_env
from tests.benchmarks.context import Bench
from tests.benchmarks.report import Row, Target, failed_row, rate, rate_row, time_row
from tests.benchmarks.smtp_sink import Sink, running_sink
from tests.benchmarks.timing import Command, RunFailed, Stats, alternate, run_once

SENDER = "Bench <bench@bench.example>"
# Every recipient gets a kickoff, five dailies and a wrapup; no `team` column, so no thanks
# messages, and no sponsor, so no proclamation.
MESSAGES_PER_RECIPIENT = 7


def write_recipients(path: Path, count: int) -> None:
    """recipients.csv: email, name, shift=day."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "name", "shift"])
        for n in range(count):
            writer.writerow([f"rep{n:05d}@bench.example", f"Rep {n:05d}", "day"])


def _plan(bench: Bench, folder: Path) -> Path:
    """An untimed `csw plan 2025` whose plan.yaml the messages are composed from."""
    out = folder / "csw-2025"
    run_once(Command("csw plan", bench.csw("plan", "2025", "--out", str(out)), folder))
    return out / "plan.yaml"


def _planned_team(bench: Bench, name: str, count: int) -> tuple[Path, Path, Path, Path]:
    """The benchmark's folder, with a plan and `count` recipients: (folder, plan, recipients, outbox)."""
    folder = bench.folder(name)
    plan = _plan(bench, folder)
    recipients = folder / "recipients.csv"
    write_recipients(recipients, count)
    return folder, plan, recipients, plan.parent / "outbox"


def _count_eml(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.eml"))


def bench_email_preview(bench: Bench) -> list[Row]:
    """`csw email preview` into an empty outbox each run: compose and write every message."""
    count = bench.sizes.preview_recipients
    folder, plan, recipients, outbox = _planned_team(bench, "email-preview", count)
    expected = count * MESSAGES_PER_RECIPIENT

    def empty_outbox() -> None:
        shutil.rmtree(outbox, ignore_errors=True)

    def all_written() -> None:
        if _count_eml(outbox) != expected:
            raise RunFailed(f"csw email preview wrote {_count_eml(outbox)} messages, not {expected}")

    preview = Command(
        "csw email preview",
        bench.csw("email", "preview", str(plan), "--recipients", str(recipients)),
        folder,
        before=empty_outbox,
        after=all_written,
    )
    reference = bench.reference(folder)
    samples = alternate([preview, reference], bench.runs, max_seconds=bench.max_seconds, log=bench.log)
    row = time_row(
        "email-preview",
        f"`csw email preview PLAN --recipients r.csv`: {count:,} recipients x 7 = {expected:,} messages"
        " composed and written to an empty outbox",
        samples[preview.name],
        samples[reference.name],
        reference.name,
        note=f"{count:,} recipients x 7 kinds rather than {bench.sizes.send_recipients:,} recipients with"
        " --only kickoff: preview composes and writes every kind whatever --only says, so this is how"
        f" to get about {expected:,} messages. No target; the minimal app is there to track the"
        " machine's drift.",
    )
    row.measured = rate(expected, Stats.of(samples[preview.name]))
    row.data["messages"] = expected
    bench.clean("email-preview")
    return [row]


def _link_kickoffs(outbox: Path, folder: Path) -> int:
    """Hard-link the kickoff messages of the outbox into `folder`, for the senders that read files."""
    folder.mkdir()
    for path in outbox.glob("*-kickoff-*.eml"):
        os.link(path, folder / path.name)
    return _count_eml(folder)


def _mailmerge(
    bench: Bench, folder: Path, sink: Sink, recipients: Path, plan: Path, received: Callable[[], None]
) -> Command:
    executable, version = mailmerge_env.install(bench.cache, bench.log)
    bench.notes.append(
        f"mailmerge {version.split()[-1]} runs from its own virtual environment ({executable.parent.parent}),"
        " with `--no-dry-run --no-limit --output-format text` (the default output, without colour codes),"
        " stdout to /dev/null. Its template (mailmerge's format: TO/SUBJECT/FROM headers, a Markdown body"
        " that it turns into text + HTML, `ATTACHMENT: schedule.ics`) gives messages of the same shape"
        " and about the same size as csw's kickoff; mailmerge opens one SMTP connection per message."
    )
    workdir = folder / "mailmerge"
    workdir.mkdir()
    (workdir / "mailmerge_template.txt").write_text(mailmerge_env.TEMPLATE, encoding="utf-8")
    (workdir / "mailmerge_server.conf").write_text(mailmerge_env.server_config(sink.port), encoding="utf-8")
    shutil.copyfile(recipients, workdir / "mailmerge_database.csv")
    shutil.copyfile(plan.parent / "schedule.ics", workdir / "schedule.ics")
    return Command(
        "mailmerge",
        [str(executable), "--no-dry-run", "--no-limit", "--output-format", "text"],
        workdir,
        before=sink.reset,
        after=received,
    )


def bench_email_send(bench: Bench) -> list[Row]:
    """`csw email send --only kickoff` to a local server, against a plain smtplib loop and mailmerge."""
    count = bench.sizes.send_recipients
    folder, plan, recipients, outbox = _planned_team(bench, "email-send", count)
    rows: list[Row] = []
    with running_sink() as sink:
        (folder / "csw.toml").write_text(
            f'[email]\nhost = "127.0.0.1"\nport = {sink.port}\nsecurity = "none"\nfrom = "{SENDER}"\n',
            encoding="utf-8",
        )
        # Compose once, untimed: every timed `csw email send` then finds the outbox as a rerun does
        # (it composes again and rewrites only what changed), and the other senders have files.
        run_once(
            Command(
                "csw email preview",
                bench.csw("email", "preview", str(plan), "--recipients", str(recipients)),
                folder,
            )
        )
        kickoffs = folder / "kickoffs"
        messages = _link_kickoffs(outbox, kickoffs)
        if messages != count:
            raise RunFailed(f"the outbox has {messages} kickoff messages for {count} recipients")
        journal = outbox / "sent.jsonl"
        sender_journal = folder / "sender-journal.jsonl"

        sizes: dict[str, float] = {}

        def fresh(path: Path) -> None:
            path.unlink(missing_ok=True)
            sink.reset()

        def received(name: str) -> Callable[[], None]:
            def check() -> None:
                sink.expect(messages, name)
                sizes[name] = sink.average_size  # the same every run: the last one is kept

            return check

        csw_send = Command(
            "csw email send",
            bench.csw(
                "email", "send", str(plan), "--recipients", str(recipients), "--only", "kickoff", "--yes"
            ),
            folder,
            before=lambda: fresh(journal),
            after=received("csw email send"),
        )
        loop = Command(
            "smtplib loop",
            bench.script("smtp_loop.py", str(kickoffs), "127.0.0.1", str(sink.port), "bench@bench.example"),
            folder,
            before=sink.reset,
            after=received("smtplib loop"),
        )
        sender = Command(
            "csw sender alone",
            bench.script("csw_sender.py", str(kickoffs), "127.0.0.1", str(sink.port), str(sender_journal)),
            folder,
            before=lambda: fresh(sender_journal),
            after=received("csw sender alone"),
        )
        commands = [csw_send, loop, sender]
        mailmerge: Command | None = None
        try:
            mailmerge = _mailmerge(bench, folder, sink, recipients, plan, received("mailmerge"))
            commands.append(mailmerge)
        except RunFailed as error:
            rows.append(
                failed_row(
                    "email-send", "mailmerge", f"mailmerge cannot be set up: {error}", unavailable=True
                )
            )
        samples = alternate(commands, bench.runs, max_seconds=bench.max_seconds, log=bench.log)
    if samples.reduced:
        bench.notes.append(
            bench.max_seconds_note(
                "email-send", samples.requested, samples.runs, sum(samples.warmup.values())
            )
        )
    size_note = ", ".join(f"{name} {size / 1000:.0f} kB" for name, size in sizes.items())
    label = f"`csw email send PLAN --recipients r.csv --only kickoff --yes`, {count:,} recipients, end to end"

    def compared(what: str, ours: Command, theirs: Command, target: float, note: str = "") -> Row:
        return rate_row(
            "email-send",
            what,
            messages,
            samples[ours.name],
            messages,
            samples[theirs.name],
            theirs.name,
            target=Target(">=", target, "x"),
            note=note,
        )

    end_to_end = (
        f"End to end: csw composes the {messages:,} kickoffs (--only kickoff), checks them against the"
        f" outbox (rewriting none: they are unchanged), then sends them. Average message size as"
        f" received: {size_note}."
    )
    rows.insert(0, compared(label, csw_send, loop, 0.8, end_to_end))
    if mailmerge is not None:
        rows.insert(1, compared(label, csw_send, mailmerge, 2.0))
    alone = "csw's sender alone: read_outbox + send_all (with its journal) on the kickoff .eml files"
    diagnostic = (
        "Diagnostic: the send step of `csw email send` without its compose step, against the same"
        " limit, to tell the cost of sending from the cost of composing."
    )
    rows.append(compared(alone, sender, loop, 0.8, diagnostic))
    bench.clean("email-send")
    return rows
