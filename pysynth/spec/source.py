"""YAML text -> plain Python data plus a map from field paths to file positions.

ruamel keeps line/column marks on its round-trip nodes; we copy them into a flat
`{path: Position}` table once, so the rest of the loader works on plain dicts and lists
(which pydantic validates and `--set` overrides can edit) and still points every error at
the right line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from pysynth.errors import SpecError

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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such pipeline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the pipeline file: {exc}") from None
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = exc.problem or "invalid YAML"
        raise SpecError(f"{where}: YAML syntax error: {problem}") from None
    if document is None:
        raise SpecError(f"{path}:1:1: the pipeline file is empty")
    return _plain(document, (), source), source


def _plain(node: Any, path: FieldPath, source: SourceMap) -> Any:
    if isinstance(node, CommentedMap):
        plain: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            key_line, key_col = node.lc.key(key)
            value_line, value_col = node.lc.value(key)
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
