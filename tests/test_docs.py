"""The README tells the truth: the two set-up commands, every command, real output."""

from __future__ import annotations

import re

from csw.cli import app, ideas_app
from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def test_quickstart_has_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README.split("## Quickstart")[1], flags=re.S)
    assert blocks[0].strip() == "python3 -m pip install -e '.[test]' && csw plan 2025"
    assert blocks[1].strip() == "python3 -m pytest"
    assert "python3 -m pytest" in (REPO / ".ci" / "run").read_text()


def test_every_command_is_in_the_tour() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [f"ideas {c.name}" for c in ideas_app.registered_commands]
    for name in names:
        assert f"csw {name}" in README, name


def test_the_week_output_shown_is_real(csw) -> None:
    shown = README.split("$ csw week 2025 2026 2018\n")[1].split("$ ")[0]
    assert csw("week", "2025", "2026", "2018").stdout == shown
    error = README.split("$ csw week 25\n")[1].split("```")[0]
    assert csw("week", "25").stderr == error


def test_the_plan_output_shown_is_real(csw) -> None:
    shown = README.split("$ csw plan 2025 --mode hybrid --headcount 40 --budget 2000\n")[1].split("```")[0]
    result = csw("plan", "2025", "--mode", "hybrid", "--headcount", "40", "--budget", "2000")
    assert result.stdout == shown


def test_the_example_idea_checks_clean(csw, tmp_path) -> None:
    example = README.split("```yaml\n- id: taco-bar-lunch", 1)[1].split("```", 1)[0]
    (tmp_path / "taco.yaml").write_text("- id: taco-bar-lunch" + example, encoding="utf-8")
    result = csw("ideas", "check", "taco.yaml")
    assert result.exit_code == 0, result.stdout
    assert "no problems" in result.stdout


def starter_week(csw, tmp_path):
    """The README's email example: the files `csw init` writes, planned with their roster."""
    assert csw("init").exit_code == 0
    assert csw("plan", "2025", "--roster", "recipients.csv").exit_code == 0
    result = csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "csw-2025"


def test_the_kickoff_and_the_coverage_sheet_shown_are_real(csw, tmp_path) -> None:
    from email import policy
    from email.parser import BytesParser

    folder = starter_week(csw, tmp_path)
    found = re.search(r"<!-- the kickoff of (\S+), its text part -->\n```text\n(.*?)```", README, re.S)
    assert found, "the README shows a rep's kickoff"
    address, shown = found[1], found[2]
    (path,) = folder.glob(f"outbox/*-kickoff-{address.replace('@', '-at-')}.eml")
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text == shown
    sheet = re.search(r"<!-- coverage.md, its first day -->\n```markdown\n(.*?)```", README, re.S)
    assert sheet and sheet[1] in (folder / "coverage.md").read_text(encoding="utf-8")
