"""The wire format of a message: headers as the email package writes them, the HTML part's
inline styles, and the calendar part as mail clients apply it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from csw.mail.audience import ComposeError
from csw.mail.identity import PLAIN_MAILBOX

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Wire format (CRLF). Headers fold only past 998 characters: Python folds a long subject right after
# "Subject:", which some readers show with a leading space.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
# Base64 bodies in lines of 76 characters, as RFC 2045 says (the email package sizes them by the
# policy's line length, which is 998 above for the headers' sake).
_BASE64_POLICY = policy.SMTP.clone(max_line_length=76)


def calendar_part(data: bytes, filename: str, method: str, *, inline: bool = False) -> EmailMessage:
    """A text/calendar part: charset and iTIP method in its Content-Type, base64 in short lines.

    `inline`: an invitation's own part (Outlook and Gmail show it as one), else an attachment.
    """
    part = EmailMessage(policy=_BASE64_POLICY)
    params = {"charset": "utf-8", "method": method}
    name = None if inline else filename  # a file name makes the part an attachment
    part.set_content(data, maintype="text", subtype="calendar", cte="base64", params=params, filename=name)
    return part


# Headers whose short values of these shapes the email package writes as they are: "Name: value".
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")
_PLAIN_HEADERS = {
    "Subject": _PLAIN_TEXT,
    "X-CSW-Kind": _PLAIN_TEXT,
    "Message-ID": re.compile(r"<[A-Za-z0-9.-]+@[A-Za-z0-9.-]+>"),  # the shape of csw's own
}
# "Sam Ortiz <sam@acme.example>": a name of plain words, which needs no quotes, and a plain address
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_'-]+(?: [A-Za-z0-9_'-]+)*")
_PLAIN_ADDRESS = re.compile(rf"(?:{_PLAIN_NAME.pattern} )?<{PLAIN_MAILBOX.pattern}>")
_PLAIN_HEADERS |= {"From": _PLAIN_ADDRESS, "To": _PLAIN_ADDRESS}


def header_line(name: str, value: str) -> bytes:
    """One header as the email package writes it: folded, RFC 2047-encoded where not ASCII.

    Most messages share their From, Subject and Date, and parsing each header into a header object
    (which only folds and encodes non-ASCII text right) was half of composing: the common short
    ASCII values are written as they are, the rest go through the email package once each.
    """
    shape = _PLAIN_HEADERS.get(name)
    if (
        shape is not None
        and len(name) + 2 + len(value) <= 78  # no folding at any usual line length
        and "=?" not in value
        and shape.fullmatch(value)
    ):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded_header(name, value)


@lru_cache(maxsize=4096)
def _folded_header(name: str, value: str) -> bytes:
    folded = MAIL_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))
    longest = max(len(line) for line in folded.split(b"\r\n"))
    if longest > MAX_LINE:  # a word too long to fold: servers refuse the message ("line too long")
        raise ComposeError(
            f"the {name} header would have a line of {longest} octets, more than mail allows"
            f" ({MAX_LINE}); shorten its longest word: {value[:60]}..."
        )
    return folded


MAX_LINE = 998  # octets in a header line, CRLF not counted (RFC 5322)
MAX_NAME = 200  # characters of a display name: long enough for any real one, short enough to fit


def mailbox(name: str, email: str, where: str) -> str:
    """`address` of a name and an address: 'Pat Lee <pat@acme.example>' written as it is where
    both are plain words (most of a roster; the email package's parse and print of 10,000 To
    lines was a seventh of composing them), the rest through `address`."""
    if len(name) <= MAX_NAME and _PLAIN_NAME.fullmatch(name) and PLAIN_MAILBOX.fullmatch(email):
        return f"{name} <{email}>"
    return address(str(Address(display_name=name, addr_spec=email)), where)


def address(text: str, where: str) -> str:
    """A header-safe address; a line break here would forge headers, so it is refused, and a display
    name is cut at MAX_NAME characters so that no header line outgrows what servers take."""
    if any(ch in text for ch in "\r\n\0"):
        raise ComposeError(f"{where}: an address may not contain line breaks.")
    name, address = parseaddr(text)
    if "@" not in address:
        raise ComposeError(f"{where}: '{text}' is not an address; write it as 'Name <name@example.com>'.")
    user, _, domain = address.rpartition("@")
    # A name a line cannot hold is cut: the message still reaches its reader, greeted by it in full.
    return str(Address(display_name=name[:MAX_NAME].rstrip(), username=user, domain=domain))


# Inline styles: mail clients (Outlook, Gmail) drop <style> blocks, so each tag carries its own.
_STYLES = {
    "h1": "font-size:24px;line-height:1.25;margin:0 0 12px;color:#1f1d4d;",
    "h2": "font-size:19px;line-height:1.3;margin:22px 0 8px;color:#1f1d4d;",
    "h3": "font-size:16px;line-height:1.3;margin:18px 0 6px;color:#3b3782;",
    "p": "margin:0 0 12px;",
    "ul": "margin:0 0 12px;padding-left:22px;",
    "ol": "margin:0 0 12px;padding-left:22px;",
    "li": "margin:0 0 4px;",
    "a": "color:#3b3782;",
    "table": "border-collapse:collapse;margin:0 0 12px;",
    "th": "border:1px solid #d8d6ee;padding:6px 10px;text-align:left;background:#f1f0fb;",
    "td": "border:1px solid #d8d6ee;padding:6px 10px;",
    "blockquote": "margin:0 0 12px;padding:4px 14px;border-left:4px solid #f2b33d;color:#444;",
}


def markdown_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def inline_styles(state: Any) -> None:
        for token in _walk(state.tokens):
            style = _STYLES.get(token.tag)
            if style and token.nesting == 1:
                token.attrSet("style", style)

    md.core.ruler.push("csw_inline_styles", inline_styles)
    return md


def _walk(tokens: Iterable[Any]) -> Iterable[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)
