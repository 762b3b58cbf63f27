"""YAML read safely, with the line of every key, so errors can say file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from csw.validation import Loc

try:  # libyaml is several times faster on a large idea bank; PyYAML's pure Python is the fallback
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` and `column` are 1-based."""

    def __init__(self, problem: str, line: int | None, column: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column


class YamlDocument:
    """The data of one YAML text, and the line each part of it starts on."""

    def __init__(self, text: str) -> None:
        loader = SafeLoader(text)
        try:
            self.node = loader.get_single_node()
            self.data: Any = None if self.node is None else loader.construct_document(self.node)
        except yaml.MarkedYAMLError as error:
            raise _syntax_error(error) from None
        except yaml.YAMLError as error:
            raise YamlSyntaxError(str(error), None, None) from None
        finally:
            loader.dispose()
        self._lines: dict[Loc, int] | None = None

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of `loc` (a path of keys and indexes), or of its nearest parent."""
        if self._lines is None:
            self._lines = {}
            if self.node is not None:
                _index(self.node, (), self._lines)
        for size in range(len(loc), -1, -1):
            if loc[:size] in self._lines:
                return self._lines[loc[:size]]
        return None


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        for position, child in enumerate(node.value):
            _index(child, (*loc, position), lines)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            _index(value, (*loc, name), lines)
            lines[(*loc, name)] = key.start_mark.line + 1


def _syntax_error(error: yaml.MarkedYAMLError) -> YamlSyntaxError:
    mark = error.problem_mark or error.context_mark
    problem = " ".join(part for part in (error.context, error.problem) if part)
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem:
        problem += " (indent with spaces, not tabs)"
    context = error.context_mark
    if context is not None and mark is not None and context.line != mark.line:
        problem += f" (it started at line {context.line + 1})"
    if mark is None:
        return YamlSyntaxError(problem, None, None)
    return YamlSyntaxError(problem, mark.line + 1, mark.column + 1)


def read_text(path: Path) -> str:
    """A file's text; OSError and UnicodeDecodeError are the caller's to report."""
    return path.read_text(encoding="utf-8-sig")


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
