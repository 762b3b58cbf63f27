"""YAML read safely, with the line of every key, so errors can say file:line."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer, ComposerError

from csw.core.validation import Loc

try:  # libyaml is several times faster on a large idea bank; PyYAML's pure Python is the fallback
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

# An idea bank nests 4 levels, a plan 7. libyaml's own composer recurses in C for every level and
# crashes the interpreter (a segfault, not an exception) somewhere past 10,000: csw composes with
# PyYAML's Python composer instead, on libyaml's events (no slower), and stops at this depth.
MAX_DEPTH = 50
# Aliases may repeat this many values in all (a `<<: *base` idea repeats about 40): a "billion
# laughs" (nine levels of nine aliases, 1 KB) would stand for 9**9, and anything that walks the
# data as a tree, an error message included, would never finish.
MAX_ALIASED = 100_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` and `column` are 1-based."""

    def __init__(self, problem: str, line: int | None, column: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column


class _StrictComposer(Composer):
    """PyYAML's composer with rules for csw's files: bounded depth, bounded aliases, unique keys.

    Anchors and aliases stay allowed, within MAX_ALIASED: a bank may build an idea on another with
    `<<: *base`. An alias to its own anchor (`&a [*a]`) is a cycle that the rest of csw survives:
    the constructor shares the value, `_index` visits each node once, and validation refuses it.
    """

    def __init__(self) -> None:
        Composer.__init__(self)  # not super(): in a loader, the next base is the parser
        self._open: list[str | None] = []  # the anchor (or None) of each node being composed
        self._aliased = 0  # values repeated by aliases so far
        self._sizes: dict[int, int] = {}  # by id(node): what each complete aliased node stands for

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # the parser's, a base of _Loader
        if len(self._open) >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.anchors:
                self._count_alias(self.anchors[event.anchor], event.start_mark)
            return super().compose_node(parent, index)
        self._open.append(event.anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open.pop()

    def _count_alias(self, target: yaml.Node, mark: Any) -> None:
        # A node still being composed (`&a [*a]`) is incomplete: it counts once, and is not
        # remembered, or a later alias to it would count it as that small.
        unfinished = {id(self.anchors[name]) for name in self._open if name in self.anchors}
        self._aliased += _expanded_size(target, self._sizes, unfinished)
        if self._aliased > MAX_ALIASED:
            problem = (
                f"aliases (*name) repeat more than {MAX_ALIASED:,} values by here;"
                " write the values out instead of repeating them"
            )
            raise ComposerError(None, None, problem, mark)

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        _refuse_duplicate_keys(node)
        return node


def _expanded_size(root: yaml.Node, sizes: dict[int, int], unfinished: set[int]) -> int:
    """How many values `root` stands for once its aliases are written out (a cycle counts once).

    Iterative, and remembered in `sizes` by node: each level of a bomb is counted once.
    """
    if id(root) in unfinished:
        return 1
    on_path: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        if id(node) in sizes or id(node) in unfinished or (id(node) in on_path and not children_done):
            continue
        children = _children(node)
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            on_path.discard(id(node))
        else:
            on_path.add(id(node))
            pending.append((node, True))
            pending.extend((child, False) for child in children)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    # PyYAML keeps the last of two equal keys without a word; in a hand-edited file the first one
    # is as likely to be the one meant. Keys are compared as written (tag and text): `<<` merges
    # are not duplicates, a key given by a merge and again in the mapping is an override.
    first: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        if (key.tag, key.value) in first:
            shown = key.value if len(key.value) <= 60 else key.value[:57] + "..."
            problem = f"duplicate key {shown!r} (first at line {first[key.tag, key.value]}): keep one"
            raise ComposerError(None, None, problem, key.start_mark)
        first[key.tag, key.value] = key.start_mark.line + 1


class _FastLoader(_StrictComposer, FastLoader):
    def __init__(self, text: str) -> None:
        FastLoader.__init__(self, text)
        _StrictComposer.__init__(self)  # libyaml's loader leaves out the Python composer's set-up


class _PythonLoader(_StrictComposer, yaml.SafeLoader):
    def __init__(self, text: str) -> None:
        yaml.SafeLoader.__init__(self, text)
        _StrictComposer.__init__(self)  # SafeLoader sets up the plain Composer by name


class YamlDocument:
    """The data of one YAML text, and the line each part of it starts on."""

    def __init__(self, text: str) -> None:
        try:
            self.node, self.data = _load(_FastLoader, text)
        except yaml.YAMLError:
            # libyaml's words and limits change between its releases (0.2.6 stops deep nesting
            # itself, with its own message): a text it refuses is read again by PyYAML's Python
            # parser, whose words csw's messages are made from, whichever libyaml is installed.
            self.node, self.data = _load_or_explain(text)
        self._lines: dict[Loc, int] | None = None

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of `loc` (a path of keys and indexes), or of its nearest parent."""
        if self._lines is None:
            self._lines = {} if self.node is None else _index(self.node)
        for size in range(len(loc), -1, -1):
            if loc[:size] in self._lines:
                return self._lines[loc[:size]]
        return None


def _load(loader_class: type[_FastLoader | _PythonLoader], text: str) -> tuple[yaml.Node | None, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    except RecursionError:  # merge keys (<<: *a) that merge themselves, or a long chain of them
        raise YamlSyntaxError("merge keys (<<) refer to themselves or nest too deeply", None, None) from None
    finally:
        loader.dispose()


def _load_or_explain(text: str) -> tuple[yaml.Node | None, Any]:
    try:
        return _load(_PythonLoader, text)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None, None) from None


def _index(root: yaml.Node) -> dict[Loc, int]:
    """The line of every path, each node visited once (at its first path, in document order).

    Iterative and with a visited set: an alias to a parent (`&a [*a]`) is a cycle, and nine levels
    of nine aliases are 9**9 paths to only ten nodes. A path through an alias takes the line of
    its nearest indexed parent.
    """
    lines: dict[Loc, int] = {}
    visited: set[int] = set()
    pending: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while pending:
        node, loc = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        lines.setdefault(loc, node.start_mark.line + 1)
        children: list[tuple[yaml.Node, Loc]] = []
        if isinstance(node, yaml.SequenceNode):
            children = [(child, (*loc, position)) for position, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
                lines[(*loc, name)] = key.start_mark.line + 1
                children.append((value, (*loc, name)))
        pending.extend(reversed(children))
    return lines


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    mark = error.problem_mark or error.context_mark
    problem = " ".join(part for part in (error.context, error.problem) if part)
    if "tab" in problem or (mark is not None and _tab_in_indent(text, mark.line)):
        problem += " (indent with spaces, not tabs)"
    context = error.context_mark
    if context is not None and mark is not None and context.line != mark.line:
        problem += f" (it started at line {context.line + 1})"
    if mark is None:
        return YamlSyntaxError(problem, None, None)
    return YamlSyntaxError(problem, mark.line + 1, mark.column + 1)


def _tab_in_indent(text: str, line: int) -> bool:
    # libyaml words a tab in the indentation as "found character that cannot start any token",
    # without naming it: look at the line itself.
    lines = text.split("\n")
    if line >= len(lines):
        return False
    here = lines[line]
    return "\t" in here[: len(here) - len(here.lstrip(" \t"))]


def dump(data: Any) -> str:
    """Block-style YAML, keys in the order given, Unicode kept readable."""
    try:
        from yaml import CSafeDumper as Dumper
    except ImportError:  # pragma: no cover
        from yaml import SafeDumper as Dumper  # type: ignore[assignment]
    return yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
