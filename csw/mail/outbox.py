"""The use case behind `csw email preview` and `send`: a plan's messages composed into its outbox,
for the recipients (who are the roster), with the record of what went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csw.core.errors import UsageError

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from csw.mail.compose import Composed
    from csw.mail.readers import Readers
    from csw.settings.config import Config

OUTBOX = "outbox"


@dataclass(frozen=True)
class Outbox:
    composed: list[Composed]
    warnings: list[str]
    folder: Path
    readers: Readers
    addresses: frozenset[str] = frozenset()  # every recipient's, casefolded, composed for or not


def recipients_file(config: Config, team: str, given: Path | None) -> Path:
    """--recipients, else the [[teams]] entry's recipients, else team.roster."""
    if given is not None:
        return given
    for entry in config.teams:
        if entry.name == team and entry.recipients:
            return config.resolve(entry.recipients)
    if config.team.roster and not config.teams:
        return config.resolve(config.team.roster)
    raise UsageError(
        "--recipients is missing.",
        hint="Give --recipients FILE.csv, set team.roster in csw.toml, or a recipients file for the"
        " team in [[teams]].",
    )


def compose_outbox(
    plan_file: Path,
    recipients: Path | None,
    config: Config,
    env: SandboxedEnvironment,
    *,
    today: date,
    invites: bool | None = None,
    only: tuple[str, ...] = (),
    due: date | None = None,
) -> Outbox:
    """Compose the plan's messages (only those asked for, if any) into its outbox, with each rep's
    own times and the updates of those whose calendar changed since it went out."""
    from csw.mail.compose import compose_plan
    from csw.mail.journal import JOURNAL_NAME, read_journal, sent_keys
    from csw.mail.outbox_files import write_outbox
    from csw.mail.readers import load_readers
    from csw.people.recipients import load_recipients
    from csw.plan.file import load_plan

    plan = load_plan(plan_file)
    source = recipients_file(config, plan.organization.team, recipients)
    people, warnings = load_recipients(source)
    folder = plan_file.parent / OUTBOX
    invite = config.email.invites if invites is None else invites
    readers, more = load_readers(plan, plan_file, source, people, config, folder, invites=invite)
    team = config.team
    messages, composing = compose_plan(
        plan, people, config.email, team.departments, env, only, due, readers, today, team.thanks
    )
    sent = sent_keys(read_journal(folder / JOURNAL_NAME))  # their files stay as they went out
    # each message written as it is composed, then dropped: only its light record is kept
    composed = write_outbox(folder, messages, prune=not only and due is None, sent=sent)
    addresses = frozenset(person.email.casefold() for person in people)
    return Outbox(composed, [*warnings, *more, *composing], folder, readers, addresses)
