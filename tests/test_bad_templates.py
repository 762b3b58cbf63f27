"""Broken user templates (tests/corpus/templates/CASE/) through `csw render` and `csw email preview`.

Each case folder overrides agenda.md.j2 or email/daily.md.j2. A broken template exits 2 with one
message naming the template and its line, writes nothing, and never lets a template reach Python
internals or change the plan. A template that renders forever (`{{ lipsum(10**7) }}`) is skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_bad_support import CORPUS, assert_short_error, make_plan_folder, run_cli, snapshot

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
}
EMAIL = {
    "email-syntax-error": ["tpl/email/daily.md.j2:2: template syntax error"],
    "email-unknown-variable": ["tpl/email/daily.md.j2:4: unknown variable"],
    "email-no-subject": ["email/daily.md.j2: no subject"],
    "email-bad-front-matter": ["email/daily.md.j2: front matter line 'from: ceo@acme.example'"],
    "email-unknown-column": ["tpl/email/daily.md.j2:4:", "office"],
    "email-python-globals": ["tpl/email/daily.md.j2:2:", NOT_ALLOWED],
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
    defects = {p.values[0] for p in DEFECTS}
    assert sorted(p.name for p in TEMPLATES.iterdir()) == sorted([*AGENDA, *EMAIL, *defects])


@pytest.mark.parametrize("case", list(AGENDA))
def test_a_broken_agenda_template_exits_2_and_writes_nothing(tmp_path: Path, case: str) -> None:
    result, before = render_with(tmp_path, case)
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


@pytest.mark.xfail(
    strict=True,
    reason="defect (cosmetic): 'not allowed in a template: access to attribute ... is unsafe..':"
    " render.render appends '.' to a SecurityError's text, which already ends with one",
)
def test_template_messages_end_with_one_full_stop(tmp_path: Path) -> None:
    result, _ = render_with(tmp_path, "python-mro")
    assert ".." not in result.stderr, result.stderr


def crash(reason: str, raises: type[BaseException] | tuple[type[BaseException], ...] | None = None):
    return pytest.mark.xfail(strict=True, raises=raises, reason=reason)


RUNTIME = (
    "defect: an exception a template raises at run time that is not a Jinja error escapes"
    " render.render (it catches Jinja's errors and KeyError only): internal error, exit 70. "
)
DEFECTS = [
    pytest.param(
        "defect-huge-range",
        "render",
        marks=crash(RUNTIME + "range(10**9): the sandbox's OverflowError('Range too big')", OverflowError),
    ),
    pytest.param("defect-zero-division", "render", marks=crash(RUNTIME + "1 / 0", ZeroDivisionError)),
    pytest.param("defect-bad-format", "render", marks=crash(RUNTIME + "'%d' | format('x')", TypeError)),
    pytest.param(
        "defect-date-out-of-range", "render", marks=crash(RUNTIME + "date.replace(year=0)", ValueError)
    ),
    pytest.param(
        "defect-extends-itself",
        "render",
        marks=crash(
            RUNTIME + "a user agenda.md.j2 that {% extends 'agenda.md.j2' %} (to build on the built-in"
            " one) extends itself forever: RecursionError",
            RecursionError,
        ),
    ),
    pytest.param(
        "defect-non-utf8",
        "render",
        marks=crash(
            "defect: a template that is not UTF-8 raises UnicodeDecodeError from Jinja's loader,"
            " which render.render does not catch: internal error",
            UnicodeDecodeError,
        ),
    ),
    pytest.param(
        "defect-mutates-the-plan",
        "render",
        marks=crash(
            "defect: the sandbox is mutable (render.environment uses SandboxedEnvironment, not"
            " ImmutableSandboxedEnvironment): {{ plan.ideas.clear() }} in agenda.md.j2 empties the"
            " plan, and the ICS renderer then fails with KeyError: internal error",
            KeyError,
        ),
    ),
    pytest.param(
        "defect-email-zero-division",
        "preview",
        marks=crash(RUNTIME + "1 // 0 in email/daily.md.j2", ZeroDivisionError),
    ),
    pytest.param(
        "defect-email-mutates-the-plan",
        "preview",
        marks=crash(
            "defect: the sandbox is mutable: {{ plan.ideas.clear() }} in an email template empties"
            " the plan and `csw email preview` goes on as if nothing happened"
        ),
    ),
]


@pytest.mark.parametrize(("case", "command"), DEFECTS)
def test_defects_of_template_errors(tmp_path: Path, case: str, command: str) -> None:
    result, before = (render_with if command == "render" else preview_with)(tmp_path, case)
    assert_short_error(result, "tpl/")
    assert snapshot(tmp_path) == before


@pytest.mark.skip(reason="a template that renders forever ({{ lipsum(10**7) }}): nothing bounds it")
def test_a_template_that_renders_forever() -> None:  # pragma: no cover
    raise AssertionError
