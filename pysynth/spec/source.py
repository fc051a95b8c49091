"""YAML text -> plain Python data plus a map from field paths to file positions.

ruamel keeps line/column marks on its round-trip nodes; we copy them into a flat
`{path: Position}` table once, so the rest of the loader works on plain dicts and lists
(which pydantic validates and `--set` overrides can edit) and still points every error at
the right line and column.

Before ruamel builds anything, the file must be readable UTF-8 of bounded size (`reading`) and the
document within bounds of depth and alias expansion (`yaml_limits`), so no input exhausts memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.reader import ReaderError

from pysynth.errors import SpecError
from pysynth.spec.reading import read_pipeline_text
from pysynth.spec.yaml_limits import check_yaml_limits

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based, as editors show them
    column: int


def format_path(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


@dataclass
class SourceMap:
    """Where each key and value of the document sits in its file."""

    file: str
    keys: dict[FieldPath, Position] = field(default_factory=dict)
    values: dict[FieldPath, Position] = field(default_factory=dict)
    overridden: dict[FieldPath, str] = field(default_factory=dict)

    def where(self, path: FieldPath, *, at_key: bool = False) -> str:
        """`file:line:column` of the closest located node on `path` (or the --set that wrote it)."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.overridden:
                return f"{self.file}: --set {self.overridden[prefix]}"
            table = self.keys if (at_key and end == len(path)) else self.values
            position = table.get(prefix) or self.keys.get(prefix)
            if position is not None:
                return f"{self.file}:{position.line}:{position.column}"
        return f"{self.file}:1:1"

    def error(self, path: FieldPath, message: str, *, at_key: bool = False) -> SpecError:
        return SpecError(f"{self.where(path, at_key=at_key)}: {format_path(path)}: {message}")


def load_yaml(path: Path) -> tuple[Any, SourceMap]:
    source = SourceMap(file=str(path))
    text = read_pipeline_text(path)
    try:
        check_yaml_limits(text, str(path))  # before building anything: aliases, depth and tags
        document = YAML(typ="rt").load(text)
    except DuplicateKeyError as exc:
        raise SpecError(_duplicate_key_message(path, text, exc)) from None
    except MarkedYAMLError as exc:
        raise SpecError(_syntax_error_message(path, exc)) from None
    except ReaderError as exc:
        raise SpecError(_reader_error_message(path, text, exc)) from None
    if document is None:
        raise SpecError(f"{path}:1:1: the pipeline file is empty")
    if isinstance(document, CommentedMap | CommentedSeq):  # errors about the whole file point at its first key
        source.values[()] = Position(document.lc.line + 1, document.lc.col + 1)
    return _plain(document, (), source), source


def _syntax_error_message(path: Path, exc: MarkedYAMLError) -> str:
    mark, context = exc.problem_mark, exc.context_mark
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else f"{path}:1:1"
    problem = exc.problem or "invalid YAML"
    message = f"{where}: YAML syntax error: {problem}"
    if "'\\t'" in problem:  # ruamel shows the tab escaped
        return message + " (indent with spaces: YAML does not allow tabs)"
    # Where an unfinished construct began is often the line to fix (an unclosed bracket or quote).
    elsewhere = context is not None and (mark is None or (context.line, context.column) != (mark.line, mark.column))
    if exc.context and context is not None and elsewhere:
        message += f" ({exc.context} at line {context.line + 1}, column {context.column + 1})"
    return message


def _reader_error_message(path: Path, text: str, exc: ReaderError) -> str:
    """A character YAML does not allow (a control character such as NUL), where it is."""
    position = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return (f"{path}:{line}:{column}: the file holds the control character U+{code:04X}, which YAML does not "
            f'allow (write it as the escape "{escape}" inside double quotes)')


def _duplicate_key_message(path: Path, text: str, exc: DuplicateKeyError) -> str:
    """`file:line:col: a.b.key: duplicate key (first at line N)`, found again on the node tree."""
    mark = exc.problem_mark
    fallback = _syntax_error_message(path, exc)
    if mark is None:
        return fallback
    found = _find_duplicate(YAML(typ="rt").compose(text), (), (mark.line, mark.column))
    if found is None:
        return fallback
    key_path, first_line = found
    where = f"{path}:{mark.line + 1}:{mark.column + 1}"
    return f"{where}: {format_path(key_path)}: duplicate key (first at line {first_line + 1})"


def _find_duplicate(node: Node, path: FieldPath, at: tuple[int, int]) -> tuple[FieldPath, int] | None:
    """The path of the key node starting at `at` and the line of the first key with the same value."""
    if isinstance(node, MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            first_line.setdefault(name, key.start_mark.line)
            if (key.start_mark.line, key.start_mark.column) == at:
                return (*path, name), first_line[name]
            found = _find_duplicate(value, (*path, name), at)
            if found is not None:
                return found
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            found = _find_duplicate(item, (*path, index), at)
            if found is not None:
                return found
    return None


def _key_and_value_marks(node: CommentedMap, key: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    try:
        return node.lc.key(key), node.lc.value(key)
    except (KeyError, TypeError):  # merged in by `<<: *anchor`: it has no place here, the mapping does
        here = (node.lc.line, node.lc.col)
        return here, here


def _plain(node: Any, path: FieldPath, source: SourceMap) -> Any:
    if isinstance(node, CommentedMap):
        plain: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            (key_line, key_col), (value_line, value_col) = _key_and_value_marks(node, key)
            source.keys[child] = Position(key_line + 1, key_col + 1)
            source.values[child] = Position(value_line + 1, value_col + 1)
            plain[key] = _plain(value, child, source)
        return plain
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            line, col = node.lc.item(index)
            source.values[child] = Position(line + 1, col + 1)
            items.append(_plain(value, child, source))
        return items
    # ruamel's scalar subclasses (ScalarBoolean is an int!) become the builtin types pydantic expects.
    if type(node).__name__ == "ScalarBoolean" or isinstance(node, bool):
        return bool(node)
    for builtin in (int, float, str):
        if isinstance(node, builtin):
            return builtin(node)
    return node
