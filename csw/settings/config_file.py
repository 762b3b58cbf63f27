"""Reading csw.toml: finding it, parsing its TOML, and errors that name the file, line and key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from csw.core.errors import ConfigError
from csw.core.files import read_utf8
from csw.core.validation import Loc, describe, field_names, first_line
from csw.settings.config import CONFIG_NAME, Config


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """`--config PATH`, else ./csw.toml, else none (the built-in defaults)."""
    if explicit is not None:
        return explicit
    local = cwd / CONFIG_NAME
    return local if local.is_file() else None


def load_config(path: Path | None) -> Config:
    """The config at `path`, or the defaults when there is none."""
    if path is None:
        return Config()
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_toml_syntax_message(path, error), hint=_FIX_SYNTAX) from None
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        lines = toml_key_lines(text)
        problems = describe(
            error,
            lambda loc: f"{path}:{first_line(lines, loc) or 1}",
            field_names([Config]),
        )
        raise ConfigError("\n".join(problems), hint=f"Fix {path} and run the command again.") from None
    config._source = path
    return config


_FIX_SYNTAX = "Fix the TOML syntax there (strings in double quotes, one key = value per line)."


def _read(path: Path) -> str:
    try:
        return read_utf8(path)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file.", hint="Check the path, or run `csw init` to write one."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config: {error}.") from None


def _toml_syntax_message(path: Path, error: tomllib.TOMLDecodeError) -> str:
    # tomllib says "Invalid value (at line 3, column 9)": move the place to the front.
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    what = re.sub(r"\s*\(at .*\)$", "", str(error))
    if found:
        return f"{path}:{found[1]}:{found[2]}: invalid TOML: {what}."
    return f"{path}: invalid TOML: {what}."


_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def toml_key_lines(text: str) -> dict[Loc, int]:
    """The line of each table and key in a TOML text, by its path (arrays of tables indexed)."""
    lines: dict[Loc, int] = {}
    table: Loc = ()
    counts: dict[Loc, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            path = _split_key(header[2])
            if header[1] == "[[":
                index = counts.get(path, -1) + 1
                counts[path] = index
                table = (*path, index)
            else:
                table = path
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_split_key(key[1])), number)
    return lines


def _split_key(dotted_key: str) -> Loc:
    # Keys stay strings, digits too: pydantic reports a dict's key as it was given ("2025" of
    # [themes]), and int() of a key such as "\u00b2" (a digit to isdigit()) raised ValueError.
    return tuple(part.strip("\"'") for part in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted_key))
