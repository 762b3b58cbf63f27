"""The idea bank: loading and checking YAML banks of ideas (csw.ideas.model) with file:line errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from csw.core.errors import IdeaBankError, NotUtf8Error
from csw.core.files import read_utf8
from csw.core.resources import builtin_dir
from csw.core.validation import Loc, describe, field_names
from csw.core.yamlfile import YamlDocument, YamlSyntaxError
from csw.ideas.model import (
    V1_NAMES,
    Category,
    Format,
    Goal,
    Idea,
    Kind,
    Meal,
    PrepTask,
    RemoteForm,
    Role,
    Span,
    TimeOfDay,
    is_version_1,
)

__all__ = [
    "Bank",
    "Category",
    "Format",
    "Goal",
    "Idea",
    "Kind",
    "Meal",
    "PrepTask",
    "RemoteForm",
    "Role",
    "Span",
    "TimeOfDay",
    "load_bank",
    "load_valid_bank",
]


@dataclass
class Bank:
    """The ideas by id, in load order, and where each one was defined (file:line)."""

    ideas: dict[str, Idea] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def builtin_ids(self) -> frozenset[str]:
        """The ids of the ideas csw wrote (the built-in bank's, not replaced by a user's)."""
        return frozenset(i for i, where in self.origin.items() if where.startswith(_BUILTIN_MARK))

    def get(self, idea_id: str) -> Idea:
        try:
            return self.ideas[idea_id]
        except KeyError:
            raise IdeaBankError([f"no idea with id '{idea_id}'"], hint=_suggest(idea_id, self)) from None


def _suggest(idea_id: str, bank: Bank) -> str:
    import difflib

    close = difflib.get_close_matches(idea_id, list(bank.ideas), n=3)
    listing = "`csw ideas list` shows every id."
    return f"Did you mean {', '.join(close)}? {listing}" if close else listing


def bank_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, with the folders among them expanded (sorted, for a stable order)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.append(path)
    return found


# The built-in bank is 140 KB and 10,000 ideas are about 4 MB: a larger file is not a bank, and
# YAML parsing and validation of it would take minutes and gigabytes.
MAX_BANK_BYTES = 8_000_000
# A file that is all wrong (not a bank at all) would otherwise print a line per item.
MAX_PROBLEMS = 50
_MORE = "... and"  # the line that stands for the problems of a file past MAX_PROBLEMS
_MORE_COUNT = re.compile(r": \.\.\. and ([\d,]+) more problems?;")


def problem_count(problems: Sequence[str]) -> int:
    """How many problems the lines of load_bank stand for: a '... and N more' line stands for N."""
    total = 0
    for line in problems:
        more = _MORE_COUNT.search(line)
        total += int(more[1].replace(",", "")) if more else 1
    return total


def read_bank_file(path: Path) -> tuple[list[tuple[Idea, int]], list[str]]:
    """The valid ideas of one file with their lines, and a line per problem (never raises)."""
    try:
        size = path.stat().st_size
        if size > MAX_BANK_BYTES:
            return [], [_too_big(path, size)]
        text = read_utf8(path)
        cached = _cached_bank(text)
        if cached is not None:
            return cached, []
        document = YamlDocument(text)
    except FileNotFoundError:
        return [], [f"{path}: no such file; check the path given to --ideas or ideas.paths"]
    except NotUtf8Error as error:
        return [], [error.message]
    except (OSError, UnicodeDecodeError) as error:
        return [], [f"{path}: cannot read: {error}"]
    except YamlSyntaxError as error:
        place = f"{path}:{error.line}:{error.column}" if error.line else str(path)
        return [], [f"{place}: invalid YAML: {error.problem}"]
    if document.data is None:
        return [], [f"{path}:1: the file is empty; an idea bank is a YAML list of ideas"]
    if isinstance(document.data, dict):
        return _priced_bank(path, document, text)
    if not isinstance(document.data, list):
        return [], [f"{path}:1: an idea bank is a YAML list of ideas ('- id: ...'), not a single value"]
    ideas, problems = _validate_ideas(path, document, document.data)
    if not problems:
        _cache_bank(text, ideas)
    return ideas, problems


# --- the parsed-bank cache ----------------------------------------------------------------------
# Parsing YAML is most of the time a big bank takes (4 MB: seconds; its ideas as JSON, checked
# again by pydantic: a tenth of a second). A bank without problems is kept, as JSON, under a digest
# of its text and of the code that reads it (csw/core/cache.py); the ideas are validated again on the way
# back in, so a cached entry never lets through what the model now refuses.


def _bank_key(text: str) -> str:
    from csw.core import cache, validation, yamlfile
    from csw.ideas import model as idea

    stamp = cache.code_stamp(__file__, idea.__file__, yamlfile.__file__, validation.__file__)
    return cache.digest("idea bank v2", stamp, text)


def _cached_bank(text: str) -> list[tuple[Idea, int]] | None:
    from csw.core import cache

    data = cache.read("banks", _bank_key(text))
    if data is None:
        return None
    try:
        entries = _cached_entries().validate_json(data)
    except ValidationError:  # an entry from an older model, or a damaged file: parse again
        return None
    return [(idea, line) for line, idea in entries]


def _cache_bank(text: str, ideas: list[tuple[Idea, int]]) -> None:
    from csw.core import cache

    entries = [(line, idea) for idea, line in ideas]
    cache.write("banks", _bank_key(text), _cached_entries().dump_json(entries))


@lru_cache(maxsize=1)
def _cached_entries() -> TypeAdapter[list[tuple[int, Idea]]]:
    return TypeAdapter(list[tuple[int, Idea]])


def _too_big(path: Path, size: int) -> str:
    return (
        f"{path}: the file is {size / 1_000_000:,.1f} MB; an idea bank file may be at most"
        f" {MAX_BANK_BYTES // 1_000_000} MB: split it into several files in one folder and give"
        " the folder to --ideas or ideas.paths"
    )


_BANK_KEYS = ("currency", "ideas")


def _priced_bank(path: Path, document: YamlDocument, text: str) -> tuple[list[tuple[Idea, int]], list[str]]:
    """A bank written as `currency: EUR` and `ideas:` (the list): its ideas' costs are in that currency."""
    data = document.data
    unknown = [str(key) for key in data if key not in _BANK_KEYS]
    if unknown or not isinstance(data.get("ideas"), list):
        line = document.line_of((unknown[0],)) if unknown else 1
        return [], [
            f"{path}:{line or 1}: an idea bank is a YAML list of ideas ('- id: ...'), or `currency:`"
            f" and `ideas:` (that list){f', not {unknown[0]!r}' if unknown else ''}"
        ]
    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch("[A-Z]{3}", currency):
        line = document.line_of(("currency",)) or 1
        return [], [f"{path}:{line}: currency: {currency!r} is not a currency code; write one such as EUR"]
    items = [{"currency": currency, **item} if isinstance(item, dict) else item for item in data["ideas"]]
    ideas, problems = _validate_ideas(path, document, items, ("ideas",))
    if not problems:
        _cache_bank(text, ideas)
    return ideas, problems


def _validate_ideas(
    path: Path, document: YamlDocument, items: list[object], at: Loc = ()
) -> tuple[list[tuple[Idea, int]], list[str]]:
    """The valid ideas with their lines, and the first MAX_PROBLEMS problems (then how many more)."""
    ideas: list[tuple[Idea, int]] = []
    problems: list[str] = []
    unlisted = 0
    known = [*field_names([Idea, RemoteForm, PrepTask]), *V1_NAMES.values()]

    def where(loc: Loc) -> str:
        return f"{path}:{document.line_of(loc) or 1}"

    for index, item in enumerate(items):
        try:
            ideas.append((Idea.model_validate(item), document.line_of((*at, index)) or 1))
        except ValidationError as error:
            if len(problems) < MAX_PROBLEMS:
                renamed = V1_NAMES if isinstance(item, dict) and is_version_1(item) else None
                problems += describe(
                    error, where, known, prefix=(*at, index), label=_label(item, index), renamed=renamed
                )
            else:  # counted, not described: describing looks up lines
                unlisted += error.error_count()
    unlisted += max(0, len(problems) - MAX_PROBLEMS)
    del problems[MAX_PROBLEMS:]
    if unlisted:
        problems.append(
            f"{path}: {_MORE} {unlisted:,} more problem{'s' * (unlisted != 1)}; fix the ones above"
            " (is this file an idea bank?) and check it again"
        )
    return ideas, problems


def _label(item: object, index: int) -> str:
    """How an error names an idea: by its id when it has a usable one, else by its position."""
    idea_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(idea_id, str) and 0 < len(idea_id) <= 80 and idea_id.isprintable():
        return idea_id
    return f"idea #{index + 1}"  # an id too long or too odd to repeat on every line of its idea


def _merge(bank: Bank, path: Path, ideas: list[tuple[Idea, int]], builtin: bool, problems: list[str]) -> None:
    for idea, line in ideas:
        here = f"{path}:{line}"
        earlier = bank.origin.get(idea.id)
        if earlier is not None and (builtin or not earlier.startswith(_BUILTIN_MARK)):
            problems.append(f"{here}: id '{idea.id}' is already used at {earlier}; ids must be unique")
            continue
        bank.ideas[idea.id] = idea
        bank.origin[idea.id] = (_BUILTIN_MARK if builtin else "") + here


_BUILTIN_MARK = "built-in "


def load_bank(user_paths: Sequence[Path] = (), *, builtin: bool = True) -> tuple[Bank, list[str]]:
    """The built-in bank and the user's, a user's idea replacing a built-in one with its id.

    Returns the bank and every problem found (all of them, not only the first).
    """
    bank, problems = Bank(), []
    sources = [(p, True) for p in bank_files([builtin_dir("ideas")])] if builtin else []
    for path in bank_files(user_paths):
        sources.append((path, False))
    for path, is_builtin in sources:
        ideas, found = read_bank_file(path)
        problems += found
        _merge(bank, path, ideas, is_builtin, problems)
    return bank, problems


def load_valid_bank(user_paths: Sequence[Path] = ()) -> Bank:
    """The bank, or an IdeaBankError listing every problem."""
    bank, problems = load_bank(user_paths)
    if problems:
        raise IdeaBankError(problems, hint="Fix these, or run `csw ideas check` to list them.")
    return bank
