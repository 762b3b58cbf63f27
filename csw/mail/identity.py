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
from functools import lru_cache

from csw.mail.audience import Draft

__all__ = ["identity", "mailbox_key", "message_id"]


@lru_cache(maxsize=16_384)
def mailbox_key(address: str) -> str:
    """The address as email-validator normalises it (ASCII domain where it has one), casefolded.

    Recipients arrive normalised already; the sponsor's address from csw.toml may not. An address
    the validator refuses is taken as written (trimmed, casefolded): validating it is not this
    function's job, and a message must still have an identity."""
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
