"""csw.mail.plaintext: an email's Markdown as plain text, read from markdown-it-py's tokens.

Property tests over generated Markdown (prose, emphasis, code, links, escapes, headings, lists,
quotes) and one example for each construct."""

from __future__ import annotations

import os
import re
import textwrap

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from csw.mail.plaintext import plain_text

EXAMPLES = int(os.environ.get("CSW_FUZZ_EXAMPLES", "20")) * 10
WORD = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789", min_size=1, max_size=14)
LONG_WORD = st.text("abcxyz", min_size=60, max_size=110)
URL = st.builds("https://csw.example/{}-{}".format, WORD, WORD)


def _phrase(words: list[str]) -> str:
    return " ".join(words)


PHRASE = st.lists(WORD, min_size=1, max_size=4).map(_phrase)
PIECE = st.one_of(
    WORD,
    WORD,
    LONG_WORD,
    URL,
    st.builds("*{}*".format, PHRASE),
    st.builds("**{}**".format, PHRASE),
    st.builds("`{}`".format, PHRASE),
    st.builds("[{}]({})".format, PHRASE, URL),
    st.builds("\\*{}\\*".format, WORD),
    st.just("CSWTOKEN0T001Z"),
)
INLINE = st.lists(PIECE, min_size=1, max_size=30).map(_phrase)
BLOCK = st.one_of(
    INLINE,
    INLINE,
    st.builds("# {}".format, INLINE),
    st.builds("## {}".format, INLINE),
    st.lists(INLINE, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(INLINE, min_size=1, max_size=4).map(
        lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))
    ),
    st.builds("> {}".format, INLINE),
    st.lists(INLINE, min_size=2, max_size=3).map("  \n".join),  # hard line breaks
)
DOCUMENT = st.lists(BLOCK, min_size=1, max_size=6).map("\n\n".join)
WIDTH = st.integers(min_value=30, max_value=100)
PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


def text_words(markdown: str) -> list[str]:
    """The words of what markdown-it shows: its text, code and link addresses, in order."""
    words: list[str] = []
    for block in PARSER.parse(markdown):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words += token.content.split()
    return words


def unbreakable(line: str) -> bool:
    """A line that is one word, behind its list marker or quote prefix at most."""
    return len(re.sub(r"^[>\s]*(?:-|\d+\.)?\s*", "", line).split()) <= 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(markdown=DOCUMENT, width=WIDTH)
@example(markdown="word " * 40 + "x" * 90 + " tail", width=72)
def test_no_line_is_over_the_width_unless_it_is_one_word(markdown: str, width: int) -> None:
    for line in plain_text(markdown, width).splitlines():
        assert len(line) <= width or unbreakable(line), line


@settings(max_examples=EXAMPLES, deadline=None)
@given(markdown=DOCUMENT, width=WIDTH)
def test_no_markup_is_left(markdown: str, width: int) -> None:
    text = plain_text(markdown, width)
    assert "**" not in text and "##" not in text and "`" not in text and "\\" not in text
    assert not re.search(r"(?m)^[>\s]*#", text)
    assert "](" not in text


@settings(max_examples=EXAMPLES, deadline=None)
@given(markdown=DOCUMENT, width=WIDTH)
def test_every_word_of_the_text_appears_in_order(markdown: str, width: int) -> None:
    out = iter(plain_text(markdown, width).split())
    for word in text_words(markdown):
        assert any(word in candidate for candidate in out), word


@settings(max_examples=EXAMPLES, deadline=None)
@given(paragraphs=st.lists(st.lists(WORD, min_size=1, max_size=60).map(_phrase), min_size=1, max_size=5))
def test_plain_prose_is_the_prose_rewrapped(paragraphs: list[str]) -> None:
    expected = "\n\n".join(textwrap.fill(p, 72, break_long_words=False) for p in paragraphs) + "\n"
    assert plain_text("\n\n".join(paragraphs)) == expected
    assert plain_text(expected) == expected, "plain text read again stays as it is"


def test_a_heading_is_underlined() -> None:
    assert plain_text("# Customer Service Week\n\n## Monday: Pajama Day\n\nBring slippers.") == (
        "Customer Service Week\n=====================\n\n"
        "Monday: Pajama Day\n------------------\n\nBring slippers.\n"
    )


def test_emphasis_strong_and_code_lose_their_markers() -> None:
    assert plain_text("It is **Pajama Day**, *Everyday Heroes*, run `csw plan`.") == (
        "It is Pajama Day, Everyday Heroes, run csw plan.\n"
    )


def test_a_link_reads_text_then_address_unless_they_are_the_same() -> None:
    text = "See [the plan](https://acme.example/plan), <https://acme.example> or <pat@acme.example>."
    assert plain_text(text) == (
        "See the plan (https://acme.example/plan), https://acme.example or\npat@acme.example.\n"
    )


def test_an_image_reads_as_its_description_and_address() -> None:
    assert plain_text("![the team](https://t.example/p.png)") == "the team (https://t.example/p.png)\n"


def test_backslash_escapes_and_entities_are_resolved() -> None:
    assert plain_text(r"\*Wow\* Day \# 1 &amp; 2 \_x\_") == "*Wow* Day # 1 & 2 _x_\n"


def test_bullets_hang_under_their_first_word() -> None:
    item = "**9:00 am** Breakfast: come hungry, the food is on us this morning: your wave is 9:15 to 9:30"
    assert plain_text(f"- {item}\n- Trivia") == (
        "- 9:00 am Breakfast: come hungry, the food is on us this morning: your\n"
        "  wave is 9:15 to 9:30\n"
        "- Trivia\n"
    )


def test_a_loose_list_keeps_its_blank_lines_and_a_nested_one_indents() -> None:
    assert plain_text("- one\n\n- two\n\n  - inner") == "- one\n\n- two\n\n  - inner\n"


def test_ordered_lists_count_from_their_start_and_align() -> None:
    items = "\n".join(f"{n}. item {n}" for n in range(8, 12))
    assert plain_text(items) == "8.  item 8\n9.  item 9\n10. item 10\n11. item 11\n"


def test_a_quote_is_wrapped_inside_its_prefix() -> None:
    quote = '> "' + "great service " * 8 + '" (about Sam)\n>\n> second'
    assert plain_text(quote, width=40) == (
        '> "great service great service great\n'
        "> service great service great service\n"
        "> great service great service great\n"
        '> service " (about Sam)\n'
        ">\n"
        "> second\n"
    )


def test_a_table_is_aligned_columns() -> None:
    table = "| Day | Theme | Cost |\n|---|---|--:|\n| Mon | Pajama | $50 |\n| Tue | Superheroes | $120 |"
    assert plain_text(table) == (
        "Day  Theme        Cost\n---  -----------  ----\nMon  Pajama        $50\nTue  Superheroes  $120\n"
    )


def test_a_table_too_wide_becomes_label_value_lines() -> None:
    long = "a long description of the activity " * 3
    table = f"| Day | What |\n|---|---|\n| Mon | {long} |\n| Tue | Trivia |"
    assert plain_text(table, width=40) == (
        "Day: Mon\n"
        "What: a long description of the activity\n"
        "  a long description of the activity a\n"
        "  long description of the activity\n"
        "\n"
        "Day: Tue\n"
        "What: Trivia\n"
    )


def test_line_breaks_are_kept_soft_and_hard() -> None:
    assert plain_text("See you there,\nPat Lee") == "See you there,\nPat Lee\n"
    assert plain_text("Line one  \nline two") == "Line one\nline two\n"


def test_a_thematic_break_and_code_block() -> None:
    assert plain_text("Above\n\n---\n\nBelow\n\n```\ncsw plan 2025\n```") == (
        "Above\n\n" + "-" * 24 + "\n\nBelow\n\n    csw plan 2025\n"
    )


def test_a_long_word_stands_whole_on_its_own_line() -> None:
    url = "https://acme.example/" + "x" * 80
    assert plain_text(f"Open {url} today") == f"Open\n{url}\ntoday\n"


def test_compose_tokens_and_html_survive_as_text() -> None:
    assert plain_text("Hi CSWTOKEN0T001Z, <b>bold</b> & co") == "Hi CSWTOKEN0T001Z, <b>bold</b> & co\n"


def test_nothing_gives_nothing() -> None:
    assert plain_text("") == "" and plain_text("\n\n") == ""
