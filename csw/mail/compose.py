"""Composing the announcements: who gets which message when, rendered to multipart EmailMessages.

Each message kind is a Markdown template with its subject in front matter. The Markdown is the
text/plain part, with the plan's text as it is; for the text/html part the template is rendered
again with every value Markdown-escaped (a title "*Wow* Day" is not emphasis, "![x](url)" not an
image), and markdown-it-py turns that into HTML inside an email-safe layout with inline styles.
Message-IDs, Dates and MIME boundaries come from the plan, so the same inputs compose the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cached_property, lru_cache
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any, AnyStr
from zoneinfo import ZoneInfo

from csw.config import Email, clock_minutes
from csw.context import DayView, plan_context
from csw.errors import CswError
from csw.ideas import Idea
from csw.mail.recipients import Recipient
from csw.plan import Plan, Touchpoint
from csw.render import TemplateError, render

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment
    from markdown_it import MarkdownIt

KINDS = ("proclamation", "kickoff", "daily", "thanks", "wrapup", "monthly")
# Wire format (CRLF). Headers fold only past 998 characters: Python folds a long subject right after
# "Subject:", which some readers show with a leading space.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


class ComposeError(CswError):
    """Messages cannot be composed (no sender, a bad address in the config)."""


@dataclass(frozen=True)
class Draft:
    """One message to compose: its kind, its day, its reader, and what it is about."""

    kind: str
    due: date
    recipient: Recipient
    day: DayView | None = None
    department: str | None = None
    touchpoint: tuple[Touchpoint, Idea] | None = None

    @property
    def key(self) -> str:
        """What makes this message unique for its recipient, beyond the kind."""
        if self.touchpoint:
            return self.touchpoint[0].date.isoformat()
        return self.department or (self.day.date.isoformat() if self.day else "")


@dataclass(frozen=True)
class Composed:
    """A composed message (wire-format bytes) and the file name it goes by in the outbox."""

    filename: str
    draft: Draft
    data: bytes
    message_id: str
    sender: str


@dataclass(frozen=True)
class Audience:
    """Who reads what: the team, the other departments, the executive sponsor."""

    team: tuple[Recipient, ...]
    departments: tuple[tuple[str, Recipient], ...]
    sponsors: tuple[Recipient, ...]
    warnings: tuple[str, ...]


def audience(recipients: Sequence[Recipient], departments: Sequence[str], sponsor: str | None) -> Audience:
    """Split the recipients: department rows get the thanks, the sponsor the proclamation."""
    by_name = {d.casefold(): d for d in departments}
    team, thanked, sponsors = [], [], []
    for person in recipients:
        department = by_name.get((person.team or "").casefold())
        if department:
            thanked.append((department, person))
        elif (person.role or "").casefold() == "sponsor":
            sponsors.append(person)
        else:
            team.append(person)
    if sponsor:
        sponsors = [_sponsor(sponsor)]
    warnings = [
        f"no recipient is in the {d} department (team column): it gets no thanks message"
        for d in departments
        if not any(name == d for name, _ in thanked)
    ]
    if not sponsors:
        warnings.append("no sponsor (email.sponsor, or a row with role 'sponsor'): no proclamation draft")
    return Audience(tuple(team), tuple(thanked), tuple(sponsors), tuple(warnings))


def _sponsor(text: str) -> Recipient:
    name, address = parseaddr(text)
    if "@" not in address:
        raise ComposeError(
            f"email.sponsor: '{text}' is not an address; write it as 'Name <name@example.com>'."
        )
    return Recipient(
        email=address, name=name or address, shift=None, team=None, role="sponsor", extra={}, line=0
    )


def schedule(plan: Plan, who: Audience, email: Email) -> list[Draft]:
    """Every message of the week, in the order it is due."""
    days = plan_context(plan)["days"]
    start = plan.week.start
    kickoff = start - timedelta(days=email.kickoff_days_before)
    wrapup = plan.week.end + timedelta(days=7 - plan.week.end.weekday())  # the Monday after
    drafts = [Draft("proclamation", kickoff - timedelta(days=7), person) for person in who.sponsors]
    drafts += [Draft("kickoff", kickoff, person) for person in who.team]
    drafts += [Draft("daily", day.date, person, day=day) for day in days for person in who.team]
    middle = days[len(days) // 2].date
    drafts += [Draft("thanks", middle, person, department=name) for name, person in who.departments]
    drafts += [Draft("wrapup", wrapup, person) for person in who.team]
    drafts += [
        Draft("monthly", point.date, person, touchpoint=(point, plan.idea(point.idea)))
        for point in plan.year_round
        for person in who.team
    ]
    return sorted(drafts, key=lambda d: (d.due, KINDS.index(d.kind)))


class Composer:
    """Renders drafts into messages, quickly enough for thousands of recipients.

    Messages of one kind, day and shift differ only in the recipient's details. So each such group
    is rendered once with a stand-in recipient whose fields read as tokens, turned into HTML and
    MIME once, and each message fills the tokens in (escaped in the HTML part). The tokens are
    chosen so that they occur nowhere else in the group's message: plan text that looks like a
    token stays as it is. Every message's text is still rendered for real and compared: a template
    that uses the recipient in its logic (`{% if recipient.role == "lead" %}`) gets that message
    composed whole instead.
    """

    def __init__(self, plan: Plan, env: SandboxedEnvironment, email: Email, sender: str) -> None:
        self.plan = plan
        self.env = env
        self.zone = ZoneInfo(plan.organization.timezone)
        self.send_time = time(*divmod(clock_minutes(email.send_time), 60))
        self.sender = _address(sender, "email.from")
        self.context = plan_context(plan)
        self.markdown = _markdown()
        self.shifts = {s.name.casefold(): s.name for s in plan.team.shifts}
        self.bodies: dict[tuple[str, str, str | None], _Body] = {}

    @cached_property
    def calendar(self) -> bytes:
        from csw.ics import calendar_bytes

        return calendar_bytes(self.plan)

    def compose(
        self, drafts: Sequence[Draft], wanted: Callable[[Draft], bool] = lambda _: True
    ) -> list[Composed]:
        """The wanted drafts, composed; each is numbered by its place among all of them."""
        width = max(3, len(str(len(drafts))))
        return [
            self.message(draft, f"{n:0{width}d}-{draft.kind}-{_slug(draft.recipient.email)}.eml")
            for n, draft in enumerate(drafts, start=1)
            if wanted(draft)
        ]

    def message(self, draft: Draft, filename: str) -> Composed:
        shift = self.shifts.get((draft.recipient.shift or "").casefold())
        key = (draft.kind, draft.key, shift)
        if key not in self.bodies:
            self.bodies[key] = self._probed_body(draft, shift)
        body = self.bodies[key]
        values = body.values(draft.recipient)
        subject, text = self._render(draft, draft.recipient, shift, markdown=False)
        if _fill(body.subject, values) != subject or _fill(body.text, values) != text:
            body, values = self._body(draft, draft.recipient, shift), {}
        message_id = f"<{self._identity(draft)}@{self.plan.organization.domain}>"
        headers = [
            ("From", self.sender),
            ("To", _address(draft.recipient.address, f"recipient on line {draft.recipient.line}")),
            ("Subject", _fill(body.subject, values)),
            ("Date", format_datetime(datetime.combine(draft.due, self.send_time, self.zone))),
            ("Message-ID", message_id),
            ("X-CSW-Kind", draft.kind),
        ]
        head = b"".join(header_line(name, value) for name, value in headers)
        return Composed(filename, draft, head + body.fill(values), message_id, self.sender)

    def _probed_body(self, draft: Draft, shift: str | None) -> _Body:
        """The group's message with a stand-in recipient, its tokens absent from all else in it."""
        # A first render shows the message's own text; a prefix not in it makes tokens nothing else
        # can be taken for, and the second render uses them. Counting up keeps the bytes reproducible.
        trial = self._body(draft, _Probe(_TOKEN), shift)
        prefix = next(
            prefix
            for prefix in (f"{_TOKEN}{n}" for n in count())
            if prefix not in trial.subject and prefix.encode() not in trial.data
        )
        return self._body(draft, _Probe(prefix), shift)

    def _body(self, draft: Draft, reader: Any, shift: str | None) -> _Body:
        """The MIME structure and parts of a message, serialised once by the email package."""
        subject, text = self._render(draft, reader, shift, markdown=False)
        html = self._html(subject, self._render(draft, reader, shift, markdown=True)[1])
        probe = reader if isinstance(reader, _Probe) else None
        if probe:
            html = probe.for_html(html)
        mime = EmailMessage(policy=MAIL_POLICY)
        mime.set_content(text, cte="8bit")  # 8bit, not quoted-printable: tokens stay whole
        mime.add_alternative(html, subtype="html", cte="8bit")
        if draft.kind == "kickoff":
            mime.add_attachment(
                self.calendar, maintype="text", subtype="calendar", filename="schedule.ics", cte="base64"
            )
        group = hashlib.sha256(f"{self.plan.year}|{draft.kind}|{draft.key}|{shift}".encode()).hexdigest()[:16]
        for number, part in enumerate(p for p in mime.walk() if p.is_multipart()):
            part.set_boundary(f"=_csw_{group}_{number}")  # random by default: not reproducible
        reads = probe.reads if probe else {}
        html_tokens = {token: probe.for_html(token) for token in reads} if probe else {}
        return _Body(subject, text, mime.as_bytes(policy=MAIL_POLICY), reads, html_tokens)

    def _render(self, draft: Draft, reader: Any, shift: str | None, *, markdown: bool) -> tuple[str, str]:
        """Subject and body; with `markdown`, every value in the body is Markdown-escaped."""
        name = f"email/{draft.kind}.md.j2"
        context = {
            **self.context,
            "kind": draft.kind,
            "recipient": reader,
            "shift": shift,
            "today": draft.day,
            "department": draft.department,
            "due": draft.due,
            "touchpoint": draft.touchpoint[0] if draft.touchpoint else None,
            "idea": draft.touchpoint[1] if draft.touchpoint else None,
        }
        rendered = render(self.env, name, context, markdown=markdown)
        found = _FRONT_MATTER.match(rendered)
        fields = dict(_field(line, name) for line in found[1].splitlines() if line.strip()) if found else {}
        subject = " ".join(fields.get("subject", "").split())
        if not subject:
            raise TemplateError(f"{name}: no subject; start the template with '---', 'subject: ...', '---'.")
        return subject, rendered[found.end() if found else 0 :].strip() + "\n"

    def _html(self, subject: str, text: str) -> str:
        from markupsafe import Markup

        # Safe to mark: markdown-it runs with html=False, so any HTML in the text arrives escaped.
        body = Markup(self.markdown.render(text))
        return render(self.env, "email/layout.html.j2", {**self.context, "subject": subject, "body": body})

    def _identity(self, draft: Draft) -> str:
        seed = (
            f"{self.plan.year}|{self.plan.organization.team}|{draft.kind}|{draft.key}|{draft.recipient.email}"
        )
        digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20]
        return f"csw.{self.plan.year}.{draft.kind}.{digest}"


# Headers whose short values of these shapes the email package writes as they are: "Name: value".
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")
_PLAIN_HEADERS = {
    "Subject": _PLAIN_TEXT,
    "X-CSW-Kind": _PLAIN_TEXT,
    "Message-ID": re.compile(r"<[A-Za-z0-9.-]+@[A-Za-z0-9.-]+>"),  # the shape of csw's own
}


def header_line(name: str, value: str) -> bytes:
    """One header as the email package writes it: folded, RFC 2047-encoded where not ASCII.

    Most messages share their From, Subject and Date, and parsing each header into a header object
    (which only folds and encodes non-ASCII text right) was half of composing: the common short
    ASCII values are written as they are, the rest go through the email package once each.
    """
    shape = _PLAIN_HEADERS.get(name)
    if (
        shape is not None
        and len(name) + 2 + len(value) <= 78  # no folding at any usual line length
        and "=?" not in value
        and shape.fullmatch(value)
    ):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded_header(name, value)


@lru_cache(maxsize=4096)
def _folded_header(name: str, value: str) -> bytes:
    return MAIL_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))


# Tokens are plain letters and digits, which neither Jinja's default filters nor Markdown (nor
# Markdown escaping) change.
_TOKEN = "CSWTOKEN"
_TOKEN_SHAPE = re.compile(_TOKEN + r"\d*[TH]\d{3,}Z")
_TOKEN_SHAPE_BYTES = re.compile(_TOKEN_SHAPE.pattern.encode())


class _Probe:
    """A stand-in recipient: every field it is asked for reads as a token, and it remembers how.

    A token is PREFIX T nnn Z in the text; the HTML part's copy (where the value goes in escaped)
    is PREFIX H nnn Z.
    """

    def __init__(self, prefix: str) -> None:
        self.text_mark, self.html_mark = f"{prefix}T", f"{prefix}H"
        self.reads: dict[str, tuple[str, str]] = {}

    def _token(self, how: tuple[str, str]) -> str:
        for token, seen in self.reads.items():
            if seen == how:
                return token
        token = f"{self.text_mark}{len(self.reads):03d}Z"
        self.reads[token] = how
        return token

    def for_html(self, text: str) -> str:
        """The text with its tokens turned into the HTML part's."""
        return text.replace(self.text_mark, self.html_mark)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._token(("attr", name))

    def field(self, column: str) -> str:
        return self._token(("field", column))

    def __getitem__(self, column: str) -> str:
        return self.field(column)


@dataclass(frozen=True)
class _Body:
    subject: str
    text: str
    data: bytes
    reads: dict[str, tuple[str, str]]  # text token -> how the template read the recipient
    html_tokens: dict[str, str]  # text token -> its copy in the HTML part

    def values(self, recipient: Recipient) -> dict[str, str]:
        """What each token stands for in this recipient's message."""
        found = {}
        for token, (how, name) in self.reads.items():
            try:
                value = getattr(recipient, name, "") if how == "attr" else recipient.field(name)
            except KeyError:  # no such column: the real render reports it
                value = ""
            found[token] = "" if value is None else str(value)
        return found

    def fill(self, values: dict[str, str]) -> bytes:
        from markupsafe import escape

        replacements = {token.encode(): value.encode("utf-8") for token, value in values.items()}
        replacements |= {
            self.html_tokens[token].encode(): str(escape(value)).encode("utf-8")
            for token, value in values.items()
        }
        return _fill(self.data, replacements)


def _fill(text: AnyStr, values: dict[AnyStr, AnyStr]) -> AnyStr:
    """Each token in the text replaced by its value, in one pass: a value that holds a token's
    text stays as it is. Anything else of a token's shape is not one of these tokens: it stays."""
    if isinstance(text, str):
        return _TOKEN_SHAPE.sub(lambda found: values.get(found[0], found[0]), text)
    return _TOKEN_SHAPE_BYTES.sub(lambda found: values.get(found[0], found[0]), text)


def _field(line: str, template: str) -> tuple[str, str]:
    key, sep, value = line.partition(":")
    if not sep or key.strip() != "subject":
        raise TemplateError(f"{template}: front matter line '{line}': only 'subject: ...' is understood.")
    return key.strip(), value.strip()


def _address(text: str, where: str) -> str:
    """A header-safe address; a line break here would forge headers, so it is refused."""
    if any(ch in text for ch in "\r\n\0"):
        raise ComposeError(f"{where}: an address may not contain line breaks.")
    name, address = parseaddr(text)
    if "@" not in address:
        raise ComposeError(f"{where}: '{text}' is not an address; write it as 'Name <name@example.com>'.")
    user, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=user, domain=domain))


def _slug(address: str) -> str:
    return re.sub(r"[^a-z0-9.@_-]+", "-", address.lower()).replace("@", "-at-")


# Inline styles: mail clients (Outlook, Gmail) drop <style> blocks, so each tag carries its own.
_STYLES = {
    "h1": "font-size:24px;line-height:1.25;margin:0 0 12px;color:#1f1d4d;",
    "h2": "font-size:19px;line-height:1.3;margin:22px 0 8px;color:#1f1d4d;",
    "h3": "font-size:16px;line-height:1.3;margin:18px 0 6px;color:#3b3782;",
    "p": "margin:0 0 12px;",
    "ul": "margin:0 0 12px;padding-left:22px;",
    "ol": "margin:0 0 12px;padding-left:22px;",
    "li": "margin:0 0 4px;",
    "a": "color:#3b3782;",
    "table": "border-collapse:collapse;margin:0 0 12px;",
    "th": "border:1px solid #d8d6ee;padding:6px 10px;text-align:left;background:#f1f0fb;",
    "td": "border:1px solid #d8d6ee;padding:6px 10px;",
    "blockquote": "margin:0 0 12px;padding:4px 14px;border-left:4px solid #f2b33d;color:#444;",
}


def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def inline_styles(state: Any) -> None:
        for token in _walk(state.tokens):
            style = _STYLES.get(token.tag)
            if style and token.nesting == 1:
                token.attrSet("style", style)

    md.core.ruler.push("csw_inline_styles", inline_styles)
    return md


def _walk(tokens: Iterable[Any]) -> Iterable[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def write_outbox(folder: Path, composed: Sequence[Composed], *, prune: bool = True) -> list[Path]:
    """Each message as NNN-kind-recipient.eml, all of them or none. With `prune` (all messages
    composed), earlier .eml files that are no longer composed then go."""
    from csw.files import write_all

    # a rerun rewrites only what changed: renames are slow
    write_all(folder, {c.filename: c.data for c in composed if not _holds(folder / c.filename, c.data)})
    names = {c.filename for c in composed}
    for stale in folder.glob("*.eml") if prune else ():
        if stale.name not in names:
            stale.unlink()
    return [folder / c.filename for c in composed]


def compose_plan(
    plan: Plan,
    recipients: Sequence[Recipient],
    email: Email,
    departments: Sequence[str],
    env: SandboxedEnvironment,
    kinds: Sequence[str] = (),
    due: date | None = None,
) -> tuple[list[Composed], list[str]]:
    """The plan's messages for these recipients (only `kinds` due on `due`, when given), and
    warnings about who gets nothing."""
    check_kinds(kinds)
    who = audience(recipients, departments, email.sponsor)
    sender = email.from_ or f"{plan.organization.team} <csw@{plan.organization.domain}>"
    composer = Composer(plan, env, email, sender)
    warnings = list(who.warnings)
    if not email.from_:
        warnings.append(f"email.from is not set: messages are from {sender}")
    return composer.compose(schedule(plan, who, email), lambda d: _matches(d, kinds, due)), warnings


def check_kinds(kinds: Sequence[str]) -> None:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        from csw.errors import UsageError

        raise UsageError(f"--only {unknown[0]}: choose from {', '.join(KINDS)}.")


def _matches(draft: Draft, kinds: Sequence[str], due: date | None) -> bool:
    return (not kinds or draft.kind in kinds) and (due is None or draft.due == due)


def select(
    composed: Sequence[Composed], kinds: Sequence[str] = (), due: date | None = None
) -> list[Composed]:
    """The messages of these kinds (all if none given) due on `due` (any day if None)."""
    check_kinds(kinds)
    return [c for c in composed if _matches(c.draft, kinds, due)]


def summary(composed: Sequence[Composed]) -> list[tuple[str, date, int]]:
    """(kind, due date, how many) in the order they are due."""
    counts: dict[tuple[str, date], int] = {}
    for item in composed:
        key = (item.draft.kind, item.draft.due)
        counts[key] = counts.get(key, 0) + 1
    return [(kind, due, n) for (kind, due), n in counts.items()]
