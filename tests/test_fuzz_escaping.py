"""Any text in an idea comes out intact and correctly escaped in every export and in the email.

Random titles, summaries and how-tos (commas, semicolons, backslashes, `<script>`, `{{ ... }}`,
`{% ... %}`, quotes, Unicode) go into a user idea bank (valid YAML, yaml.safe_dump), a themed day
and an activity are pinned to Monday, and the real CLI plans the week and previews the email:

- schedule.ics (parsed by icalendar): SUMMARY and DESCRIPTION equal the original text;
- agenda.md: never evaluated as a template ({{ 7*7 }} is not 49); rendered as CommonMark, the
  titles and summaries read as they were (Markdown in them is escaped), and text without Markdown
  syntax is there byte for byte; the how-to, Markdown by design, is there as it was;
- poster.html (parsed by html.parser): the text nodes equal the titles; no element from data;
- the email: the text/plain part (the escaped Markdown read as plain text, csw.mail.plaintext)
  holds the text literally, but for where its lines are wrapped; the text/html part holds it
  escaped (as Markdown, then as HTML), whatever Markdown or compose tokens (CSWTOKENT000Z) it holds.

Titles are one line (the Idea model refuses line breaks there); the how-to is multi-line.
"""

from __future__ import annotations

import email
import os
import re
import tempfile
from datetime import date
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from markdown_it import MarkdownIt

from csw.core.locale_formats import long_date
from csw.exports.render import escape_markdown
from csw.ideas.bank import load_valid_bank
from tests.test_bad_support import run_cli

MONDAY = long_date(date(2025, 10, 6))  # as the default locale, en_US, writes it

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
        "C:\\Newsletters",  # a backslash-N, which icalendar alone turns into a line break
        # Markdown, and the tokens compose.Composer fills recipients in by
        "*a*",
        "__",
        "`",
        "[a](https://x.example)",
        "![i](https://t.example/p.png)",
        "<https://x.example>",
        "<a@x.example>",
        "&#32;",
        "|",
        "~~",
        "1. ",
        "- ",
        "> ",
        "===",
        " #",
        "CSWTOKENT000Z",
        "CSWTOKENH000Z",
        "CSWTOKEN0T000Z",
    ]
)


LINE = st.lists(st.one_of(st.text(ONE_LINE, max_size=20), PIECES), min_size=1, max_size=6).map("".join)
TITLE = LINE.map(str.strip).filter(lambda t: 0 < len(t) <= 120)
SUMMARY = LINE.map(str.strip).filter(lambda t: 0 < len(t) <= 200)
HOW_TO = (
    st.lists(st.one_of(LINE, st.just(""), st.just("\t"), PIECES), min_size=1, max_size=5)
    .map("\n".join)
    .filter(lambda t: t.strip() != "")
)

# What Markdown (CommonMark, GitHub's tables and strikethrough) may read as syntax in text, and
# U+0000, which CommonMark turns into U+FFFD: text without any of it needs no escaping.
MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]\\&!~|\x00]|<[A-Za-z/!?]|<$|^\s*(?:[-+>#=]|\d+[.)])|#\s*$|\s$")


def as_commonmark_shows(text: str) -> str:
    return text.replace("\x00", "\ufffd")


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
    """The whole text of each element that has a class (by class) and of each element (by tag), the
    text of the body, every tag."""

    VOID = ("meta", "br", "img", "hr", "link", "input")

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.stack: list[tuple[str, str | None, list[str]]] = []
        self.by_class: dict[str, list[str]] = {}
        self.by_tag: dict[str, list[str]] = {}
        self.body: list[str] = []
        self.everything: list[str] = []
        self.in_body = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.in_body = self.in_body or tag == "body"
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("class"), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.stack:
            return
        tag, name, texts = self.stack.pop()
        if name:
            self.by_class.setdefault(name, []).append("".join(texts))
        self.by_tag.setdefault(tag, []).append("".join(texts))
        if self.stack:  # the parent's whole text holds its children's
            self.stack[-1][2].extend(texts)

    def all_text(self) -> str:
        return "".join(self.everything)

    def handle_data(self, data: str) -> None:
        self.everything.append(data)
        if self.in_body:
            self.body.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


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
    if not MARKDOWN_SYNTAX.search(theme[0]):
        assert f"## {MONDAY}: {theme[0]}\n" in agenda, "text without Markdown is left alone"
    if not MARKDOWN_SYNTAX.search(activity[0]):
        assert f" · {activity[0]}\n" in agenda
    assert activity[2].strip() in agenda, "the how-to, trimmed, as it was"
    # Rendered, the heading and paragraphs read exactly as the text: not Markdown, nor a template.
    shown = Texts(MarkdownIt("commonmark").enable("table").render(agenda))
    assert as_commonmark_shows(f"{MONDAY}: {theme[0]}") in shown.by_tag["h2"]
    assert any(h3.endswith(" · " + as_commonmark_shows(activity[0])) for h3 in shown.by_tag["h3"])
    paragraphs = shown.by_tag["p"]
    assert as_commonmark_shows(theme[1]) in paragraphs and as_commonmark_shows(activity[1]) in paragraphs


def check_poster(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    html = (out / "poster.html").read_text(encoding="utf-8")
    parsed = Texts(html)
    assert "script" not in parsed.tags and "<script>" not in html, "no element from data"
    assert parsed.by_class["day-theme"][0] == theme[0]
    assert activity[0] in parsed.by_class["what"]


def daily_of_monday(out: Path) -> email.message.EmailMessage:
    for path in sorted((out / "outbox").glob("*-daily-*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if MONDAY in str(message["Subject"]):
            return message  # type: ignore[return-value]
    raise AssertionError("no daily message for Monday")


def check_email(out: Path, theme: tuple[str, str, str], activity: tuple[str, str, str]) -> None:
    message = daily_of_monday(out)
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    unwrapped = " ".join(plain.split())  # its lines are wrapped near 72 characters
    for title in (theme[0], activity[0]):
        assert " ".join(as_commonmark_shows(title).split()) in unwrapped, (
            "the text part holds the titles literally"
        )
    parsed = Texts(html)
    assert "script" not in parsed.tags and "<script>" not in html, "no element from data"
    shown = "".join(parsed.body)
    for title in (theme[0], activity[0]):
        assert as_commonmark_shows(title) in shown, "the html part shows the title as it was, escaped"


@settings(
    max_examples=int(os.environ.get("CSW_FUZZ_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(theme=st.tuples(TITLE, SUMMARY, HOW_TO), activity=st.tuples(TITLE, SUMMARY, HOW_TO))
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


# Idea text was once Markdown in the email's HTML part: a title '![x](https://t.example/p.png)'
# became a remote <img> (a tracking pixel in a mail to the whole team), '[click](...)' a link,
# '*a*' italics; and in agenda.md too.
@pytest.mark.parametrize(
    "title",
    [
        "Spot ![x](https://t.example/p.png) Day",
        "[click](https://x.example) Day",
        "Fish &amp; Chips Day",
        "*Very* Good Day",
        "<b>Bold</b> Day",
        "# 1 Day #",
        "1. Day",
        "Day | Night \\",
    ],
)
def test_markdown_in_a_title_is_shown_as_text_in_the_html_email_and_the_agenda(title: str) -> None:
    theme, activity = (title, title, "Do it."), ("Shout-outs", "Thanks.", "Say thanks.")
    with tempfile.TemporaryDirectory() as name:
        out = plan_and_mail(Path(name), theme, activity)
        html = daily_of_monday(out).get_body(("html",)).get_content()  # type: ignore[union-attr]
        check_agenda(out, theme, activity)
        agenda = MarkdownIt("commonmark").enable("table").render((out / "agenda.md").read_text())
    parsed = Texts(html)
    assert not {"img", "a", "em", "b", "ol"} & set(parsed.tags)
    assert title in "".join(parsed.body)
    assert not {"img", "a", "b"} & set(Texts(agenda).tags), "check_agenda compared the text"


# Where the templates put a value: alone on a line (after a blank line or after text), in a heading,
# in bold, in a list item, in a quote, in a table cell.
PLACES = [
    "{}",
    "Thanks,\n{}",
    "## Monday 6 October: {}",
    "Today is **{}**. More.",
    "- **9:00 am** {}: a summary",
    '> "{}" (about Pat)',
    "| Day | Item |\n| --- | --- |\n| Mon | {} |",
]
PUNCTUATION = st.sampled_from(
    [*"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "&amp;", "&#32;", "1.", "<b>", "a@x.example"]
)


@settings(max_examples=int(os.environ.get("CSW_FUZZ_EXAMPLES", "20")) * 25, deadline=None)
@given(
    text=st.lists(st.one_of(PUNCTUATION, st.text(ONE_LINE, max_size=3)), min_size=1, max_size=12)
    .map("".join)
    .map(str.strip)
    .filter(bool),
    place=st.sampled_from(PLACES),
)
def test_markdown_escaped_text_reads_as_it_was_wherever_a_template_puts_it(text: str, place: str) -> None:
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    marker = "\x01"  # where the text goes, in what the place shows without it
    expected = Texts(markdown.render(place.format(marker))).all_text().replace(marker, text)
    assert Texts(markdown.render(place.format(escape_markdown(text)))).all_text() == as_commonmark_shows(
        expected
    )


def test_plain_text_needs_no_escaping_so_the_built_in_ideas_read_as_they_are() -> None:
    """The Markdown escaping leaves ordinary text alone: the agenda's raw Markdown stays readable."""
    for idea in load_valid_bank().ideas.values():
        for text in (idea.title, idea.summary):
            assert escape_markdown(text) == text


# compose.Composer fills recipients in by replacing tokens; they were once fixed, and data that held
# one was corrupted: an activity titled 'CSWTOKENH000Z' read 'Pat' (the reader's first name).
@pytest.mark.parametrize("title", ["CSWTOKENT000Z", "CSWTOKENH000Z", "Say CSWTOKENT001Z", "CSWTOKEN0T000Z"])
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
