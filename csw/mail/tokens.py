"""Stand-in recipients: a group's message rendered once with tokens, filled in per reader.

Messages of one kind, day and shift differ only in the recipient's details, so each such group is
rendered once with a stand-in recipient whose fields read as tokens, and each message fills the
tokens in (escaped in the HTML part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import AnyStr

from csw.exports.render import escape_markdown
from csw.people.recipients import Recipient

# Tokens are plain letters and digits, which neither Jinja's default filters nor Markdown (nor
# Markdown escaping) change.
TOKEN = "CSWTOKEN"
_TOKEN_SHAPE = re.compile(TOKEN + r"\d*[TH]\d{3,}Z")
_TOKEN_SHAPE_BYTES = re.compile(_TOKEN_SHAPE.pattern.encode())


class Probe:
    """A stand-in recipient: every field it is asked for reads as a token, and it remembers how.

    A token is PREFIX T nnn Z in the text; the HTML part's copy (where the value goes in escaped)
    is PREFIX H nnn Z.
    """

    def __init__(self, prefix: str) -> None:
        self.text_mark, self.html_mark = f"{prefix}T", f"{prefix}H"
        self.reads: dict[str, tuple[str, str]] = {}

    def _token(self, how: tuple[str, str]) -> str:
        for token, seen in self.reads.items():
            if seen == how:
                return token
        token = f"{self.text_mark}{len(self.reads):03d}Z"
        self.reads[token] = how
        return token

    def for_html(self, text: str) -> str:
        """The text with its tokens turned into the HTML part's."""
        return text.replace(self.text_mark, self.html_mark)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._token(("attr", name))

    def field(self, column: str) -> str:
        return self._token(("field", column))

    def __getitem__(self, column: str) -> str:
        return self.field(column)


@dataclass(frozen=True)
class Body:
    subject: str
    text: str
    data: bytes
    reads: dict[str, tuple[str, str]]  # text token -> how the template read the recipient
    html_tokens: dict[str, str]  # text token -> its copy in the HTML part
    markdown: str = ""  # the text part's Markdown, before it was read as plain text

    @cached_property
    def token_lines(self) -> tuple[str, ...] | None:
        """The plain text's lines that hold a token, if each is a paragraph of its own that does not
        start with one (else None: a value there could change how the text wraps)."""
        lines = self.text.split("\n")
        found = []
        for number, line in enumerate(lines):
            if not any(token in line for token in self.reads):
                continue
            alone = (number == 0 or not lines[number - 1]) and (
                number + 1 == len(lines) or not lines[number + 1]
            )
            if not alone or line.startswith(tuple(self.reads)):
                return None
            found.append(line)
        return tuple(found)

    def values(self, recipient: Recipient) -> dict[str, str]:
        """What each token stands for in this recipient's message."""
        found = {}
        for token, (how, name) in self.reads.items():
            try:
                value = getattr(recipient, name, "") if how == "attr" else recipient.field(name)
            except KeyError:  # no such column: the real render reports it
                value = ""
            found[token] = "" if value is None else str(value)
        return found

    def fill(self, values: dict[str, str]) -> bytes:
        from markupsafe import escape

        replacements = {token.encode(): value.encode("utf-8") for token, value in values.items()}
        replacements |= {
            self.html_tokens[token].encode(): str(escape(value)).encode("utf-8")
            for token, value in values.items()
        }
        return fill(self.data, replacements)


def fill(text: AnyStr, values: dict[AnyStr, AnyStr]) -> AnyStr:
    """Each token in the text replaced by its value, in one pass: a value that holds a token's
    text stays as it is. Anything else of a token's shape is not one of these tokens: it stays."""
    if isinstance(text, str):
        return _TOKEN_SHAPE.sub(lambda found: values.get(found[0], found[0]), text)
    return _TOKEN_SHAPE_BYTES.sub(lambda found: values.get(found[0], found[0]), text)


# What a value may hold for the group's plain text, filled in, to be the text plain_text would make:
# no Markdown markup, entities or line breaks, single spaces.
_PLAIN_VALUE = re.compile(r"[\w.,'@()+-]+(?: [\w.,'@()+-]+)*|")
_PLAIN_WIDTH = 72


def fills_the_same(body: Body, values: dict[str, str], markdown: str | None) -> bool:
    """Whether the group's message, filled with `values`, is this reader's message as rendered
    (`markdown`; None where the template is known to use the reader only through its tokens).

    Reading Markdown as plain text is the slow part of composing, so it is done once per group:
    the reader's Markdown must be the group's filled in, and every line of the plain text that
    holds a value a paragraph of its own that stays one line (a longer or shorter value in a
    wrapped paragraph could wrap it at other places).
    """
    if markdown is not None and fill(body.markdown, values) != markdown:
        return False
    if not all(
        _PLAIN_VALUE.fullmatch(value) and escape_markdown(value) == value for value in values.values()
    ):
        return False
    lines = body.token_lines
    return lines is not None and all(len(fill(line, values)) <= _PLAIN_WIDTH for line in lines)
