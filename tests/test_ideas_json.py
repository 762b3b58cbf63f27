"""`csw ideas show --json` and `csw ideas check --json`: the same facts as the text, for scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from csw.ideas.bank import MAX_PROBLEMS
from tests.banks import DESK_YOGA_V2 as MINE
from tests.test_bad_support import CORPUS


def test_show_json_is_the_idea_with_where_it_is_defined(csw) -> None:
    result = csw("ideas", "show", "pajama-day", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    listed = next(i for i in json.loads(csw("ideas", "list", "--json").stdout) if i["id"] == "pajama-day")
    assert {k: v for k, v in shown.items() if k not in ("defined_at", "builtin")} == listed
    assert shown["title"] == "Pajama Day" and shown["category"] == "dress-up" and shown["how_to"]
    assert shown["builtin"] is True
    file, line = shown["defined_at"].rsplit(":", 1)
    assert file.endswith("dress-up.yaml") and int(line) > 0


def test_show_json_of_the_users_idea(csw, write) -> None:
    write("mine.yaml", MINE)
    shown = json.loads(csw("ideas", "show", "desk-yoga", "--json", "--ideas", "mine.yaml").stdout)
    assert shown["builtin"] is False and shown["defined_at"].endswith("mine.yaml:1")
    assert shown["duration_minutes"] == 15 and shown["modes"] == ["onsite", "remote", "hybrid"]


def test_show_json_of_an_unknown_id_is_a_clean_error(csw) -> None:
    result = csw("ideas", "show", "pajama-dya", "--json")
    result.assert_clean_error()
    assert result.stdout == ""


def test_check_json_of_a_clean_bank(csw) -> None:
    result = csw("ideas", "check", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["builtin"] is True and report["problems"] == []
    assert report["problem_count"] == 0
    assert report["ideas"] == len(json.loads(csw("ideas", "list", "--json").stdout))


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("wrong-kind.yaml", 4, None, "taco-tuesday.kind"),
        ("bad-yaml.yaml", 3, 11, "invalid YAML"),
        ("empty.yaml", 1, None, "empty"),
    ],
)
def test_check_json_gives_each_problem_its_file_and_line(
    csw, tmp_path: Path, name: str, line: int, column: int | None, words: str
) -> None:
    shutil.copy(CORPUS / "ideas" / name, tmp_path / name)
    result = csw("ideas", "check", name, "--json")
    assert result.exit_code == 1
    assert result.stderr == ""  # the count is in the report, not beside it
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["builtin"] is False and report["checked"] == [name]
    first = report["problems"][0]
    assert (first["file"], first["line"], first["column"]) == (name, line, column)
    assert words in first["message"]


def test_check_json_and_text_list_the_same_problems(csw, tmp_path: Path) -> None:
    shutil.copy(CORPUS / "ideas" / "list-of-strings.yaml", tmp_path / "bank.yaml")
    text = csw("ideas", "check", "bank.yaml").stdout.splitlines()
    report = json.loads(csw("ideas", "check", "bank.yaml", "--json").stdout)
    rebuilt = []
    for problem in report["problems"]:
        place = ":".join(str(p) for p in (problem["file"], problem["line"], problem["column"]) if p)
        rebuilt.append(f"{place}: {problem['message']}")
    assert rebuilt == text and len(text) >= 2


def test_check_json_counts_the_problems_past_the_listed_ones(csw, write) -> None:
    write("junk.yaml", "".join(f"- not an idea {n}\n" for n in range(MAX_PROBLEMS + 30)))
    result = csw("ideas", "check", "junk.yaml", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["problem_count"] == MAX_PROBLEMS + 30
    assert len(report["problems"]) == MAX_PROBLEMS + 1
    more = report["problems"][-1]
    assert more["file"] == "junk.yaml" and more["line"] is None and "30 more" in more["message"]
