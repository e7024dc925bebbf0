"""YAML parsed into plain values that remember the line they came from.

`yaml.safe_load` forgets where each value was written, so a validator built on it can only say
"rules[2].level is wrong", never on which line. We compose the node tree instead (every node
keeps its start mark) and convert it ourselves, which also lets us reject duplicate keys, that
PyYAML would otherwise resolve silently by keeping the last one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from bot.guidelines.errors import Problem

NodeKind = Literal["scalar", "seq", "map"]

MERGE_TAG = "tag:yaml.org,2002:merge"
#: How many values aliases may add to a file in all. Anchors repeat a few settings; a
#: "billion laughs" file nests aliases of aliases to expand a few lines into billions of values.
MAX_ALIAS_VALUES = 10_000
#: How deeply collections may nest; a guideline file needs five levels.
MAX_DEPTH = 64
_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"


@dataclass(frozen=True, eq=False)
class Node:
    """A YAML value with its 1-based line.

    `value` is a plain scalar (str, int, float, bool, None, date) for scalars, a list of Nodes for
    sequences, and a dict of key -> Node for mappings, whose keys' own lines are in `key_lines`.
    `source` is a scalar as written, so that messages can show `2026.10`, not the float 2026.1.
    """

    kind: NodeKind
    value: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    source: str = ""

    def plain(self) -> Any:
        """The value without line marks (for messages and tests)."""
        if self.kind == "seq":
            return [item.plain() for item in self.value]
        if self.kind == "map":
            return {k: v.plain() for k, v in self.value.items()}
        return self.value


# libyaml's parser when PyYAML was built with it: several times faster on large lexicons.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, path: Path) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document; syntax errors come back as problems, never as exceptions."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path)]
    except yaml.YAMLError as exc:  # reader errors (e.g. control characters) carry no mark
        return None, [_reader_problem(exc, text, path)]
    except RecursionError:  # PyYAML composes nested collections recursively
        return None, [Problem(path, 1, "", _TOO_DEEP)]
    if root is None:
        return None, [Problem(path, 1, "", "the file is empty; expected a mapping of fields")]
    converter = _Converter(path)
    try:
        return converter.convert(root, "", 1), converter.problems
    except _TooDeep as exc:
        return None, [Problem(path, exc.line, "", _TOO_DEEP)]


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _syntax_problem(exc: yaml.MarkedYAMLError, path: Path) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    message = f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}"
    if mark is not None:
        message += f" (column {mark.column + 1})"
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f", {exc.context} at line {exc.context_mark.line + 1}"
    return Problem(path, line, "", message)


def _reader_problem(exc: yaml.YAMLError, text: str, path: Path) -> Problem:
    position = getattr(exc, "position", None)
    line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
    return Problem(path, line, "", f"YAML syntax error: {exc}".splitlines()[0])


class _Converter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._scalars = SafeConstructor()
        # Anchors let a node appear twice; a node inside itself would recurse forever.
        self._open: set[int] = set()
        self._converted: set[int] = set()
        self._sizes: dict[int, int] = {}
        self._alias_values = 0
        self._refused = False  # the alias limit was reached: every further alias is dropped

    def error(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, where, message))

    def convert(self, node: yaml.Node, where: str, at: int, depth: int = 0) -> Node:
        """`node` as a Node; `at` is the line that refers to it (an alias's own line is lost)."""
        line = node.start_mark.line + 1
        if id(node) in self._open:
            self.error(line, where, "an alias refers to the value that contains it")
            return Node("scalar", None, line)
        if id(node) in self._converted and not self._alias_allowed(node, at, where):
            return Node("scalar", None, at)
        if depth > MAX_DEPTH:
            raise _TooDeep(line)
        self._converted.add(id(node))
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, line, where, depth)
            if isinstance(node, yaml.SequenceNode):
                items = [
                    self.convert(n, item_field(where, i), line, depth + 1)
                    for i, n in enumerate(node.value)
                ]
                return Node("seq", items, line)
            return Node("scalar", self._scalar(node, line, where), line, source=node.value)
        finally:
            self._open.discard(id(node))

    def _alias_allowed(self, node: yaml.Node, at: int, where: str) -> bool:
        """Count what repeating `node` adds; past the limit, refuse it (and every later one)
        before expanding anything."""
        if self._refused:
            return False
        self._alias_values += self._size(node)
        if self._alias_values <= MAX_ALIAS_VALUES:
            return True
        self._refused = True
        self.error(
            at,
            where,
            f"aliases expand to more than {MAX_ALIAS_VALUES} values; "
            "repeat a few settings with anchors, not whole lists of lists",
        )
        return False

    def _size(self, node: yaml.Node) -> int:
        """How many values `node` holds, counted once per node (a tree of aliases is a DAG)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        self._sizes[id(node)] = 1  # a node inside itself is reported by `convert`
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += sum(self._size(k) + self._size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(self._size(item) for item in node.value)
        self._sizes[id(node)] = size = min(size, MAX_ALIAS_VALUES + 1)
        return size

    def _scalar(self, node: yaml.Node, line: int, where: str) -> Any:
        try:
            return self._scalars.construct_object(node)
        except (ConstructorError, ValueError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self.error(line, where, f"cannot read this value: {problem}")
            return None

    def _mapping(self, node: yaml.MappingNode, line: int, where: str, depth: int) -> Node:
        values: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        merged: dict[str, Node] = {}
        merged_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == MERGE_TAG:
                self._merge(value_node, where, merged, merged_lines, key_line, depth)
                continue
            key = self._key(key_node, key_line, where)
            if key is None:
                continue
            if key in values:
                self.error(
                    key_line,
                    child_field(where, key),
                    f"duplicate key '{key}' (first at line {key_lines[key]}); "
                    "YAML would silently keep only the last one",
                )
                continue
            values[key] = self.convert(value_node, child_field(where, key), key_line, depth + 1)
            key_lines[key] = key_line
        # `<<: *defaults` fills in only the keys the mapping does not set itself.
        for key, value in merged.items():
            if key not in values:
                values[key] = value
                key_lines[key] = merged_lines[key]
        return Node("map", values, line, key_lines)

    def _merge(
        self,
        value_node: yaml.Node,
        where: str,
        into: dict[str, Node],
        lines: dict[str, int],
        at: int,
        depth: int,
    ) -> None:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.error(source.start_mark.line + 1, where, "'<<' can only merge mappings")
                continue
            converted = self.convert(source, where, at, depth)
            if converted.kind != "map":  # refused by the alias limit
                continue
            for key, value in converted.value.items():
                if key not in into:  # earlier merge sources win, as in YAML's merge spec
                    into[key] = value
                    lines[key] = converted.key_lines[key]

    def _key(self, key_node: yaml.Node, line: int, where: str) -> str | None:
        if not isinstance(key_node, yaml.ScalarNode):
            self.error(line, where, "a key must be a plain string, not a list or mapping")
            return None
        key = self._scalar(key_node, line, where)
        if not isinstance(key, str):
            # e.g. `on:`, `no:` or `2026:`; YAML turns these into booleans or numbers
            raw = key_node.value
            self.error(line, child_field(where, raw), f'a key must be a string; quote it: "{raw}"')
            # Keep the entry under its text, so the mapping does not also look empty or
            # incomplete: the file is invalid anyway, and one message says why.
            return str(raw)
        return key


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def child_field(parent: str, key: str) -> str:
    """`rules[2]` + `level` -> `rules[2].level`; odd keys are quoted: `swap["buy now"]`."""
    if not _PLAIN_KEY.match(key):
        return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{parent}.{key}" if parent else key


def item_field(parent: str, index: int) -> str:
    return f"{parent}[{index}]"
