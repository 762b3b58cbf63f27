"""The conventions a command-line user expects: help that names what an option takes (FILE, DIR,
YEAR, DAY=IDEA, a set of choices) rather than a Python type, flags without a --no- twin that means
nothing, NO_COLOR honoured only when it is not empty, and a word about time zones when there is no
csw.toml."""

from __future__ import annotations

import json
import re

import pytest
from typer.main import get_command

from csw.cli import app
from csw.cli.choices import CATEGORIES, FORMATS, IDEA_KINDS, MESSAGE_KINDS, MODES, SPANS

# what an option's value may be called in the help; anything else reads like Python (TEXT,
# INTEGER, <str>, <list[str]>, <path>)
WORDS = {"FILE", "DIR", "PATH", "YEAR", "N", "AMOUNT", "DAY=IDEA", "IDEA", "KIND", "DATE", "FORMATS"}
WORDS |= {"NAME", "CATEGORY"}
CHOICES = re.compile(r"^\[[a-z-]+(\|[a-z-]+)+\]$")
# each of these undoes for one run what csw.toml may turn on: year_round, email.invites
TWINS_THAT_MEAN_SOMETHING = {"--no-year-round", "--no-invites"}


def command_paths() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            found.append(path)
            return
        found.append(path)
        for name, sub in subcommands.items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


def options_of(help_text: str) -> list[tuple[str, str | None]]:
    """(option names, the word for its value or None) of each row of the Options section."""
    section = help_text.split("Options:", 1)[1].split("Commands:", 1)[0]
    rows = []
    for line in section.splitlines():
        found = re.match(r"^  (-[-\w]+(?: / -[-\w]+)?)(?: (\S+))?(?:  |$)", line)
        if found:
            rows.append((found[1], found[2]))
    return rows


def usage_arguments(help_text: str) -> list[str]:
    usage = next(line for line in help_text.splitlines() if line.startswith("Usage:"))
    after = usage.split("[OPTIONS]", 1)[1]
    return [word.strip("{}[].") for word in after.split() if word.strip("{}[].")]


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "csw")
def test_help_names_values_the_way_a_cli_does(csw, path: tuple[str, ...]) -> None:
    result = csw(*path, "--help", env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    # the Arguments section too, where Typer 0.2x writes a type after each name (YEAR <str>)
    for python in ("list[", "<str>", "<path>", "<int", "<float", "[default: None]", "default: no-", "TEXT"):
        assert python not in text, (python, text)
    assert "INTEGER" not in text, text
    for names, value in options_of(text):
        assert value is None or value in WORDS or CHOICES.match(value), (names, value)
        twins = {name for name in names.split(" / ") if name.startswith("--no-")}
        assert twins <= TWINS_THAT_MEAN_SOMETHING, names
    for argument in usage_arguments(text):
        assert argument in {"COMMAND", "ARGS"} or argument in WORDS | {"PLAN", "ID"}, (argument, text)


def test_the_help_of_plan_says_what_each_option_takes(csw) -> None:
    options = dict(options_of(csw("plan", "--help", env={"COLUMNS": "100"}).stdout))
    assert options["--pin"] == "DAY=IDEA" and options["--exclude"] == "IDEA"
    assert options["--mode"] == "[" + "|".join(MODES) + "]"
    assert options["--out"] == "DIR" and options["--config"] == "FILE" and options["--roster"] == "FILE"
    assert "--force" in options and options["--force"] is None
    assert usage_arguments(csw("plan", "--help").stdout) == ["YEAR"]
    assert usage_arguments(csw("init", "--help").stdout) == ["DIR"]


def test_every_closed_set_is_the_librarys_own() -> None:
    from csw.exports.output import EXPORTS
    from csw.ideas.model import Category, Kind, Span
    from csw.mail.audience import KINDS
    from csw.settings.config import Mode

    assert tuple(Mode) == MODES and tuple(EXPORTS) == FORMATS and KINDS == MESSAGE_KINDS
    assert tuple(Category) == CATEGORIES and tuple(Span) == SPANS and tuple(Kind) == IDEA_KINDS


# --- NO_COLOR: plain output when set to anything but "" (no-color.org) -------------------------------
# FORCE_COLOR=1 makes Rich take the test's output for a terminal.


@pytest.mark.parametrize(("no_color", "styled"), [("", True), ("1", False), ("0", False)])
def test_no_color_counts_only_when_it_is_not_empty(csw, no_color: str, styled: bool) -> None:
    result = csw("plan", "2025", env={"NO_COLOR": no_color, "FORCE_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert ("\x1b[" in result.stdout) is styled
    assert "Customer Service Week 2025" in result.stdout


@pytest.mark.parametrize(("no_color", "plain"), [("", False), ("yes", True)])
def test_the_console_overrides_riches_own_reading_of_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color: str, plain: bool
) -> None:
    # Rich 13 takes NO_COLOR= (empty) for set; csw's console decides instead
    from csw.cli.terminal import console

    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = console()
    assert out.is_terminal
    assert (out.color_system is None or out.no_color) is plain


# --- no csw.toml: times are UTC, and the user is told ---------------------------------------------


def test_plan_without_a_config_says_times_are_utc_and_how_to_set_the_zone(csw) -> None:
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("note:") and "UTC" in first and "csw init" in first
    assert "UTC" not in result.stdout.splitlines()[0]


def test_the_note_never_enters_json_output(csw) -> None:
    result = csw("plan", "2025", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["year"] == 2025
    assert "csw init" in result.stderr


def test_no_note_with_a_config_found_or_given(csw, write) -> None:
    write("elsewhere/team.toml", '[organization]\ntimezone = "Europe/London"\n')
    given = csw("plan", "2025", "--config", "elsewhere/team.toml")
    assert given.exit_code == 0, given.stderr
    assert "csw init" not in given.stderr
    write("csw.toml", '[organization]\ntimezone = "UTC"\n')  # UTC on purpose: nothing to say
    found = csw("plan", "2025", "--out", "again")
    assert found.exit_code == 0, found.stderr
    assert "csw init" not in found.stderr
