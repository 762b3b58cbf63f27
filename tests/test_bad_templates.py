"""Broken user templates (tests/corpus/templates/CASE/) through `csw render` and `csw email preview`.

Each case folder overrides agenda.md.j2 or email/daily.md.j2. A broken template exits 2 with one
message naming the template and its line, writes nothing, and never lets a template reach Python
internals or change the plan. Whatever Python raises in a template's expression (1 / 0, a bad
format, a date out of range), a template that extends itself, one that is not UTF-8 and one that
asks for more than memory holds (range(10**9), 'x' * 10**10, lipsum(10**7)) all fail this way too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_bad_support import (
    CORPUS,
    assert_short_error,
    make_plan_folder,
    run_cli,
    snapshot,
    within,
)

TEMPLATES = CORPUS / "templates"
NOT_ALLOWED = "not allowed in a template"

AGENDA = {
    "syntax-error": ["tpl/agenda.md.j2:3: template syntax error", "endfor"],
    "syntax-error-bad-tag": ["tpl/agenda.md.j2:3: template syntax error", "frobnicate"],
    "unknown-variable": ["tpl/agenda.md.j2:3: unknown variable: organisation"],
    "unknown-attribute": ["tpl/agenda.md.j2:2: unknown variable: colour"],
    "unknown-filter": ["tpl/agenda.md.j2:1:", "shout"],
    "python-mro": ["tpl/agenda.md.j2:1:", NOT_ALLOWED],
    "python-subclasses": ["tpl/agenda.md.j2:1:", NOT_ALLOWED],
    "python-globals": ["tpl/agenda.md.j2:1:", NOT_ALLOWED],
    "python-template-context": ["tpl/agenda.md.j2:1:", NOT_ALLOWED],
    "python-format-attr": ["tpl/agenda.md.j2:1:", NOT_ALLOWED],
    "python-getattr-filter": ["tpl/agenda.md.j2:1:"],
    "missing-include": ["'nowhere.j2' not found"],
    "include-escape": ["not found"],
    # Python's own exceptions, which render.render once let out as internal errors (exit 70)
    "zero-division": ["tpl/agenda.md.j2:3: cannot render: division by zero", "Fix the expression"],
    "bad-format": ["tpl/agenda.md.j2:1: cannot render:", "a real number is required, not str"],
    "date-out-of-range": ["tpl/agenda.md.j2:1: cannot render: year 0 is out of range"],
    # Built to exhaust memory or time: refused before Python tries, so each fails at once
    "huge-range": ["tpl/agenda.md.j2:1: cannot render: range() would make 1,000,000,000 numbers"],
    "huge-repetition": ["tpl/agenda.md.j2:2: cannot render: '*' would make 10,000,000,000 items"],
    "huge-power": ["tpl/agenda.md.j2:1: cannot render: '**' would make a number of more than"],
    "lipsum-forever": ["tpl/agenda.md.j2:1: cannot render: lipsum() makes at most 100 paragraphs"],
    # A user agenda.md.j2 that extends (or includes) 'agenda.md.j2' gets itself: RecursionError
    "extends-itself": ["tpl/agenda.md.j2:1: the template extends or includes itself", "copy the built-in"],
    "includes-itself": ["tpl/agenda.md.j2:2: the template extends or includes itself"],
    "non-utf8": ["tpl/agenda.md.j2:1: not UTF-8 text (byte 0xe9)", "Save the template as UTF-8"],
    # The sandbox is immutable: {{ plan.ideas.clear() }} once emptied the plan for the exports after
    "mutates-the-plan": ["tpl/agenda.md.j2:1:", NOT_ALLOWED, "'clear' of 'dict'"],
    "mutates-a-list": ["tpl/agenda.md.j2:1:", NOT_ALLOWED, "'append' of 'list'"],
}
EMAIL = {
    "email-syntax-error": ["tpl/email/daily.md.j2:2: template syntax error"],
    "email-unknown-variable": ["tpl/email/daily.md.j2:4: unknown variable"],
    "email-no-subject": ["email/daily.md.j2: no subject"],
    "email-bad-front-matter": ["email/daily.md.j2: front matter line 'from: ceo@acme.example'"],
    "email-unknown-column": ["tpl/email/daily.md.j2:4:", "office"],
    "email-python-globals": ["tpl/email/daily.md.j2:2:", NOT_ALLOWED],
    "email-zero-division": ["tpl/email/daily.md.j2:4: cannot render: integer division or modulo by zero"],
    # once went on with an empty plan as if nothing happened
    "email-mutates-the-plan": ["tpl/email/daily.md.j2:2:", NOT_ALLOWED, "'clear' of 'dict'"],
}


def render_with(tmp_path: Path, case: str):
    make_plan_folder(tmp_path)
    shutil.copytree(TEMPLATES / case, tmp_path / "tpl")
    before = snapshot(tmp_path)
    result = run_cli("render", "csw-2025/plan.yaml", "--templates", "tpl", cwd=tmp_path)
    return result, before


def preview_with(tmp_path: Path, case: str):
    make_plan_folder(tmp_path)
    shutil.copytree(TEMPLATES / case, tmp_path / "tpl")
    shutil.copy(CORPUS / "recipients" / "ok-plain.csv", tmp_path / "people.csv")
    before = snapshot(tmp_path)
    result = run_cli(
        "email",
        "preview",
        "csw-2025/plan.yaml",
        "--recipients",
        "people.csv",
        "--templates",
        "tpl",
        cwd=tmp_path,
    )
    return result, before


def test_every_corpus_folder_has_a_case() -> None:
    assert sorted(p.name for p in TEMPLATES.iterdir()) == sorted([*AGENDA, *EMAIL])


@pytest.mark.parametrize("case", list(AGENDA))
def test_a_broken_agenda_template_exits_2_and_writes_nothing(tmp_path: Path, case: str) -> None:
    result, before = within(30, f"csw render --templates {case}", lambda: render_with(tmp_path, case))
    assert_short_error(result, *AGENDA[case])
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", list(AGENDA))
def test_a_broken_agenda_template_stops_a_first_plan_before_the_folder_exists(
    tmp_path: Path, case: str
) -> None:
    shutil.copytree(TEMPLATES / case, tmp_path / "tpl")
    result = run_cli("plan", "2025", "--templates", "tpl", cwd=tmp_path)
    assert_short_error(result, AGENDA[case][-1])
    assert not (tmp_path / "csw-2025").exists()


@pytest.mark.parametrize("case", list(EMAIL))
def test_a_broken_email_template_exits_2_and_writes_no_outbox(tmp_path: Path, case: str) -> None:
    result, before = preview_with(tmp_path, case)
    assert_short_error(result, *EMAIL[case])
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "csw-2025" / "outbox").exists()


# Guards the SecurityError text, which ends in a full stop of its own: it once read 'unsafe..'.
def test_template_messages_end_with_one_full_stop(tmp_path: Path) -> None:
    result, _ = render_with(tmp_path, "python-mro")
    assert ".." not in result.stderr, result.stderr
