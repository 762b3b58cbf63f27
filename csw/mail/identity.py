"""What a message is, whatever the coordinator edits: the key of its Message-ID and its file name.

A message is its year, its kind, what makes it unique for its reader (the day, the touchpoint, the
changes an update tells) and the reader's mailbox. Nothing a coordinator may rename goes in: not
the team's name, not the organisation's domain (the Message-ID's domain part is only a suffix;
the journal knows messages by the part before the @), not a display name, not the department a
thanks is for (a reader is thanked once a year, whatever their department is called), and not
the case of the address (`Pat.Lee@` and `pat.lee@` are one mailbox to every mail system csw meets).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from csw.mail.audience import Draft

__all__ = ["file_name", "identity", "mailbox_key", "message_id"]

_PLAIN = re.compile(r"[a-z0-9._-]+")
_SEPARATOR = "-at-"
# ASCII words joined by single dots, at a domain of ASCII labels: the validator leaves its letters as
# they are (it changes only non-ASCII text and the domain's case, which casefolding undoes)
PLAIN_MAILBOX = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_AT = re.compile(r"(?=-at-)")  # overlapping: 'a-at-at-d' could be a@at-d or a-at@d


@lru_cache(maxsize=16_384)
def mailbox_key(address: str) -> str:
    """The address as email-validator normalises it (ASCII domain where it has one), casefolded.

    Recipients arrive normalised already; the sponsor's address from csw.toml may not. An address
    the validator refuses is taken as written (trimmed, casefolded): validating it is not this
    function's job, and a message must still have an identity."""
    if PLAIN_MAILBOX.fullmatch(address):  # what the validator gives back as it is, or refuses
        return address.casefold()
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=True)
        normal = valid.ascii_email or valid.normalized
    except EmailNotValidError:
        normal = address.strip()
    return normal.casefold()


def _what(draft: Draft) -> str:
    """What makes the message unique for its reader, beyond its kind, in words nobody edits."""
    if draft.kind == "thanks":
        return ""  # one thanks a reader a year: renaming their department must not thank them twice
    if draft.changes:
        # an event's UID without its domain: the same change is the same update after a domain edit
        return "\n".join(
            f"{c.what}|{c.uid.rpartition('@')[0] or c.uid}|{c.start}|{c.was or ''}" for c in draft.changes
        )
    return draft.key


def identity(year: int, draft: Draft) -> str:
    """The part of the Message-ID before the @: csw.YEAR.KIND.DIGEST of what the message is."""
    seed = f"{year}|{draft.kind}|{_what(draft)}|{mailbox_key(draft.recipient.email)}"
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:20]
    return f"csw.{year}.{draft.kind}.{digest}"


def message_id(year: int, draft: Draft, domain: str) -> str:
    return f"<{identity(year, draft)}@{domain}>"


def file_name(year: int, draft: Draft) -> str:
    """The message's name in the outbox, from what it is: DUE-KIND-MAILBOX.eml, e.g.
    2025-10-06-daily-pat.lee-at-example.com.eml (an update also names its changes, by digest).

    Never a number by place among the drafts: adding a rep must not rename anyone else's files,
    and a sent file keeps its name for good."""
    what = f"-{identity(year, draft).rpartition('.')[2][:8]}" if draft.kind == "update" else ""
    return f"{draft.due.isoformat()}-{draft.kind}{what}-{_slug(mailbox_key(draft.recipient.email))}.eml"


def _slug(mailbox: str) -> str:
    """The mailbox as LOCAL-at-DOMAIN where that reads back one way; else a readable part and a
    digest after an '_', which the domain of a plain name never holds."""
    local, _, domain = mailbox.rpartition("@")
    plain = f"{local}{_SEPARATOR}{domain}"
    reads_back = _PLAIN.fullmatch(local) and _PLAIN.fullmatch(domain) and len(_AT.findall(plain)) == 1
    if reads_back and len(plain) <= 120:  # with the date and kind, well within 255 bytes
        return plain
    readable = re.sub(r"[^a-z0-9._-]+", "-", plain)[:60]
    return f"{readable}_{hashlib.blake2b(mailbox.encode('utf-8'), digest_size=5).hexdigest()}"
