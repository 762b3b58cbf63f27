"""Pydantic errors turned into lines a coordinator can act on: file:line, field, found, expected."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, StringConstraints, ValidationError

Loc = tuple[int | str, ...]


class StrictModel(BaseModel):
    """Every model of user input: unknown keys are errors, so a typo never passes silently.

    inf and nan are refused everywhere: no count or amount means them, and JSON cannot hold them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


# TOML and YAML have booleans, and pydantic's lax mode reads `true` as 1 (a headcount of one) and
# "3" as 3: a number in a user's file must be written as a number.
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # an int or a float, never a bool or a string

# Cc (C0, DEL, C1 with U+0085) and U+2028/U+2029: str.splitlines() breaks a line at each of them
# (the email front matter), a mail header or a terminal acts on them, and none of them is text.
_NOT_IN_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # \t and \n are fine
_CHAR_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "a NUL",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


_EMPTY = "is empty; write some text"


def char_name(char: str) -> str:
    """A character that may not appear, as a message names it: 'a line separator, U+2028', 'U+001B'."""
    code = f"U+{ord(char):04X}"
    return f"{_CHAR_NAMES[char]}, {code}" if char in _CHAR_NAMES else code


def _one_line(value: str) -> str:
    bad = _NOT_IN_ONE_LINE.search(value)
    if bad:
        raise ValueError(
            "must be one line of text without control characters:"
            f" character {bad.start() + 1} is {char_name(bad[0])}; remove it"
        )
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(_EMPTY)
    bad = _NOT_IN_TEXT.search(value)
    if bad:
        raise ValueError(
            f"may hold line breaks and tabs but no other control characters: character"
            f" {bad.start() + 1} is {char_name(bad[0])}; remove it"
        )
    return value


# A name or a title: it goes into headings, mail headers and plan.yaml's comment header. Spaces
# around it are dropped before any min_length, so a title of spaces is empty.
OneLine = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_one_line)]
# Several lines of text (a how-to): not blank; line breaks and tabs, but no other control characters.
Text = Annotated[str, AfterValidator(_text)]


def check_domain(value: str) -> str:
    """A bare domain name, lowercased: it goes into Message-ID headers and calendar UIDs, where a
    line break would forge a header."""
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*", value):
        raise ValueError("is not a domain name such as 'acme.example'")
    return value.lower()


DomainName = Annotated[str, AfterValidator(check_domain)]


def check_mailbox(value: str) -> str:
    """'Name <address>' checked as recipients' addresses are (csw.people.recipients): an ASCII local
    part, and an international domain in its ASCII form, so that From, To and the SMTP envelope
    carry it as mail servers expect. Returned with the address normalised."""
    from email.headerregistry import Address
    from email.utils import parseaddr

    from email_validator import EmailNotValidError, validate_email

    name, address = parseaddr(value)
    if "@" not in address:
        raise ValueError(f"'{value}' is not an address; write it as 'Name <name@example.com>'")
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        raise ValueError(
            f"'{address}' is not a valid email address: {reason[:1].lower()}{reason[1:]}"
        ) from None
    return str(Address(display_name=name, addr_spec=valid.ascii_email or valid.normalized))


Mailbox = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_one_line), AfterValidator(check_mailbox)
]


def dotted(loc: Loc) -> str:
    """('team', 'shifts', 0, 'end') -> 'team.shifts[0].end'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def field_names(models: Iterable[type[BaseModel]]) -> list[str]:
    """Every field name and alias of these models and the models nested in them."""
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    pending = list(models)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
            pending.extend(_nested_models(field.annotation))
    return sorted(names)


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested_models(arg)]


def describe(
    error: ValidationError,
    where: Callable[[Loc], str],
    known_fields: list[str],
    prefix: Loc = (),
    label: str = "",
    renamed: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per problem: '<where>: <label>.<field>: <what is wrong> (found <value>)'.

    `prefix` places the validated value inside its file (for the line); `label` names it;
    `renamed` gives a field its name in the file where it was read under another (a version-1 key).
    """
    lines = []
    for item in error.errors(include_url=False):
        inner: Loc = tuple(item["loc"])
        if renamed and inner and inner[0] in renamed:
            inner = (renamed[str(inner[0])], *inner[1:])
        field = _field(label, inner)
        lines.append(f"{where(prefix + inner)}: {field}{_explain(item, prefix + inner, known_fields)}")
    return lines


def _field(label: str, inner: Loc) -> str:
    """'taco.' + ('title',) -> 'taco.title: '; a rule of the whole value names it alone: 'taco: '."""
    path = dotted(inner)
    if label and path:
        return f"{label}{path}: " if path.startswith("[") else f"{label}.{path}: "
    return f"{label or path}: " if label or path else ""


def _explain(item: Any, loc: Loc, known_fields: list[str]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key in known_fields:  # a shift's name under [team]: the right key in the wrong table
            return f"unknown key '{key}' here: it belongs in another table; check which one it is under"
        close = difflib.get_close_matches(key, known_fields, n=1)
        return f"unknown key '{key}'" + (f"; did you mean '{close[0]}'?" if close else "; remove it")
    if kind == "missing":
        return "is required but missing"
    if kind == "string_too_short" and item.get("ctx", {}).get("min_length") == 1:
        return _EMPTY
    message = str(item["msg"]).removeprefix("Value error, ")
    found = item.get("input")
    if isinstance(found, dict | list):
        return message
    return f"{message} (found {shown(found)})"


LONGEST_SHOWN = 60


def shown(found: object) -> str:
    """A found value as a message shows it: dates and times as written, long text cut short."""
    if isinstance(found, date | time):
        return found.isoformat()  # not datetime.time(8, 0): the user wrote 08:00:00
    if isinstance(found, bool):
        return "true" if found else "false"  # as TOML and YAML write it, not Python's True
    text = repr(found)
    if len(text) <= LONGEST_SHOWN:
        return text
    size = f"{len(found):,} characters" if isinstance(found, str) else f"{len(text):,} characters as text"
    return f"{text[:LONGEST_SHOWN]}… ({size})"


def first_line(locations: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of the nearest enclosing key that has one."""
    for size in range(len(loc), -1, -1):
        line = locations.get(loc[:size])
        if line is not None:
            return line
    return None
