"""What a send did with each message, and failed.csv for the ones to fix and send again."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from csw.core.files import write_atomic
from csw.mail.outgoing import Outgoing


@dataclass(frozen=True)
class Failure:
    """A message, or some of its recipients, that the server did not take."""

    message: Outgoing
    code: int | None  # the server's reply code; None when the connection failed
    reason: str
    recipients: tuple[str, ...]  # the recipients it did not reach


@dataclass
class SendReport:
    """What a run did with each message."""

    sent: list[Outgoing] = field(default_factory=list)
    skipped: list[Outgoing] = field(default_factory=list)  # journaled by an earlier run
    # the data went out but no acceptance came back (a lost connection, an earlier run killed
    # mid-message): sent again with the same Message-ID, so it may have arrived twice
    unconfirmed: list[Outgoing] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)  # not journaled, except refused recipients
    remaining: list[Outgoing] = field(default_factory=list)  # not tried: the limit, or a stop
    stopped: str | None = None  # why the run stopped early when the server became unreachable
    interrupted: bool = False  # Ctrl-C: the rest is in `remaining`
    dated: dict[str, datetime] = field(default_factory=dict)  # Message-ID: the Date it went out with
    due: dict[str, datetime | None] = field(default_factory=dict)  # Message-ID: the Date it was composed with
    connections: int = 0
    retries: int = 0

    @property
    def delivered(self) -> int:
        """Messages the server accepted in this run, confirmed or resent."""
        return len(self.sent) + len(self.unconfirmed)

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing is left because of a failure (exit 0 rather than 1)."""
        return not self.failed and self.stopped is None and not self.interrupted


def write_failed_csv(report: SendReport, path: Path) -> None:
    """failed.csv: each failure's recipients.csv row plus error_code and error, written atomically.

    It has the columns of recipients.csv, so after fixing the addresses it can be sent to again.
    """
    columns: dict[str, None] = {}
    for failure in report.failed:
        columns.update(dict.fromkeys(failure.message.row))
    names = [name for name in columns if name not in ("error_code", "error")] or ["email"]
    out = io.StringIO()
    writer = csv.DictWriter(out, [*names, "error_code", "error"], restval="", extrasaction="ignore")
    writer.writeheader()
    for failure in report.failed:
        code = "" if failure.code is None else str(failure.code)
        writer.writerow({**failure.message.row, "error_code": code, "error": failure.reason})
    write_atomic(path, out.getvalue())
