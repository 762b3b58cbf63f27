"""The HTML part's layout (templates/email/layout.html.j2) is responsive: the card fills a phone's
screen and stops at 600px on a wider one; only Outlook for Windows, which reads no max-width, gets
a fixed 600 (in a conditional comment that every other client skips). Parsed with html.parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

from markupsafe import Markup

from csw.exports.render import environment, render


class Elements(HTMLParser):
    """Every element as (tag, attributes, style properties), and the comments."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.comments: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes, style(attributes.get("style", ""))))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def style(text: str) -> dict[str, str]:
    """A style attribute's properties: 'width:100%; max-width:600px' -> {'width': '100%', ...}."""
    pairs = (part.partition(":") for part in text.split(";") if part.strip())
    return {name.strip().lower(): value.strip() for name, _, value in pairs}


def layout() -> Elements:
    organization = SimpleNamespace(name="Acme Support", team="Customer Care")
    context = {
        "subject": "Hello",
        "body": Markup("<p>Hi Pat,</p><table><tr><td>Mon</td></tr></table>"),
        "organization": organization,
        "year": 2025,
        "theme": "Everyday Heroes",
        "sign_off": "Pat Lee",
    }
    return Elements(render(environment(), "email/layout.html.j2", context))


def test_the_card_fills_a_phone_and_stops_at_600px() -> None:
    parsed = layout()
    cards = [e for e in parsed.elements if e[0] == "table" and e[2].get("background") == "#ffffff"]
    assert len(cards) == 1
    _, attributes, properties = cards[0]
    assert properties["width"] == "100%" and properties["max-width"] == "600px"
    assert attributes.get("width", "100%") == "100%"


def test_nothing_else_has_a_fixed_width() -> None:
    for tag, attributes, properties in layout().elements:
        assert attributes.get("width", "100%") == "100%", tag
        for name in ("width", "min-width"):
            assert not re.fullmatch(r"\d+(px)?", properties.get(name, "100%")), (tag, name)
    assert not any(tag == "img" for tag, _, _ in layout().elements), "no images"


def test_only_outlook_gets_a_fixed_600_in_a_conditional_comment() -> None:
    ghosts = [c for c in layout().comments if c.startswith("[if mso]")]
    assert len(ghosts) == 2, "one opens the ghost table, one closes it"
    assert 'width="600"' in ghosts[0] and "</table>" in ghosts[1]


def test_phones_get_the_device_width_and_long_words_wrap() -> None:
    parsed = layout()
    viewport = [a for tag, a, _ in parsed.elements if tag == "meta" and a.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0]["content"]
    body_cells = [p for tag, _, p in parsed.elements if tag == "td" and p.get("font-size") == "15px"]
    assert body_cells and body_cells[0].get("overflow-wrap") == "break-word"
