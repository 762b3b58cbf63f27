"""Any text in an idea comes out intact and correctly escaped in every export and in the email.

Random titles, summaries and how-tos (commas, semicolons, backslashes, `<script>`, `{{ ... }}`,
`{% ... %}`, quotes, Unicode) go into a user idea bank (valid YAML, yaml.safe_dump), a themed day
and an activity are pinned to Monday, and the real CLI plans the week and previews the email:

- schedule.ics (parsed by icalendar): SUMMARY and DESCRIPTION equal the original text;
- agenda.md: the text is there as it was: never evaluated as a template ({{ 7*7 }} is not 49);
- poster.html (parsed by html.parser): the text nodes equal the titles; no element from data;
- the email: the text/plain part holds the text literally; the text/html part holds it escaped.

Titles are one line (the Idea model refuses line breaks there); the how-to is multi-line.
"""

from __future__ import annotations

import email
import os
import re
import tempfile
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.test_bad_support import run_cli

# Idea validation refuses control characters (Unicode Cc) and U+2028/U+2029 in titles and
# summaries, and all of them but line breaks and tabs in how-tos (test_bad_ideas.py,
# test_bad_recipients.py): valid ideas are made of the rest.
ONE_LINE = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
PIECES = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
        "{% if true %}x{% endif %}",
        "{# c #}",
        ",",
        ";",
        "\\",
        "\\n",
        "\\;",
        '"',
        "'",
        "&amp;",
        "&lt;",
        "<b>",
        "</h2>",
        "é",
        "\U0001f600",
        "  ",
        ":",
        "#",
        "=?utf-8?q?x?=",
    ]
)


def no_known_defect(text: str) -> bool:
    """Leave out what known defects break: see test_a_title_that_looks_like_a_compose_token_... and
    test_a_backslash_n_in_idea_text_survives_the_calendar."""
    return "CSWTOKEN" not in text and "\\N" not in text


LINE = (
    st.lists(st.one_of(st.text(ONE_LINE, max_size=20), PIECES), min_size=1, max_size=6)
    .map("".join)
    .filter(no_known_defect)
)
TITLE = LINE.map(str.strip).filter(lambda t: 0 < len(t) <= 120)
# The themed day's title goes into the daily message's Subject: kept ASCII here, see
# test_bad_recipients.py::test_non_ascii_text_in_a_header_is_encoded (any non-ASCII Subject or To
# crashes `csw email preview` today). The activity's title, the summaries and how-tos are Unicode.
ASCII_LINE = (
    st.lists(
        st.one_of(
            st.text(st.characters(max_codepoint=127, blacklist_categories=("Cs", "Cc")), max_size=20),
            PIECES.filter(str.isascii),
        ),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(no_known_defect)
)
ASCII_TITLE = ASCII_LINE.map(str.strip).filter(lambda t: 0 < len(t) <= 120)
SUMMARY = LINE.map(str.strip).filter(lambda t: 0 < len(t) <= 200)
HOW_TO = (
    st.lists(st.one_of(LINE, st.just(""), st.just("\t"), PIECES), min_size=1, max_size=5)
    .map("\n".join)
    .filter(lambda t: t.strip() != "")
)

# What Markdown changes in text (CommonMark also turns U+0000 into U+FFFD).
MARKDOWN_ACTIVE = re.compile(r"[*_`\[\]\\&!~\x00]|<[A-Za-z][A-Za-z0-9+.-]{1,31}:|<[^<>\s]+@|^\s*[-+>#]|\s$")


def bank(theme: tuple[str, str, str], activity: tuple[str, str, str]) -> list[dict[str, object]]:
    common = {"modes": ["onsite", "remote", "hybrid"], "cost_per_person": 0}
    return [
        {
            "id": "fz-theme",
            "title": theme[0],
            "category": "dress-up",
            "kind": "theme",
            "summary": theme[1],
            "how_to": theme[2],
            **common,
        },
        {
            "id": "fz-activity",
            "title": activity[0],
            "category": "recognition",
            "kind": "activity",
            "summary": activity[1],
            "how_to": activity[2],
            "duration_minutes": 15,
            "off_phones": False,
            **common,
        },
    ]


class Texts(HTMLParser):
    """The whole text of each element that has a class (by class), the text of the body, every tag."""

    VOID = ("meta", "br", "img", "hr", "link", "input")

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.stack: list[tuple[str | None, list[str]]] = []
        self.by_class: dict[str, list[str]] = {}
        self.body: list[str] = []
        self.in_body = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.in_body = self.in_body or tag == "body"
        if tag not in self.VOID:
            self.stack.append((dict(attrs).get("class"), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.stack:
            return
        name, texts = self.stack.pop()
        if name:
            self.by_class.setdefault(name, []).append("".join(texts))

    def handle_data(self, data: str) -> None:
        if self.in_body:
            self.body.append(data)
        if self.stack:
            self.stack[-1][1].append(data)


def idea_text(summary: str, how_to: str) -> str:
    return f"{summary}\n\n{how_to.rstrip()}"


def plan_and_mail(folder: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> Path:
    (folder / "mine.yaml").write_text(
        yaml.safe_dump(bank(theme, activity), allow_unicode=True), encoding="utf-8"
    )
    (folder / "people.csv").write_text("email,name\npat@acme.example,Pat Lee\n", encoding="utf-8")
    planned = run_cli(
        "plan",
        "2025",
        "--ideas",
        "mine.yaml",
        "--pin",
        "mon=fz-theme",
        "--pin",
        "mon=fz-activity",
        "--format",
        "md,ics,html",
        cwd=folder,
    )
    assert planned.exit_code == 0, planned.stderr
    mailed = run_cli("email", "preview", "csw-2025/plan.yaml", "--recipients", "people.csv", cwd=folder)
    assert mailed.exit_code == 0, mailed.stderr
    return folder / "csw-2025"


def check_ics(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    calendar = Calendar.from_ical((out / "schedule.ics").read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    themed = [e for uid, e in events.items() if "fz-theme" in uid and uid.split("-")[0] != "prep"]
    assert len(themed) == 1
    assert str(themed[0]["SUMMARY"]) == f"{theme[0]} (Customer Service Week)"
    assert str(themed[0]["DESCRIPTION"]) == idea_text(theme[1], theme[2])
    waves = [e for uid, e in events.items() if "fz-activity" in uid]
    assert waves
    for event in waves:
        assert str(event["SUMMARY"]).startswith(activity[0] + " (")
        assert str(event["DESCRIPTION"]).startswith(idea_text(activity[1], activity[2]))


def check_agenda(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    agenda = (out / "agenda.md").read_text(encoding="utf-8")
    assert f"## Monday 6 October: {theme[0]}\n" in agenda
    assert f" · {activity[0]}\n" in agenda
    assert activity[2].strip() in agenda, "the how-to, trimmed, as it was"
    if "{{ 7*7 }}" in theme[0] + activity[0]:
        assert agenda.count("{{ 7*7 }}") >= (theme[0] + activity[0]).count("{{ 7*7 }}")


def check_poster(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    html = (out / "poster.html").read_text(encoding="utf-8")
    parsed = Texts(html)
    assert "script" not in parsed.tags and "<script>" not in html, "no element from data"
    assert parsed.by_class["day-theme"][0] == theme[0]
    assert activity[0] in parsed.by_class["what"]


def daily_of_monday(out: Path) -> email.message.EmailMessage:
    for path in sorted((out / "outbox").glob("*-daily-*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if "Monday 6 October" in str(message["Subject"]):
            return message  # type: ignore[return-value]
    raise AssertionError("no daily message for Monday")


def check_email(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    message = daily_of_monday(out)
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert theme[0] in plain and activity[0] in plain, "the text part holds the titles literally"
    parsed = Texts(html)
    assert "script" not in parsed.tags and "<script>" not in html, "no element from data"
    shown = "".join(parsed.body)
    for title in (theme[0], activity[0]):
        if not MARKDOWN_ACTIVE.search(title):  # Markdown in data: see the xfail test below
            assert title in shown, "the html part shows the title as it was, escaped"


@settings(
    max_examples=int(os.environ.get("CSW_FUZZ_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(theme=st.tuples(ASCII_TITLE, SUMMARY, HOW_TO), activity=st.tuples(TITLE, SUMMARY, HOW_TO))
@example(
    theme=(
        "<script>alert(1)</script> {{ 7*7 }}, ; \\",
        "{% raw %} a; b, c",
        "1. {{ 7*7 }}\n2. <b>x</b>; y, z\\",
    ),
    activity=('Say "hi" & {% if 1 %}bye{% endif %}', "{{ recipient.name }}", "line\n\n  indented\n"),
)
def test_any_idea_text_comes_out_intact_and_escaped(
    theme: tuple[str, str, str], activity: tuple[str, str, str]
) -> None:
    with tempfile.TemporaryDirectory() as name:
        out = plan_and_mail(Path(name), theme, activity)
        check_ics(out, theme, activity)
        check_agenda(out, theme, activity)
        check_poster(out, theme, activity)
        check_email(out, theme, activity)


@pytest.mark.xfail(
    strict=True,
    reason="defect: idea text is Markdown in the email's HTML part: a title '![x](https://t.example/p.png)'"
    " becomes a remote <img> (a tracking pixel in a mail to the whole team), '[click](https://x.example)'"
    " a link, '&amp;' shows as '&', '*a*' as italics (compose.Composer._html renders the template's"
    " output with markdown-it; the values from the plan are not Markdown-escaped)",
)
@pytest.mark.parametrize(
    "title",
    [
        "Spot ![x](https://t.example/p.png) Day",
        "[click](https://x.example) Day",
        "Fish &amp; Chips Day",
        "*Very* Good Day",
    ],
)
def test_markdown_in_a_title_is_shown_as_text_in_the_html_email(title: str) -> None:
    theme = (title, "A day.", "Do it.")
    with tempfile.TemporaryDirectory() as name:
        out = plan_and_mail(Path(name), theme, ("Shout-outs", "Thanks.", "Say thanks."))
        html = daily_of_monday(out).get_body(("html",)).get_content()  # type: ignore[union-attr]
    parsed = Texts(html)
    assert "img" not in parsed.tags and "a" not in parsed.tags and "em" not in parsed.tags
    assert title in "".join(parsed.body)


@pytest.mark.xfail(
    strict=True,
    reason="defect: compose.Composer fills recipients in by replacing the fixed tokens CSWTOKENT000Z /"
    " CSWTOKENH000Z in the composed bytes; data that holds one is corrupted: an activity titled"
    " 'CSWTOKENH000Z' reads 'Pat' (the reader's first name) in the text part, and one titled"
    " 'CSWTOKENT000Z' reads 'CSWTOKENH000Z' in the HTML part (found by the property test above)",
)
@pytest.mark.parametrize("title", ["CSWTOKENT000Z", "CSWTOKENH000Z", "Say CSWTOKENT001Z"])
def test_a_title_that_looks_like_a_compose_token_comes_out_as_it_was(title: str) -> None:
    theme = ("Plain Day", "A day.", "Do it.")
    activity = (title, "Thanks.", "Say thanks.")
    with tempfile.TemporaryDirectory() as name:
        out = plan_and_mail(Path(name), theme, activity)
        check_email(out, theme, activity)


# icalendar reads a backslash-N it is given as a line break: ics.LiteralText keeps it literal.
@pytest.mark.parametrize("where", ["title", "how_to"])
def test_a_backslash_n_in_idea_text_survives_the_calendar(where: str) -> None:
    text = "Save to C:\\Newsletters\\CSW"
    theme = (text if where == "title" else "Plain Day", "A day.", text if where == "how_to" else "Do it.")
    with tempfile.TemporaryDirectory() as name:
        out = plan_and_mail(Path(name), theme, ("Shout-outs", "Thanks.", "Say thanks."))
        check_ics(out, theme, ("Shout-outs", "Thanks.", "Say thanks."))
