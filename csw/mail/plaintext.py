"""An email's text/plain part: its Markdown read from markdown-it-py's tokens as plain text.

Headings are a line underlined with `=` (level 1) or `-`; emphasis, strong and code lose their
markers; a link reads `text (url)`; lists keep `- ` and `1. ` with a hanging indent; a blockquote
keeps `> ` in front of each line; a table is aligned columns, or `label: value` lines where the
columns do not fit. Paragraphs are wrapped at `width` (words and URLs are never broken: a word
longer than the line stands whole on its own) and separated by one blank line; the author's line
breaks (a sign-off under "See you there,") stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from textwrap import TextWrapper
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["plain_text"]

_RULE = "-" * 24  # a thematic break (---): a short line of its own
_CODE_INDENT = "    "
_MIN_WIDTH = 20  # deep nesting never squeezes the text narrower than this


@lru_cache(maxsize=256)  # messages that differ in nothing but the recipient's address
def plain_text(markdown: str, width: int = 72) -> str:
    """The Markdown as plain text in lines of at most `width` (unless one word is longer)."""
    from markdown_it.tree import SyntaxTreeNode

    tree = SyntaxTreeNode(_parser().parse(markdown))
    lines = _blocks(tree.children, width)
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n" if lines else ""


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # configured as csw.mail.mime.markdown_parser reads the same text for the HTML part
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _blocks(nodes: list[SyntaxTreeNode], width: int, *, tight: bool = False) -> list[str]:
    """Blocks one after another, a blank line between them (none in a tight list's item)."""
    lines: list[str] = []
    for node in nodes:
        if lines and not tight:
            lines.append("")
        lines += _block(node, width)
    return lines


def _block(node: SyntaxTreeNode, width: int) -> list[str]:
    render = _RENDERERS.get(node.type)
    if render is not None:
        return render(node, width)
    if node.children:  # a block type csw's parser does not make: its content, as best it reads
        return _blocks(node.children, width)
    return _wrap(node.content, width)


def _paragraph(node: SyntaxTreeNode, width: int) -> list[str]:
    return _wrap(_inline(node.children[0]), width)


def _heading(node: SyntaxTreeNode, width: int) -> list[str]:
    lines = _wrap(_inline(node.children[0]), width)
    mark = "=" if node.tag == "h1" else "-"
    return [*lines, mark * max(len(line) for line in lines)]


def _bullet_list(node: SyntaxTreeNode, width: int) -> list[str]:
    return _items(node, width, ["- "] * len(node.children))


def _ordered_list(node: SyntaxTreeNode, width: int) -> list[str]:
    start = int(node.attrs.get("start", 1))
    numbers = [f"{n}." for n in range(start, start + len(node.children))]
    widest = max(len(number) for number in numbers)
    return _items(node, width, [number.ljust(widest) + " " for number in numbers])


def _items(node: SyntaxTreeNode, width: int, markers: list[str]) -> list[str]:
    """Each item after its marker, its further lines indented under the item's first word."""
    tight = any(child.hidden for item in node.children for child in item.children)
    lines: list[str] = []
    for item, marker in zip(node.children, markers, strict=True):
        if lines and not tight:
            lines.append("")
        inner = _blocks(item.children, _narrower(width, len(marker)), tight=tight) or [""]
        hang = " " * len(marker)
        lines.append(marker + inner[0])
        lines += [hang + line if line else "" for line in inner[1:]]
    return lines


def _blockquote(node: SyntaxTreeNode, width: int) -> list[str]:
    return ["> " + line if line else ">" for line in _blocks(node.children, _narrower(width, 2))]


def _code(node: SyntaxTreeNode, width: int) -> list[str]:
    return [_CODE_INDENT + line if line else "" for line in node.content.rstrip("\n").split("\n")]


def _rule(node: SyntaxTreeNode, width: int) -> list[str]:
    return [_RULE[: max(3, width)]]


def _table(node: SyntaxTreeNode, width: int) -> list[str]:
    """Aligned columns under an underlined header; where they would not fit, `label: value` lines."""
    rows = [[_inline(cell.children[0]) for cell in row.children] for row in _rows(node)]
    if not rows:
        return []
    right = [(cell.attrs.get("style") or "") == "text-align:right" for cell in _rows(node)[0].children]
    widths = [max(len(row[n]) if n < len(row) else 0 for row in rows) for n in range(len(rows[0]))]
    if sum(widths) + 2 * (len(widths) - 1) > width or any("\n" in cell for row in rows for cell in row):
        return _labelled(rows, width)
    cells = [[_pad(cell, widths[n], right[n]) for n, cell in enumerate(row)] for row in rows]
    header = "  ".join(cells[0])
    return [header, "  ".join("-" * w for w in widths), *("  ".join(row) for row in cells[1:])]


def _rows(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    return [row for part in node.children for row in part.children]


def _pad(cell: str, width: int, right: bool) -> str:
    return cell.rjust(width) if right else cell.ljust(width)


def _labelled(rows: list[list[str]], width: int) -> list[str]:
    """A table too wide for the line: each body row as `header: value` lines, rows apart."""
    labels, lines = rows[0], list[str]()
    for row in rows[1:]:
        if lines:
            lines.append("")
        for label, value in zip(labels, row, strict=False):
            lines += _wrap(f"{label}: {value}" if label else value, width, hang="  ")
    return lines


def _inline(node: SyntaxTreeNode) -> str:
    """The text of an inline run, its markers gone; a line break is a newline."""
    return "".join(_span(child) for child in node.children)


def _span(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind in ("text", "code_inline"):
        return node.content
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind in ("link", "image"):
        return _link(node)
    return "".join(_span(child) for child in node.children)


def _link(node: SyntaxTreeNode) -> str:
    text = "".join(_span(child) for child in node.children)
    url = str(node.attrs.get("href" if node.type == "link" else "src", ""))
    if not url or text in (url, url.removeprefix("mailto:")):
        return text or url
    return f"{text} ({url})" if text else url


def _wrap(text: str, width: int, hang: str = "") -> list[str]:
    """Each line of the text wrapped at `width`; a line's continuation indented by `hang`. A time
    stays whole ("4:00 pm" never ends one line and starts the next)."""
    glued = _HOLD not in text
    lines: list[str] = []
    for segment in (_TIME.sub(_HOLD, text) if glued else text).split("\n"):
        lines += _wrapper(width, hang).wrap(segment) or ([""] if lines else [])
    return [line.replace(_HOLD, " ") for line in lines] if glued else lines


_HOLD = "\x00"  # holds a time's space while wrapping (a text that has one is wrapped as it is)
_TIME = re.compile(r"(?<=\d) (?=[AaPp]\.?[Mm]\b)")  # 2:30 PM, 2:30 pm, 2:30 p.m.


@lru_cache(maxsize=64)
def _wrapper(width: int, hang: str) -> TextWrapper:
    return TextWrapper(
        width=width,
        subsequent_indent=hang,
        break_long_words=False,  # a URL or a long word stays whole
        break_on_hyphens=False,  # "follow-up" and URLs with dashes stay together
        expand_tabs=True,
        tabsize=4,
    )


def _narrower(width: int, indent: int) -> int:
    return max(_MIN_WIDTH, width - indent)


_RENDERERS: dict[str, Callable[[SyntaxTreeNode, int], list[str]]] = {
    "paragraph": _paragraph,
    "heading": _heading,
    "bullet_list": _bullet_list,
    "ordered_list": _ordered_list,
    "blockquote": _blockquote,
    "fence": _code,
    "code_block": _code,
    "hr": _rule,
    "table": _table,
}
