"""Certificates of appreciation: one printable page per rep, from a roster CSV."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from csw.context import plan_context
from csw.mail.recipients import Recipient, load_recipients
from csw.plan import Plan
from csw.render import render

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


@dataclass(frozen=True)
class Certificate:
    name: str
    award: str


def certificates(people: list[Recipient]) -> list[Certificate]:
    """Each rep's certificate: the award from their row, else the next one of the built-in list."""
    found = []
    for index, person in enumerate(people):
        own = person.extra.get("award", "") if hasattr(person.extra, "get") else ""
        found.append(Certificate(person.name, own.strip() or AWARDS[index % len(AWARDS)]))
    return found


def certificates_html(
    plan: Plan, roster: Path, env: SandboxedEnvironment, signer: str | None
) -> tuple[str, int]:
    """certificates.html for everyone on the roster, and how many pages it has."""
    people, _ = load_recipients(roster)
    pages = certificates(people)
    name = parseaddr(signer)[0] if signer else ""
    context = {**plan_context(plan), "certificates": pages, "signer": name or "Team lead"}
    return render(env, "certificates.html.j2", context), len(pages)
