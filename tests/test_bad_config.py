"""Malformed csw.toml files (tests/corpus/config/) through the real CLI.

Every case runs `csw plan 2025 --config FILE` in an empty folder: a bad config exits 2 with one
short message naming the file and the line or field, prints no traceback, and writes nothing (no
csw-2025 folder). The `ok-*` files are valid and must plan. The `defect-*` files show defects.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_bad_support import CORPUS, assert_short_error, make_plan_folder, run_cli, snapshot

CONFIGS = CORPUS / "config"

# file -> fragments the message must hold (file:line and the field, or what is wrong)
BAD = {
    "bad-syntax.toml": ["bad-syntax.toml:1:", "invalid TOML"],
    "bad-syntax-unquoted-string.toml": ["bad-syntax-unquoted-string.toml:2:", "invalid TOML"],
    "unknown-key.toml": ["unknown-key.toml:2: team.headcont", "did you mean 'headcount'"],
    "unknown-section.toml": ["unknown-section.toml:1: tema", "unknown key 'tema'"],
    "wrong-type-headcount.toml": ["wrong-type-headcount.toml:2: team.headcount", "'forty'"],
    "wrong-type-days.toml": ["wrong-type-days.toml:2: week.days"],
    "wrong-type-section.toml": ["wrong-type-section.toml:1: team"],
    "bad-zone.toml": ["bad-zone.toml:2: organization.timezone", "IANA"],
    "bad-zone-path.toml": ["bad-zone-path.toml:2: organization.timezone", "IANA"],
    "negative-budget.toml": ["negative-budget.toml:2: team.budget", "greater than or equal to 0"],
    "nan-budget.toml": ["nan-budget.toml:2: team.budget"],
    "shift-ends-before-start.toml": ["shift-ends-before-start.toml:4: team.shifts[0].end", "after the start"],
    "shift-bad-clock.toml": ["shift-bad-clock.toml:3: team.shifts[0].start", "HH:MM"],
    "shift-twice.toml": ["shift-twice.toml:1: team.shifts", "names a shift twice"],
    "zero-max-off-phones.toml": ["zero-max-off-phones.toml:2: team.max_off_phones"],
    "password-in-file.toml": ["password-in-file.toml:1: email", "password_env"],
    "bad-theme-year.toml": ["bad-theme-year.toml:2: themes.twenty"],
    "bad-domain.toml": ["bad-domain.toml:2: organization.domain"],
    "nul-byte.toml": ["nul-byte.toml"],
    "bom-unknown-key.toml": ["bom-unknown-key.toml:2: team.headcont"],
}
UNDECODABLE = {"non-utf8.toml": "non-utf8.toml:2", "binary.toml": "binary.toml", "utf16.toml": "utf16.toml"}
GOOD = ["ok-empty.toml", "ok-bom.toml", "ok-comments-only.toml"]


def plan_with_config(tmp_path: Path, name: str):
    shutil.copy(CONFIGS / name, tmp_path / name)
    before = snapshot(tmp_path)
    result = run_cli("plan", "2025", "--config", name, cwd=tmp_path)
    return result, before


def test_every_corpus_file_has_a_case() -> None:
    defects = {case.values[0] for case in DEFECTS}
    assert sorted(p.name for p in CONFIGS.iterdir()) == sorted([*BAD, *GOOD, *UNDECODABLE, *defects])


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_config_exits_2_naming_file_and_place_and_writes_nothing(tmp_path: Path, name: str) -> None:
    result, before = plan_with_config(tmp_path, name)
    assert_short_error(result, *BAD[name])
    assert "Fix" in result.stderr or "use" in result.stderr or "Check" in result.stderr, "what to do"
    assert snapshot(tmp_path) == before, "a failing run writes nothing"
    assert not (tmp_path / "csw-2025").exists()


@pytest.mark.parametrize("name", GOOD)
def test_an_empty_or_bom_config_is_valid(tmp_path: Path, name: str) -> None:
    result, _ = plan_with_config(tmp_path, name)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "csw-2025" / "plan.yaml").is_file()


def test_a_directory_given_as_config(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    before = snapshot(tmp_path)
    result = run_cli("plan", "2025", "--config", "conf.d", cwd=tmp_path)
    assert_short_error(result, "conf.d")
    assert snapshot(tmp_path) == before and not (tmp_path / "csw-2025").exists()


def test_a_missing_config(tmp_path: Path) -> None:
    result = run_cli("plan", "2025", "--config", "nowhere/csw.toml", cwd=tmp_path)
    assert_short_error(result, "nowhere/csw.toml: no such config file", "csw init")
    assert not (tmp_path / "csw-2025").exists()


def test_a_bad_config_leaves_an_existing_output_folder_byte_identical(tmp_path: Path) -> None:
    make_plan_folder(tmp_path)
    shutil.copy(CONFIGS / "unknown-key.toml", tmp_path / "csw.toml")  # found as ./csw.toml
    before = snapshot(tmp_path)
    result = run_cli("plan", "2025", "--force", cwd=tmp_path)
    assert_short_error(result, "csw.toml:2: team.headcont")
    assert snapshot(tmp_path) == before


# Each of these was a defect, now fixed; the case says what it guards.
DEFECTS = [
    # a quoted key such as "\u00b2" (a digit int() refuses) once made toml_key_lines raise ValueError
    pytest.param("defect-unicode-digit-key.toml", ["defect-unicode-digit-key.toml:2: themes"]),
    # headcount = true was taken as 1 (pydantic's lax bool -> int)
    pytest.param("defect-bool-headcount.toml", ["defect-bool-headcount.toml:2: team.headcount", "true"]),
    # budget = inf was accepted, and plan.json then held Infinity (not JSON)
    pytest.param("defect-inf-budget.toml", ["defect-inf-budget.toml:2: team.budget", "finite"]),
    # an unquoted TOML time (start = 08:00:00) was reported as 'found datetime.time(8, 0)'
    pytest.param(
        "defect-toml-time-shift.toml",
        ["defect-toml-time-shift.toml:3: team.shifts[0].start", '"08:00"', "in quotes"],
    ),
]


@pytest.mark.parametrize(("name", "fragments"), DEFECTS)
def test_defects_of_config_validation(tmp_path: Path, name: str, fragments: list[str]) -> None:
    result, before = plan_with_config(tmp_path, name)
    message = assert_short_error(result, *fragments)
    assert "datetime." not in message, "no Python repr in a user's message"
    assert snapshot(tmp_path) == before


# Guards: not the codec's "can't decode byte 0xe9 in position 26" but the line and what to do.
@pytest.mark.parametrize("name", list(UNDECODABLE))
def test_a_config_that_is_not_utf8_names_the_line_and_says_to_save_as_utf8(tmp_path: Path, name: str) -> None:
    result, before = plan_with_config(tmp_path, name)
    assert_short_error(result, UNDECODABLE[name], "UTF-8")
    assert snapshot(tmp_path) == before


# A line break in organization.name was accepted, and `csw plan` wrote it into plan.yaml's comment
# header (plan.py _header), so the plan it wrote no longer loaded. Names and titles are one line.
@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('[organization]\nname = "Acme\\nSupport"\n', ["csw.toml:2: organization.name", "U+000A"]),
        ('[organization]\nteam = "Care\\u2028Team"\n', ["csw.toml:2: organization.team", "U+2028"]),
        ('[team]\ndepartments = ["IT", "H\\u001bR"]\n', ["csw.toml:2: team.departments[1]", "U+001B"]),
        ('[[team.shifts]]\nname = "da\\u0085y"\nstart = "09:00"\nend = "17:00"\n', ["csw.toml:2:", "U+0085"]),
        ('[themes]\n2025 = "Hero\\u0000es"\n', ["csw.toml:2: themes.2025", "U+0000"]),
    ],
)
def test_a_line_break_or_control_character_in_a_name_is_refused(
    tmp_path: Path, toml: str, fragments: list[str]
) -> None:
    (tmp_path / "csw.toml").write_text(toml, encoding="utf-8")
    result = run_cli("plan", "2025", cwd=tmp_path)
    assert_short_error(result, *fragments, "one line")
    assert not (tmp_path / "csw-2025").exists()


def test_a_name_with_spaces_around_it_is_trimmed(tmp_path: Path) -> None:
    (tmp_path / "csw.toml").write_text('[organization]\nname = "  Acme  "\n', encoding="utf-8")
    result = run_cli("plan", "2025", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Customer Service, Acme.\n" in (tmp_path / "csw-2025" / "plan.yaml").read_text(encoding="utf-8")
