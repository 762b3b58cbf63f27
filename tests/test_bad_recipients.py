"""Malformed recipients files (tests/corpus/recipients/) through `csw email preview`, and what a
plan or an idea can do to the composed messages.

A bad file exits 2 with one message naming FILE:LINE and what to do, and writes no outbox. Excel
exports (BOM, `;`, CRLF), tab-separated files and duplicate rows (merged, with a warning) work.
"""

from __future__ import annotations

import email
import shutil
from email import policy
from pathlib import Path

import pytest
import yaml

from tests.test_bad_support import CORPUS, assert_short_error, make_plan_folder, run_cli, snapshot

RECIPIENTS = CORPUS / "recipients"

BAD = {
    "bad-address.csv": ["bad-address.csv:3: 'not-an-address' is not a valid email address"],
    "bad-address-display-form.csv": ["bad-address-display-form.csv:2:", "not a valid email address"],
    "missing-columns.csv": ["missing-columns.csv:1: missing columns email and name"],
    "crlf-in-name.csv": ["crlf-in-name.csv:2:", "not allowed in a name"],
    "lf-in-email.csv": ["lf-in-email.csv:2:", "not allowed in an email"],
    "empty.csv": ["empty.csv:1: the file is empty"],
    "blank-lines.csv": ["blank-lines.csv:1: the file is empty"],
    "header-only.csv": ["header-only.csv:1: no recipients"],
    "non-utf8.csv": ["non-utf8.csv:2: the file is not UTF-8", "CSV UTF-8"],
    "utf16.csv": ["utf16.csv:1: the file is not UTF-8"],
    "binary.csv": ["binary.csv:2: the file is not UTF-8"],
    "unclosed-quote.csv": ["unclosed-quote.csv:2:", "opening quote"],
    "too-many-cells.csv": ["too-many-cells.csv:2: 3 values but the header has 2 columns"],
    "column-twice.csv": ["column-twice.csv:1: column 'email' appears more than once"],
    "empty-name.csv": ["empty-name.csv:2: the name is empty"],
    "nul-in-name.csv": ["nul-in-name.csv:2:", "not allowed in a name"],
}
GOOD = {  # file -> people
    "ok-plain.csv": 2,
    "ok-bom.csv": 1,
    "ok-excel-semicolon.csv": 2,
    "ok-tab.csv": 1,
    "ok-duplicates.csv": 1,
}


def preview(tmp_path: Path, name: str, *more: str):
    make_plan_folder(tmp_path)
    shutil.copy(RECIPIENTS / name, tmp_path / name)
    before = snapshot(tmp_path)
    result = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", name, *more, cwd=tmp_path)
    return result, before


def messages(outbox: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for path in sorted(outbox.glob("*.eml"))
    ]


def test_every_corpus_file_has_a_case() -> None:
    assert sorted(p.name for p in RECIPIENTS.iterdir()) == sorted([*BAD, *GOOD])


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_recipients_file_exits_2_naming_line_and_writes_no_outbox(tmp_path: Path, name: str) -> None:
    result, before = preview(tmp_path, name)
    assert_short_error(result, *BAD[name], "Fix the recipients file")
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "csw-2025" / "outbox").exists()


@pytest.mark.parametrize("name", list(GOOD))
def test_excel_exports_and_duplicates_work(tmp_path: Path, name: str) -> None:
    result, _ = preview(tmp_path, name)
    assert result.exit_code == 0, result.stderr
    people = {str(m["To"]) for m in messages(tmp_path / "csw-2025" / "outbox")}
    assert len(people) == GOOD[name], people
    if name == "ok-duplicates.csv":
        assert "ok-duplicates.csv:3: duplicate of line 2" in result.stderr
    if name == "ok-excel-semicolon.csv":
        assert any("Lee; Pat" in to for to in people), "a quoted ';' stays in the name"


def test_a_missing_recipients_file(tmp_path: Path) -> None:
    make_plan_folder(tmp_path)
    before = snapshot(tmp_path)
    result = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", "nobody.csv", cwd=tmp_path)
    assert_short_error(result, "nobody.csv: no such file")
    assert snapshot(tmp_path) == before


def test_a_bad_recipients_file_leaves_an_existing_outbox_as_it_was(tmp_path: Path) -> None:
    result, _ = preview(tmp_path, "ok-plain.csv")
    assert result.exit_code == 0
    shutil.copy(RECIPIENTS / "bad-address.csv", tmp_path / "bad-address.csv")
    before = snapshot(tmp_path)
    again = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", "bad-address.csv", cwd=tmp_path)
    assert_short_error(again, "bad-address.csv:3")
    assert snapshot(tmp_path) == before


# --- what a plan or an idea can do to the messages ----------------------------------------------


# Guards against header injection: plan.yaml's organization.domain went into every Message-ID as
# it was, and 'acme.example\nBcc: evil@attacker.example' added a Bcc: header to every message.
def test_a_line_break_in_the_plans_domain_never_reaches_a_header(tmp_path: Path) -> None:
    plan = make_plan_folder(tmp_path)
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    data["organization"]["domain"] = "acme.example\nBcc: evil@attacker.example"
    plan.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (tmp_path / "csw.toml").write_text('[email]\nfrom = "Pat Lee <pat@acme.example>"\n', encoding="utf-8")
    shutil.copy(RECIPIENTS / "ok-plain.csv", tmp_path / "people.csv")
    result = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", "people.csv", cwd=tmp_path)
    outbox = tmp_path / "csw-2025" / "outbox"
    for message in messages(outbox) if outbox.exists() else []:
        assert "Bcc" not in message, "a forged header"
        assert "\n" not in str(message["Message-ID"])
    assert_short_error(result, "organization.domain")


# An idea title holding U+2028 (LINE SEPARATOR) planned and rendered, but `csw email preview` failed:
# compose.Composer._render splits the front matter with str.splitlines(), which also splits at
# U+2028, and blamed the built-in template. Idea validation now refuses such a title.
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c"])
def test_a_title_with_a_unicode_line_separator_is_refused(tmp_path: Path, separator: str) -> None:
    idea = {
        "id": "odd-day",
        "title": f"Odd{separator}Day",
        "category": "dress-up",
        "kind": "theme",
        "summary": "A day.",
        "how_to": "Wear it.",
        "modes": ["onsite", "remote", "hybrid"],
    }
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump([idea]), encoding="utf-8")
    planned = run_cli("plan", "2025", "--ideas", "mine.yaml", "--pin", "mon=odd-day", cwd=tmp_path)
    assert_short_error(planned, "mine.yaml:", "odd-day.title", f"U+{ord(separator):04X}")
    assert not (tmp_path / "csw-2025").exists()


def pin_theme(folder: Path, title: str, *more: str) -> None:
    idea = {
        "id": "odd-day",
        "title": title,
        "category": "dress-up",
        "kind": "theme",
        "summary": "A day.",
        "how_to": "Wear it.",
        "modes": ["onsite", "remote", "hybrid"],
    }
    (folder / "mine.yaml").write_text(yaml.safe_dump([idea], allow_unicode=True), encoding="utf-8")
    planned = run_cli("plan", "2025", "--ideas", "mine.yaml", "--pin", "mon=odd-day", *more, cwd=folder)
    assert planned.exit_code == 0, planned.stderr


@pytest.mark.parametrize("where", ["recipient name", "theme title", "year theme"])
def test_non_ascii_text_in_a_header_is_encoded(tmp_path: Path, where: str) -> None:
    name, title, config = "Pat Lee", "Plain Day", ""
    if where == "recipient name":
        name = "Renée Lee"
    elif where == "theme title":
        title = "Café Day"
    else:
        config = '[organization]\ntheme = "Héroes de Servicio"\n'
    (tmp_path / "csw.toml").write_text(config, encoding="utf-8")
    pin_theme(tmp_path, title)
    (tmp_path / "people.csv").write_text(f"email,name\npat@acme.example,{name}\n", encoding="utf-8")
    result = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", "people.csv", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    sent = messages(tmp_path / "csw-2025" / "outbox")
    assert any(name in str(m["To"]) for m in sent)
    assert any(title in str(m["Subject"]) for m in sent)
    if config:
        assert any("Héroes de Servicio" in str(m["Subject"]) for m in sent)


# Idea titles and summaries could hold control characters (NUL, ESC, BEL...): only CR and LF were
# refused, so `csw ideas check` passed them and a NUL or an ESC went raw into the Subject: header.
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f"])
def test_a_control_character_in_an_idea_title_never_reaches_a_header(tmp_path: Path, char: str) -> None:
    idea = {
        "id": "odd-day",
        "title": f"Odd{char}Day",
        "category": "dress-up",
        "kind": "theme",
        "summary": "A day.",
        "how_to": "Wear it.",
        "modes": ["onsite"],
    }
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump([idea], sort_keys=False), encoding="utf-8")
    checked = run_cli("ideas", "check", "mine.yaml", cwd=tmp_path)
    assert checked.exit_code == 1 and "mine.yaml:2: odd-day.title" in checked.stdout, checked.stdout
