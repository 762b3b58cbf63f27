"""Customer kudos: the comments customers wrote about reps, spread across the days of the week."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csw.core.errors import CswError
from csw.people.recipients import sniff_delimiter
from csw.plan.model import Kudo

REQUIRED = ("date", "rep", "quote", "channel")


class KudosError(CswError):
    """The kudos file cannot be read, or some of its rows are wrong (every one is listed)."""


@dataclass(frozen=True)
class KudoRow:
    line: int
    received: date
    rep: str
    quote: str
    channel: str
    customer: str | None


def load_kudos(path: Path) -> list[KudoRow]:
    """The rows of a kudos CSV (date, rep, quote, channel; optional customer), every error at once."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise KudosError(f"{path}: no such file; check the path given to --kudos.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise KudosError(f"{path}: cannot read it as UTF-8 text ({error}); save it as CSV UTF-8.") from None
    lines = io.StringIO(text, newline="")
    reader = csv.DictReader(lines, delimiter=sniff_delimiter(text.partition("\n")[0]))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise KudosError(
            f"{path}:1: missing column{'s' * (len(missing) > 1)} {', '.join(missing)}"
            f" (found: {', '.join(columns) or 'none'}); the columns are {', '.join(REQUIRED)}, customer."
        )
    rows: list[KudoRow] = []
    problems: list[str] = []
    start = 2
    for record in reader:
        cell = {key: (record.get(name) or "").strip() for key, name in columns.items()}
        if any(cell.values()):
            row = _row(path, start, cell, problems)
            if row:
                rows.append(row)
        start = reader.line_num + 1
    if problems:
        raise KudosError("\n".join(problems), hint="Fix the kudos file and run the command again.")
    return rows


def _row(path: Path, line: int, cell: dict[str, str], problems: list[str]) -> KudoRow | None:
    where = f"{path}:{line}"
    empty = [c for c in ("rep", "quote") if not cell.get(c)]
    if empty:
        problems.append(f"{where}: {' and '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty")
        return None
    try:
        received = date.fromisoformat(cell["date"])
    except ValueError:
        problems.append(f"{where}: date '{cell['date']}' is not a date; write it as YYYY-MM-DD")
        return None
    flat = [c for c in ("rep", "channel", "customer") if any(ch in cell.get(c, "") for ch in "\r\n")]
    if flat:
        problems.append(f"{where}: {flat[0]} has a line break; keep it on one line")
        return None
    return KudoRow(
        line, received, cell["rep"], cell["quote"], cell["channel"] or "unknown", cell.get("customer") or None
    )


def spread(
    rows: list[KudoRow],
    days: tuple[date, ...],
    per_day: int,
    *,
    show_customer: bool = False,
    roster: set[str] | None = None,
    source: str = "kudos",
) -> tuple[tuple[Kudo, ...], list[str]]:
    """The freshest comments first, dealt out over the days, `per_day` each; warnings for left-outs.

    A rep who is not on the roster (by name or address, any case) is reported and left out:
    praise read aloud for someone nobody knows helps no one. Customers' names stay out unless
    `show_customer`.
    """
    warnings = []
    known = {name.casefold() for name in roster} if roster is not None else None
    usable = []
    for row in rows:
        if known is not None and row.rep.casefold() not in known:
            warnings.append(
                f"{source}:{row.line}: rep '{row.rep}' is not on the roster; this comment is left out"
            )
        else:
            usable.append(row)
    usable.sort(key=lambda r: (-r.received.toordinal(), r.line))
    chosen = usable[: per_day * len(days)]
    kudos = tuple(
        Kudo(
            date=days[n % len(days)],
            rep=row.rep,
            quote=row.quote,
            channel=row.channel,
            customer=row.customer if show_customer else None,
            received=row.received,
        )
        for n, row in enumerate(chosen)
    )
    return tuple(sorted(kudos, key=lambda k: k.date)), warnings
