"""Composing the announcements: each draft rendered into a multipart EmailMessage.

Each message kind is a Markdown template with its subject in front matter. The text/plain part is
that Markdown read as plain text (csw.mail.plaintext: no markup, wrapped near 72 characters); for
the text/html part the template is rendered again with every value Markdown-escaped (a title
"*Wow* Day" is not emphasis, "![x](url)" not an image), and markdown-it-py turns that into HTML
inside an email-safe layout with inline styles. A rep's kickoff and daily messages carry their own
times and their own calendar (csw.mail.readers). Message-IDs, Dates and MIME boundaries come from
the plan, so the same inputs compose the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cached_property, lru_cache
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from csw.exports.context import plan_context
from csw.exports.render import TemplateError, render
from csw.mail import identity
from csw.mail.audience import KINDS, ComposeError, Draft, audience, check_kinds, matches, schedule
from csw.mail.mime import MAIL_POLICY, address, calendar_part, header_line, mailbox, markdown_parser
from csw.mail.readers import Readers
from csw.mail.tokens import TOKEN, Body, Probe, fill, fills_the_same
from csw.people.recipients import Recipient
from csw.plan.model import Plan
from csw.settings.config import Email, clock_minutes

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

__all__ = [
    "KINDS",
    "MAIL_POLICY",
    "ComposeError",
    "Composed",
    "Composer",
    "body_digest",
    "check_kinds",
    "compose_plan",
    "header_line",
    "select",
    "summary",
]
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
PERSONAL_KINDS = ("kickoff", "daily", "update")
CALENDAR_KINDS = ("kickoff", "update")  # they bring the reader's whole calendar up to date


BODIES_KEPT = 64  # bodies kept for reuse: drafts come by day and kind; a kickoff is nearly always its own


@dataclass(frozen=True, slots=True)
class Composed:
    """What csw keeps of a composed message once it is written: its file name, draft and
    Message-ID, never its bytes (the outbox file has them), so that 35,000 messages fit in memory.

    `digest`: what it says bar its headers (the record of what went out keeps it, to tell when the
    plan has overtaken a sent message). `calendar`: whether it brings the reader's whole calendar
    up to date (a kickoff or an update), whose events the record takes once it is sent.
    """

    filename: str
    draft: Draft
    message_id: str
    sender: str
    digest: str
    calendar: bool = False


def body_digest(data: bytes) -> str:
    """What a message says, bar its headers (its Date is stamped when it is sent)."""
    return hashlib.blake2b(data[data.find(b"\r\n\r\n") :], digest_size=12).hexdigest()


class Composer:
    """Renders drafts into messages, quickly enough for thousands of recipients.

    Messages of one kind, day, shift and set of the reader's own sessions differ only in the
    recipient's details, so each such group is rendered once with a stand-in (csw.mail.tokens).
    Every message's text is still rendered for real and compared: a template that uses the
    recipient in its logic (`{% if recipient.role == "lead" %}`) gets that message composed whole.
    """

    def __init__(
        self,
        plan: Plan,
        env: SandboxedEnvironment,
        email: Email,
        sender: str,
        readers: Readers | None = None,
        thanks: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.env = env
        self.zone = ZoneInfo(plan.organization.timezone)
        self.send_time = time(*divmod(clock_minutes(email.send_time), 60))
        self.sender = address(sender, "email.from")
        self.readers = readers or Readers(plan, self.sender)
        self.sign_off = parseaddr(sender)[0] or plan.organization.team
        self.context = plan_context(plan)
        self.markdown = markdown_parser()
        self.thanks = dict(thanks or {})  # the coordinator's own words for a department
        self.departments: dict[str, str] = {}
        # the bodies last used, oldest first: bounded, as with invitations every reader has their own
        self.bodies: OrderedDict[tuple[object, ...], Body] = OrderedDict()

    def compose(
        self, drafts: Iterable[Draft], wanted: Callable[[Draft], bool] = lambda _: True
    ) -> Iterator[tuple[Composed, bytes]]:
        """The wanted drafts, composed one at a time, each named by what it is
        (csw.mail.identity.file_name): its light record and its wire-format bytes."""
        year = self.plan.year
        for draft in drafts:
            if wanted(draft):
                yield self.message(draft, identity.file_name(year, draft))

    def message(self, draft: Draft, filename: str) -> tuple[Composed, bytes]:
        reader = draft.recipient
        shift = self.readers.reading_shift(reader)
        body = self._group_body(draft, shift)
        values = body.values(reader)
        subject, markdown = (
            self._render(draft, reader, shift) if self._rendered_each(draft.kind) else (None, None)
        )
        if subject not in (None, fill(body.subject, values)) or not fills_the_same(body, values, markdown):
            body, values = self._body(draft, reader, shift), {}
        message_id = identity.message_id(self.plan.year, draft, self.plan.organization.domain)
        headers = [
            ("From", self.sender),
            ("To", mailbox(reader.name, reader.email, f"recipient on line {reader.line}")),
            ("Subject", fill(body.subject, values)),
            ("Date", format_datetime(datetime.combine(draft.due, self.send_time, self.zone))),
            ("Message-ID", message_id),
            ("X-CSW-Kind", draft.kind),
        ]
        data = b"".join(header_line(name, value) for name, value in headers) + body.fill(values)
        calendar = draft.kind in CALENDAR_KINDS
        return Composed(filename, draft, message_id, self.sender, body_digest(data), calendar), data

    @lru_cache(maxsize=len(KINDS))  # noqa: B019 (one composer a run, a handful of kinds)
    def _rendered_each(self, kind: str) -> bool:
        """Whether each message of `kind` is rendered too, to compare with its group's filled in: a
        template of the user's may use the reader as a group cannot show; csw's own use the reader
        only in tokens (its first name), and a test holds them to it and to the same bytes."""
        from csw.core.resources import builtin_dir

        filename = self.env.get_template(f"email/{kind}.md.j2").filename or ""
        return not Path(filename).resolve().is_relative_to(builtin_dir("templates").resolve())

    def _group_body(self, draft: Draft, shift: str | None) -> Body:
        """The body of the draft's group (kind, day, shift, the reader's own part), made once."""
        key = (draft.kind, draft.key, shift, *self._personal_key(draft))
        body = self.bodies.get(key)
        if body is None:
            body = self.bodies[key] = self._probed_body(draft, shift)
            if len(self.bodies) > BODIES_KEPT:
                self.bodies.popitem(last=False)
        else:
            self.bodies.move_to_end(key)
        return body

    def _personal_key(self, draft: Draft) -> tuple[object, ...]:
        """What besides kind, day and shift makes a reader's message their own."""
        if draft.kind not in PERSONAL_KINDS:
            return ()
        readers, reader = self.readers, draft.recipient
        slots = readers.slots(reader)
        if draft.kind == "daily" and draft.day is not None:
            slots = tuple(s for s in slots if s.day == draft.day.date)
        # the sessions, not the slots: a slot names its rep, which made every rep's group their own
        # (a template that shows a slot's email differs from its group and is composed whole)
        sessions = tuple(slot.session for slot in slots)
        invitee = reader.email.casefold() if readers.invites and draft.kind != "daily" else None
        who = (readers.coordinator(reader), readers.lead(reader), readers.remote(reader))
        return (readers.scope(reader), sessions, *who, invitee)

    def _probed_body(self, draft: Draft, shift: str | None) -> Body:
        """The group's message with a stand-in recipient, its tokens absent from all else in it."""
        # A first render shows the message's own text; a prefix not in it makes tokens nothing else
        # can be taken for, and the message is rendered again with them (renaming the first
        # render's tokens would rename a plan's text that looks like one). Counting up keeps the
        # bytes reproducible.
        subject, markdown = self._render(draft, Probe(TOKEN), shift)
        calendars = b"".join(base64.b64encode(data) for _, data, _ in self._calendars(draft))
        prefix = next(
            prefix
            for prefix in (f"{TOKEN}{n}" for n in count())
            if prefix not in subject and prefix not in markdown and prefix.encode() not in calendars
        )
        probe = Probe(prefix)
        return self._body(draft, probe, shift, self._render(draft, probe, shift))

    def _body(
        self, draft: Draft, reader: Any, shift: str | None, rendered: tuple[str, str] | None = None
    ) -> Body:
        """The MIME structure and parts of a message, serialised once by the email package.
        `rendered`: its subject and Markdown, where they are made already."""
        from csw.mail.plaintext import plain_text

        subject, markdown = rendered or self._render(draft, reader, shift)
        text = plain_text(markdown)
        html = self._html(subject, markdown)
        probe = reader if isinstance(reader, Probe) else None
        if probe:
            html = probe.for_html(html)
        mime = EmailMessage(policy=MAIL_POLICY)
        mime.set_content(text, cte="8bit")  # 8bit, not quoted-printable: tokens stay whole
        mime.add_alternative(html, subtype="html", cte="8bit")
        self._attach_calendars(mime, draft)
        group = hashlib.sha256(f"{self.plan.year}|{draft.kind}|{draft.key}|{shift}".encode()).hexdigest()[:16]
        for number, part in enumerate(p for p in mime.walk() if p.is_multipart()):
            part.set_boundary(f"=_csw_{group}_{number}")  # random by default: not reproducible
        reads = probe.reads if probe else {}
        html_tokens = {token: probe.for_html(token) for token in reads} if probe else {}
        return Body(subject, text, mime.as_bytes(policy=MAIL_POLICY), reads, html_tokens, markdown)

    def _attach_calendars(self, mime: EmailMessage, draft: Draft) -> None:
        found = self._calendars(draft)
        if not found:
            return
        if self.readers.invites and draft.kind == "kickoff":  # an invitation's own part, as Gmail sends it
            mime.attach(calendar_part(found[0][1], "invite.ics", self.readers.method, inline=True))
        mime.make_mixed()
        for name, data, method in found:
            mime.attach(calendar_part(data, name, method))

    def _calendars(self, draft: Draft) -> list[tuple[str, bytes, str]]:
        """(file name, bytes, method) of each calendar the message carries: a kickoff's of the
        reader's own week (and the coordinator's prep list); an update's changed events and, where
        some are gone, their cancellation."""
        readers, reader = self.readers, draft.recipient
        found: list[tuple[str, bytes, str]] = []
        if draft.kind == "kickoff":
            found.append(("schedule.ics", readers.calendar(reader), readers.method))
            if readers.coordinator(reader):
                found.append(("prep.ics", self._prep_calendar, "PUBLISH"))
        elif draft.kind == "update":
            uids = {c.uid for c in draft.changes if c.what != "removed"}
            events = [e for e in readers.events(readers.scope(reader)) if e.uid in uids]
            if events:
                found.append(("schedule.ics", readers.calendar(reader, events), readers.method))
            removed = [c for c in draft.changes if c.what == "removed"]
            if removed:
                found.append(("cancelled.ics", readers.cancellation(reader, removed), "CANCEL"))
        return found

    @cached_property
    def _prep_calendar(self) -> bytes:
        from csw.exports.ics import Publication, prep_calendar_bytes

        return prep_calendar_bytes(
            self.plan, Publication(organizer=self.sender, uids=self.readers.record.uids)
        )

    def _render(self, draft: Draft, reader: Any, shift: str | None) -> tuple[str, str]:
        """Subject and body, every value in the body Markdown-escaped: the plan's words read as
        they were written, in the plain text as in the HTML."""
        name = f"email/{draft.kind}.md.j2"
        context = {**self.context, **self._reader_context(draft, shift)}
        context["recipient"] = reader
        rendered = render(self.env, name, context, markdown=True)
        found = _FRONT_MATTER.match(rendered)
        fields = dict(_field(line, name) for line in found[1].splitlines() if line.strip()) if found else {}
        subject = " ".join(fields.get("subject", "").split())
        if not subject:
            raise TemplateError(f"{name}: no subject; start the template with '---', 'subject: ...', '---'.")
        return subject, rendered[found.end() if found else 0 :].strip() + "\n"

    def _reader_context(self, draft: Draft, shift: str | None) -> dict[str, Any]:
        readers, reader = self.readers, draft.recipient
        slots = readers.slots(reader)
        return {
            "kind": draft.kind,
            "shift": shift,
            "today": draft.day,
            "department": draft.department,
            "department_words": self._department_words(draft.department),
            "due": draft.due,
            "touchpoint": draft.touchpoint[0] if draft.touchpoint else None,
            "idea": draft.touchpoint[1] if draft.touchpoint else None,
            "sign_off": self.sign_off,
            "rostered": readers.rostered(reader),
            "remote_rep": readers.remote(reader),
            "coordinator": readers.coordinator(reader),
            "lead": readers.lead(reader),
            "mine": {(slot.day, slot.idea): slot for slot in slots},
            "changes": draft.changes,
            "invites": readers.invites,
        }

    def _department_words(self, department: str | None) -> str:
        if department is None:
            return ""
        if department not in self.departments:
            from csw.settings.departments import thanks_words

            self.departments[department] = thanks_words(department, self.thanks)
        return self.departments[department]

    def _html(self, subject: str, text: str) -> str:
        from markupsafe import Markup

        # Safe to mark: markdown-it runs with html=False, so any HTML in the text arrives escaped.
        body = Markup(self.markdown.render(text))
        context = {**self.context, "subject": subject, "body": body, "sign_off": self.sign_off}
        return render(self.env, "email/layout.html.j2", context)


def _field(line: str, template: str) -> tuple[str, str]:
    key, sep, value = line.partition(":")
    if not sep or key.strip() != "subject":
        raise TemplateError(f"{template}: front matter line '{line}': only 'subject: ...' is understood.")
    return key.strip(), value.strip()


def compose_plan(
    plan: Plan,
    recipients: Sequence[Recipient],
    email: Email,
    departments: Sequence[str],
    env: SandboxedEnvironment,
    kinds: Sequence[str] = (),
    due: date | None = None,
    readers: Readers | None = None,
    today: date | None = None,
    thanks: Mapping[str, str] | None = None,
) -> tuple[Iterator[tuple[Composed, bytes]], list[str]]:
    """The plan's messages for these recipients (only `kinds` due on `due`, when given), composed
    one at a time as they are taken (see Composer.compose), and warnings about who gets nothing.
    `readers`: the roster and the record of what went out, from which each rep's own times and the
    updates of those whose calendar changed come."""
    check_kinds(kinds)
    who = audience(recipients, departments, email.sponsor)
    sender = email.from_ or f"{plan.organization.team} <csw@{plan.organization.domain}>"
    composer = Composer(plan, env, email, sender, readers, thanks)
    warnings = list(who.warnings)
    if not email.from_:
        warnings.append(f"email.from is not set: messages are from {sender}")
    drafts = schedule(plan, who, email)
    drafts += _updates(composer.readers, who.team, today or plan.week.start)
    return composer.compose(drafts, lambda d: matches(d, kinds, due)), warnings


def _updates(readers: Readers, team: Sequence[Recipient], today: date) -> list[Draft]:
    """One update for each reader whose calendar changed since it went out, due today."""
    drafts = []
    for person in team:
        found = readers.changes(person)
        if found:
            drafts.append(Draft("update", today, person, changes=tuple(found)))
    return drafts


def kinds_to_compose(kinds: Sequence[str]) -> tuple[str, ...]:
    """What a send with --only KINDS composes: those kinds and the updates (whose count the
    report tells), not the whole week; every kind (()) when the updates themselves are sent, for
    an update brings its reader's other messages up to date in the record (changes.record_sent)."""
    if not kinds or "update" in kinds:
        return ()
    return (*kinds, "update")


def select(
    composed: Sequence[Composed], kinds: Sequence[str] = (), due: date | None = None
) -> list[Composed]:
    """The messages of these kinds (all if none given) due on or before `due` (any day if None)."""
    check_kinds(kinds)
    return [c for c in composed if matches(c.draft, kinds, due)]


def summary(composed: Sequence[Composed]) -> list[tuple[str, date, int]]:
    """(kind, due date, how many) in the order they are due."""
    counts: dict[tuple[str, date], int] = {}
    for item in composed:
        key = (item.draft.kind, item.draft.due)
        counts[key] = counts.get(key, 0) + 1
    return [(kind, due, n) for (kind, due), n in counts.items()]
