"""Certificates of appreciation: one printable page per rep, from a roster CSV.

The roster is read as a list of names (csw.people.recipients with `require_email=False`): a name is
all a certificate needs, so an `email` column is welcome but not required. The rows whose role is
one of NO_CERTIFICATE (the sponsor, who signs or hands them out) get none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from csw.core import locale_formats as written
from csw.exports.context import plan_context
from csw.exports.render import render
from csw.people.recipients import Recipient, RecipientsError, load_recipients
from csw.plan.model import Plan

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

# Given in roster order to reps whose row has no `award` column of their own.
AWARDS = (
    "Customer Champion",
    "Calm in Every Storm",
    "Problem Solver of the Year",
    "Kindness on the Line",
    "Heart of the Team",
    "Rising Star",
    "Above and Beyond",
    "Queue Hero",
    "Master of the Follow-Up",
    "Voice of the Customer",
)


# Landscape pages: width and height, as CSS lengths.
PAPERS = {"letter": ("11in", "8.5in"), "A4": ("297mm", "210mm")}

# Roles on a roster that get no certificate of their own (compared ignoring case).
NO_CERTIFICATE = ("sponsor",)


@dataclass(frozen=True)
class Certificate:
    name: str
    award: str


@dataclass(frozen=True)
class CertificatesPage:
    """certificates.html, how many certificates it holds, and the roster rows left out (by role)."""

    html: str
    pages: int
    skipped: tuple[Recipient, ...] = ()

    def summary(self, target: Path) -> str:
        """What `csw certificates` says it wrote."""
        line = f"Wrote {target}: {self.pages} certificate{'s' * (self.pages != 1)}, one page each."
        if self.skipped:
            names = [f"{person.name} ({person.role or person.team})" for person in self.skipped[:3]]
            more = len(self.skipped) - len(names)
            line += f" None for {', '.join(names)}{f' and {more} more' if more else ''}."
        return line


def certificates(people: list[Recipient]) -> list[Certificate]:
    """Each rep's certificate: the award from their row, else the next one of the built-in list."""
    found = []
    for index, person in enumerate(people):
        own = person.extra.get("award", "") if hasattr(person.extra, "get") else ""
        found.append(Certificate(person.name, own.strip() or AWARDS[index % len(AWARDS)]))
    return found


def honoured(roster: Path, departments: Iterable[str] = ()) -> tuple[list[Recipient], list[Recipient]]:
    """The people on the roster who get a certificate, and those left out: by their role, or as the
    contact of another department (`team` is one of `departments`: they get a thanks message).

    Raises RecipientsError (file:line) for a file that cannot be read, a row without a name, or a
    roster where nobody gets one.
    """
    if not roster.exists():
        raise RecipientsError([f"{roster}: no such roster file"], hint="Check the path given to --roster.")
    people, _ = load_recipients(roster, require_email=False)
    roles = {role.casefold() for role in NO_CERTIFICATE}
    others = {name.casefold() for name in departments}

    def left_out(person: Recipient) -> bool:
        return (person.role or "").casefold() in roles or (person.team or "").casefold() in others

    chosen = [person for person in people if not left_out(person)]
    skipped = [person for person in people if left_out(person)]
    if not chosen:
        raise RecipientsError(
            [
                f"{roster}: nobody on the roster gets a certificate: every row is the {NO_CERTIFICATE[0]}"
                " or another department's contact"
            ],
            hint="Add a row for each rep, with at least a name.",
        )
    return chosen, skipped


def certificates_page(
    plan: Plan,
    roster: Path,
    env: SandboxedEnvironment,
    signer: str | None,
    departments: Iterable[str] = (),
) -> CertificatesPage:
    """certificates.html for everyone on the roster but the sponsor and the other departments'
    contacts, with what was left out."""
    people, skipped = honoured(roster, departments)
    pages = certificates(people)
    name = parseaddr(signer)[0] if signer else ""
    paper = written.paper(plan.organization.locale)
    context = {
        **plan_context(plan),
        "certificates": pages,
        "signer": name or "Team lead",
        "paper": {"name": paper, "width": PAPERS[paper][0], "height": PAPERS[paper][1]},
    }
    return CertificatesPage(render(env, "certificates.html.j2", context), len(pages), tuple(skipped))


def certificates_html(
    plan: Plan, roster: Path, env: SandboxedEnvironment, signer: str | None
) -> tuple[str, int]:
    """certificates.html for everyone on the roster but the sponsor, and how many pages it has."""
    page = certificates_page(plan, roster, env, signer)
    return page.html, page.pages
