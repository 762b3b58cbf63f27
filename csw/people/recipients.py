"""The recipients of the announcement emails: a CSV file as Excel or an HR tool exports it.

The rules, as a coordinator meets them:

- Encoding: UTF-8, with or without a BOM (Excel's "CSV UTF-8"). Anything else (Excel's plain
  "CSV", which is cp1252 or Mac Roman) is an error that says to save the file as CSV UTF-8.
- Delimiter: `,`, `;` or tab, guessed from the header line (see `sniff_delimiter`). Quoting is
  the csv module's (Excel's): a quoted value may hold the delimiter, quotes ("") and line breaks.
- Header: the first non-blank line. Names are matched ignoring case and surrounding spaces.
  `email` and `name` are required; `shift`, `team` and `role` are known; every other named column
  is kept, by its lower-case name, in `Recipient.extra`. A column with a blank name is ignored
  (with a warning if it holds values); a name used twice is an error.
- Values are trimmed. Runs of spaces inside a name become one space (the header form of an
  address would collapse them anyway). A blank line, or a row whose cells are all blank, is
  skipped. A short row reads as blank trailing cells; a long row is an error unless its extra
  cells are blank (a trailing delimiter).
- Addresses are checked and normalised by email-validator, with no DNS look-up, and kept in
  ASCII: a Unicode domain in its IDNA form (`xn--...`), so that it can go into a header and an
  SMTP command as it is. A non-ASCII local part (before the @) is an error: it would need
  SMTPUTF8, which many relays do not offer.
- Header injection: email, name, shift, team and role can reach a message header (To:, a
  subject), so they may hold no control character at all (Unicode category Cc: CR, LF, tab, NUL,
  NEL...) nor U+2028/U+2029. Other columns may hold tabs and line breaks (a multi-line note for a
  message body; CRLF and CR become LF) but no other control character; the composer must never
  put them in a header.
- Duplicates (the same address, ignoring case) are merged: the first row wins, with a warning.
- Names only (`require_email=False`, for a roster of certificates): the `email` column may be
  missing or empty; an address that is there is checked as above. Rows without one are never
  merged (two people may share a name).

Every problem in the file is reported at once, one line each: `path:LINE: what; what to do`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path
from types import MappingProxyType

from email_validator import EmailNotValidError, validate_email

from csw.core.errors import CswError
from csw.core.validation import char_name

__all__ = ["Recipient", "RecipientsError", "load_recipients", "sniff_delimiter"]

REQUIRED = ("email", "name")
KNOWN = ("email", "name", "shift", "team", "role")
DELIMITERS = ",;\t"

# Category Cc is exactly U+0000-001F and U+007F-009F; Zl and Zp are U+2028 and U+2029 alone.
_HEADER_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BODY_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_QUOTED = re.compile(r'"[^"]*"')
_SPACES = re.compile(r" {2,}")
_LINE_BREAK = re.compile(r"\r\n?")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "a tab"}
_SAVE_AS_UTF8 = (
    "save it again as CSV UTF-8 (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)')"
)


class RecipientsError(CswError):
    """The recipients file cannot be read, or some of its rows are not valid (all of them listed)."""

    exit_code = 2

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        super().__init__("\n".join(problems), hint=hint)
        self.problems = problems


@dataclass(frozen=True)
class Recipient:
    """One person on the list, as read from row `line` of the file.

    `email` is "" only for a row of a names-only list (`load_recipients(..., require_email=False)`).
    `extra` holds every other column, by its lower-case header name (read-only). Templates read
    any column with `recipient.field("office")` or `recipient["office"]` (empty cells give "").
    """

    email: str
    name: str
    shift: str | None = None
    team: str | None = None
    role: str | None = None
    # Not hashed (a mapping cannot be), but compared: two rows differing only there differ.
    extra: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    line: int = 0

    def __post_init__(self) -> None:
        # A read-only copy, so that nobody changes a recipient through the dict it was built from.
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def field(self, column: str) -> str:
        """The value of any column by name (case and surrounding spaces ignored); "" when empty.

        Raises KeyError for a column that the file does not have, so that a template's typo
        fails loudly instead of printing nothing.
        """
        key = column.strip().lower()
        if key in KNOWN:
            return getattr(self, key) or ""
        try:
            return self.extra[key]
        except KeyError:
            columns = ", ".join([*KNOWN, *self.extra])
            raise KeyError(f"no column '{column}' in the recipients file; it has {columns}") from None

    def __getitem__(self, column: str) -> str:
        return self.field(column)

    @property
    def first_name(self) -> str:
        """The first word of the name, to greet them ("Hi Pat")."""
        words = self.name.split()
        return words[0] if words else ""

    @property
    def mailbox(self) -> Address:
        """The name and address as an `email.headerregistry.Address`, for a To: header."""
        return Address(display_name=self.name, addr_spec=self.email)

    @property
    def address(self) -> str:
        """`Name <email>` (RFC 5322, quoted where needed); a message's policy encodes non-ASCII."""
        return str(self.mailbox)


def load_recipients(path: Path, *, require_email: bool = True) -> tuple[list[Recipient], list[str]]:
    """The recipients of the CSV file at `path`, in file order, and the warnings (merged duplicates).

    `require_email=False` reads a list of names (certificates): the email column may be missing or
    empty, and a recipient without an address has `email == ""`.
    Raises RecipientsError listing every problem of the file, one line each, when there is any.
    """
    header_help, row_help = (_HEADER_HELP, _ROW_HELP) if require_email else (_NAMES_HELP, _NAME_ROW_HELP)
    text = _read(path)
    header_line, header = _first_nonblank_line(text)
    if header is None:
        raise _error([f"{path}:1: the file is empty; {header_help}"])
    delimiter = sniff_delimiter(header)
    records, problems = _records(path, text, delimiter)
    if records:
        header_line = records[0][0]
    required = REQUIRED if require_email else ("name",)
    columns, header_problems = _columns(path, header_line, records[0][1] if records else [], required)
    if header_problems:
        raise _error(header_problems)
    rows = [(line, cells) for line, cells in records[1:] if any(cell.strip() for cell in cells)]
    recipients, warnings = [], _unnamed_column_warnings(path, header_line, columns, rows)
    for line, cells in rows:
        recipient, found = _recipient(f"{path}:{line}", line, cells, columns, delimiter, require_email)
        problems += found
        if recipient is not None:
            recipients.append(recipient)
    if problems:
        raise _error(problems)
    if not recipients:
        raise _error([f"{path}:{header_line}: no recipients: the header has no rows below it; {row_help}"])
    unique, merged = _merge_duplicates(path, recipients)
    return unique, warnings + merged


_HEADER_HELP = "its first line must name the columns, at least email and name"
_ROW_HELP = "add one row per person below it, with at least an email and a name"
_NAMES_HELP = "its first line must name the columns, at least name"
_NAME_ROW_HELP = "add one row per person below it, with at least a name"


def _error(problems: list[str]) -> RecipientsError:
    return RecipientsError(problems, hint="Fix the recipients file and run the command again.")


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _error([f"{path}: no such file; check the path given to --recipients"]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise _error(
            [f"{path}: cannot read the file ({reason}); check the path and its permissions"]
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # error.object is what was decoded (after any BOM), so the offset counts lines in it.
        line = error.object[: error.start].count(b"\n") + 1
        byte = error.object[error.start]
        raise _error([f"{path}:{line}: the file is not UTF-8 (byte 0x{byte:02X}); {_SAVE_AS_UTF8}"]) from None


def _physical_lines(text: str) -> Iterator[str]:
    # newline="" splits on \n, \r and \r\n, as the csv module does; str.splitlines would also
    # split on \x0c, U+2028 and others, which would put line numbers out of step.
    return iter(io.StringIO(text, newline=""))


def _first_nonblank_line(text: str) -> tuple[int, str | None]:
    for number, line in enumerate(_physical_lines(text), start=1):
        # Excel writes a blank row as delimiters alone (";;;"): that is not the header either.
        if line.strip(f' "\r\n{DELIMITERS}'):
            return number, line
    return 0, None


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV file (`,`, `;` or tab), from its header line.

    csv.Sniffer's guess, unless another candidate occurs more often outside quotes: on one line
    the Sniffer prefers ',' whenever it appears, so it reads `E-mail;Nom, prénom` as comma
    separated. With no candidate at all (a single column) it is ','.
    """
    counts = {d: _QUOTED.sub("", header).count(d) for d in DELIMITERS}
    try:
        guess = csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ""
    most = max(counts.values())
    if most > 0 and counts.get(guess) == most:
        return guess
    return max(DELIMITERS, key=counts.__getitem__)  # ties go to the first: ','


def _records(path: Path, text: str, delimiter: str) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Every record from the header on, with the line it starts on; a line for a CSV syntax error."""
    reader = csv.reader(_physical_lines(text), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            # Blank lines before the header are skipped; the header is the first non-blank record.
            if records or any(cell.strip() for cell in cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        return records, [f"{path}:{start}: cannot read this row as CSV ({error}); check its quotes"]
    return records, []


def _columns(
    path: Path, line: int, cells: list[str], required: tuple[str, ...] = REQUIRED
) -> tuple[list[str], list[str]]:
    """The normalised column names (blank for a column without one), and the header's problems."""
    where = f"{path}:{line}"
    names = [cell.strip().lower() for cell in cells]
    problems = []
    for cell in cells:
        bad = _HEADER_UNSAFE.search(cell)
        if bad:
            problems.append(
                f"{where}: control characters are not allowed in a column name (found"
                f" {char_name(bad[0])} in {cell.strip()!r}); rename the column"
            )
    for name in dict.fromkeys(n for n in names if n and names.count(n) > 1):
        positions = " and ".join(str(i + 1) for i, n in enumerate(names) if n == name)
        problems.append(f"{where}: column '{name}' appears more than once (columns {positions}); keep one")
    missing = [name for name in required if name not in names]
    if missing:
        found = ", ".join(f"'{cell.strip()}'" for cell in cells if cell.strip()) or "none"
        plural = "s" if len(missing) > 1 else ""
        problems.append(
            f"{where}: missing column{plural} {' and '.join(missing)} (found {found});"
            f" {_HEADER_HELP if 'email' in required else _NAMES_HELP}"
        )
    return names, problems


def _unnamed_column_warnings(
    path: Path, header_line: int, columns: list[str], rows: list[tuple[int, list[str]]]
) -> list[str]:
    warnings = []
    for index, name in enumerate(columns):
        if name:
            continue
        used = next((line for line, cells in rows if index < len(cells) and cells[index].strip()), None)
        if used is not None:
            warnings.append(
                f"{path}:{header_line}: column {index + 1} has no name in the header, so its values"
                f" (from line {used}) are ignored; give it a name to use them"
            )
    return warnings


def _recipient(
    where: str, line: int, cells: list[str], columns: list[str], delimiter: str, require_email: bool = True
) -> tuple[Recipient | None, list[str]]:
    """The row as a Recipient, or None and a line per problem; without `require_email`, a row with no
    address is a Recipient whose email is ""."""
    problems = []
    if any(cell.strip() for cell in cells[len(columns) :]):
        problems.append(
            f"{where}: {len(cells)} values but the header has {len(columns)} columns;"
            f" put quotes around any value that contains {_DELIMITER_NAMES[delimiter]}"
        )
    values: dict[str, str] = {}
    for column, cell in zip(columns, cells + [""] * (len(columns) - len(cells)), strict=False):
        if not column:
            continue
        problem = _unsafe(where, column, cell)
        if problem:
            problems.append(problem)
        else:
            values[column] = cell.strip()
    given = values.get("email")
    email = _email(where, given, problems) if require_email or given else ""
    name = values.get("name")
    if name == "":
        why = "messages greet people by name" if require_email else "it is what the page says"
        problems.append(f"{where}: the name is empty; fill it in ({why})")
    if problems or email is None or not name:
        return None, problems
    # Line breaks inside quoted cells arrive as Excel wrote them (CRLF): templates want '\n'.
    extra = {key: _LINE_BREAK.sub("\n", value) for key, value in values.items() if key not in KNOWN}
    recipient = Recipient(
        email=email,
        name=_SPACES.sub(" ", name),
        shift=values.get("shift") or None,
        team=values.get("team") or None,
        role=values.get("role") or None,
        extra=extra,
        line=line,
    )
    return recipient, []


def _unsafe(where: str, column: str, value: str) -> str | None:
    """A problem line if `value` holds a character that column may not hold, else None."""
    if column in KNOWN:
        bad = _HEADER_UNSAFE.search(value)
        if bad:
            article = "an" if column[0] in "aeiou" else "a"
            return (
                f"{where}: line breaks or control characters are not allowed in {article} {column}:"
                f" they could forge email headers (found {char_name(bad[0])}); keep the {column}"
                " on one line, and check that every opening quote is closed"
            )
        return None
    bad = _BODY_UNSAFE.search(value)
    if bad:
        return (
            f"{where}: control characters are not allowed in column '{column}' (found"
            f" {char_name(bad[0])}); remove it (only tabs and line breaks may appear there)"
        )
    return None


def _email(where: str, value: str | None, problems: list[str]) -> str | None:
    """The normalised address, or None (with a problem line unless the value was already reported)."""
    if value is None:
        return None
    if not value:
        problems.append(f"{where}: the email is empty; fill it in or remove the row")
        return None
    try:
        # No DNS, ever: a plan must load offline, and a look-up per row would be slow.
        # No SMTPUTF8 either: the address must be ASCII to go into headers and SMTP commands as is
        # (a Unicode domain in a To: header comes out as an invalid encoded word).
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        return valid.ascii_email or valid.normalized
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        reason = reason[:1].lower() + reason[1:]  # the validator's sentence goes after a colon
        problems.append(f"{where}: '{value}' is not a valid email address: {reason}; correct it")
        return None


def _merge_duplicates(path: Path, recipients: list[Recipient]) -> tuple[list[Recipient], list[str]]:
    """The recipients with each address once (the first row wins), and a warning per merged row.
    Rows without an address (require_email=False) are all kept: two people may share a name."""
    first: dict[str, Recipient] = {}
    unique, warnings = [], []
    for recipient in recipients:
        key = recipient.email.lower()  # lower, not casefold: 'ß' and 'ss' are different mailboxes
        kept = first.setdefault(key, recipient) if key else recipient
        if kept is recipient:
            unique.append(recipient)
            continue
        warning = f"{path}:{recipient.line}: duplicate of line {kept.line} ({kept.email}), merged"
        differ = [c for c in (*KNOWN, *kept.extra) if c != "email" and kept.field(c) != recipient.field(c)]
        if differ:
            warning += f"; line {kept.line}'s values are kept (this row has a different {', '.join(differ)})"
        warnings.append(warning)
    return unique, warnings
