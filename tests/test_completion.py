"""Shell completion, through click's own machinery: the shell's request is the _CSW_COMPLETE,
COMP_WORDS and COMP_CWORD environment that `csw --install-completion` has bash send, and the answer
is what csw prints, one candidate a line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csw.cli import app
from csw.cli.choices import CATEGORIES, FORMATS, IDEA_KINDS, MESSAGE_KINDS, MODES, SPANS
from tests.banks import DESK_YOGA as BANK


def request(line: str) -> dict[str, str]:
    """What bash sends for the command line typed so far (a trailing space starts a new word)."""
    words = line.split(" ")
    return {"_CSW_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}


@pytest.fixture
def complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def run(line: str) -> list[str]:
        result = CliRunner().invoke(app, [], prog_name="csw", env=request(line), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        return [line for line in result.stdout.splitlines() if line]

    return run


def test_a_real_process_completes_for_the_shell(tmp_path: Path) -> None:
    script = "import sys; sys.argv[0] = 'csw'; from csw.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**_base_env(), **request("csw email send plan.yaml --only ki")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["kickoff"]
    assert not done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("COMP_", "_CSW"))}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("csw plan 2025 --mode ", list(MODES)),
        ("csw plan 2025 --mode h", ["hybrid"]),
        ("csw plan 2025 --format ", list(FORMATS)),
        ("csw render plan.yaml --format md,", [f"md,{f}" for f in FORMATS if f != "md"]),
        ("csw render plan.yaml --format md,ics,h", ["md,ics,html"]),
        ("csw email preview plan.yaml --only ", list(MESSAGE_KINDS)),
        ("csw email send plan.yaml --only th", ["thanks"]),
        ("csw email send plan.yaml --due t", ["today"]),
        ("csw ideas list --category ", list(CATEGORIES)),
        ("csw ideas list --span d", [s for s in SPANS if s.startswith("d")]),
        ("csw ideas list --kind ", list(IDEA_KINDS)),
        ("csw ideas list --mode re", ["remote"]),
    ],
)
def test_closed_sets_complete_their_values(complete, line: str, expected: list[str]) -> None:
    assert complete(line) == expected


def test_a_value_outside_the_set_is_still_refused_with_the_choices(tmp_path: Path, csw) -> None:
    result = csw("plan", "2025", "--mode", "office")
    result.assert_clean_error()
    assert all(mode in result.stderr for mode in MODES)


def test_idea_ids_complete_for_show_exclude_and_pin(complete) -> None:
    assert "pajama-day" in complete("csw ideas show pajama")
    assert all(c.startswith("pajama") for c in complete("csw ideas show pajama"))
    assert "pajama-day" in complete("csw plan 2025 --exclude paj")
    assert "tue=pajama-day" in complete("csw plan 2025 --pin tue=paj")
    every = complete("csw ideas show ")
    assert len(every) > 100 and len(set(every)) == len(every)


def test_pin_completes_the_days_of_the_configured_week_first(complete, tmp_path: Path) -> None:
    assert complete("csw plan 2025 --pin t") == ["tue=", "thu="]
    (tmp_path / "csw.toml").write_text('[week]\ndays = ["sun", "mon", "tue"]\n', encoding="utf-8")
    assert complete("csw plan 2025 --pin s") == ["sun="]


def test_the_users_bank_is_completed_from_the_config_and_from_ideas(complete, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(BANK, encoding="utf-8")
    assert complete("csw ideas show desk-y") == []
    assert complete("csw ideas show --ideas mine.yaml desk-y") == ["desk-yoga"]
    (tmp_path / "csw.toml").write_text('[ideas]\npaths = ["mine.yaml"]\n', encoding="utf-8")
    assert complete("csw ideas show desk-y") == ["desk-yoga"]
    assert complete("csw plan 2025 --exclude desk-y") == ["desk-yoga"]


def test_a_broken_config_completes_nothing_and_says_nothing(complete, tmp_path: Path) -> None:
    (tmp_path / "csw.toml").write_text("[ideas\npaths = 3\n", encoding="utf-8")
    assert complete("csw ideas show pajama") == []
    assert complete("csw plan 2025 --pin t") == ["tue=", "thu="]  # the days fall back to the workweek


def test_a_broken_bank_still_offers_the_ideas_that_load(complete, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("- id: [unclosed\n  title: :\n", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\x00\xff\xfe not yaml")
    found = complete("csw ideas show --ideas mine.yaml --ideas binary.yaml pajama")
    assert "pajama-day" in found


def test_a_bank_folder_that_is_missing_completes_without_error(complete) -> None:
    assert "pajama-day" in complete("csw ideas show --ideas nowhere.yaml pajama")


def test_team_names_complete_from_the_config(complete, tmp_path: Path) -> None:
    assert complete("csw plan 2025 --team ") == []
    teams = '[[teams]]\nname = "Austin Care"\n\n[[teams]]\nname = "Berlin Billing"\n'
    (tmp_path / "csw.toml").write_text(teams, encoding="utf-8")
    assert complete("csw plan 2025 --team ") == ["Austin Care", "Berlin Billing"]
    assert complete("csw plan 2025 --team B") == ["Berlin Billing"]
