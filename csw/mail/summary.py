"""What a compose (`csw email preview`) did, as JSON for scripts and monitoring.

The shape, one object (format 1; keys are only ever added):

    {"format": 1,
     "outbox": "csw-2025/outbox",      # the folder the .eml files are in
     "composed": 35020,                 # every message of the plan, all written to the outbox
     "selected": 5002,                  # those --only and --due chose (all when neither is given)
     "sent": 0,                         # of the selected, those the journal has as sent already
     "by_kind": {"kickoff": 5002},      # the selected, by kind
     "by_due": [{"kind": "kickoff", "due": "2025-09-29", "messages": 5002}],  # the table's rows
     "warnings": ["..."],               # what the text prints as 'warning: ...'
     "changed": ["..."]}                # what the text prints as 'changed: ...'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence, Set
from pathlib import Path

from csw.mail.compose import Composed, summary
from csw.mail.journal import message_key

FORMAT = 1


def counts(chosen: Sequence[Composed]) -> dict[str, object]:
    """The messages by kind and by due date, as `by_kind` and `by_due` (the preview's table)."""
    return {
        "by_kind": dict(Counter(item.draft.kind for item in chosen)),
        "by_due": [{"kind": kind, "due": due.isoformat(), "messages": n} for kind, due, n in summary(chosen)],
    }


def preview_record(
    chosen: Sequence[Composed],
    composed: Sequence[Composed],
    outbox: Path,
    sent: Set[str],
    warnings: Sequence[str],
    changed: Sequence[str],
) -> dict[str, object]:
    """The preview as one JSON object (see the module's docstring). `sent`: the journal's keys."""
    return {
        "format": FORMAT,
        "outbox": str(outbox),
        "composed": len(composed),
        "selected": len(chosen),
        "sent": sum(message_key(item.message_id) in sent for item in chosen),
        **counts(chosen),
        "warnings": list(warnings),
        "changed": list(changed),
    }
