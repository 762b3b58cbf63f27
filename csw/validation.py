"""Pydantic errors turned into lines a coordinator can act on: file:line, field, found, expected."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

Loc = tuple[int | str, ...]


class StrictModel(BaseModel):
    """Every model of user input: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def check_domain(value: str) -> str:
    """A bare domain name, lowercased: it goes into Message-ID headers and calendar UIDs, where a
    line break would forge a header."""
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*", value):
        raise ValueError("is not a domain name such as 'acme.example'")
    return value.lower()


def check_single_line(value: str) -> str:
    """Text without line breaks or control characters (YAML also breaks lines at U+2028, U+0085):
    a name that goes into a one-line comment, a heading or a header."""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValueError("must be a single line, without line breaks or control characters")
    return value


OneLine = Annotated[str, AfterValidator(check_single_line)]
DomainName = Annotated[str, AfterValidator(check_domain)]


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
) -> list[str]:
    """One line per problem: '<where>: <label><field>: <what is wrong> (found <value>)'.

    `prefix` places the validated value inside its file (for the line); `label` names it.
    """
    lines = []
    for item in error.errors(include_url=False):
        inner: Loc = tuple(item["loc"])
        field = f"{label}{dotted(inner)}: " if inner or label else ""
        lines.append(f"{where(prefix + inner)}: {field}{_explain(item, prefix + inner, known_fields)}")
    return lines


def _explain(item: Any, loc: Loc, known_fields: list[str]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, known_fields, n=1)
        return f"unknown key '{key}'" + (f"; did you mean '{close[0]}'?" if close else "; remove it")
    if kind == "missing":
        return "is required but missing"
    message = str(item["msg"]).removeprefix("Value error, ")
    found = item.get("input")
    if isinstance(found, dict | list):
        return message
    return f"{message} (found {found!r})"


def first_line(locations: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of the nearest enclosing key that has one."""
    for size in range(len(loc), -1, -1):
        line = locations.get(loc[:size])
        if line is not None:
            return line
    return None
