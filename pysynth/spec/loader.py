"""Pipeline file -> validated `PipelineSpec`, with every user error as `file:line:col: field: message`.

Order of work: parse YAML (positions kept), substitute `${VAR}` / `${VAR:-default}` in string
values, apply `--set a.b=c` overrides, then validate with pydantic and translate its errors.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pysynth.errors import SpecError
from pysynth.spec.models import PipelineSpec
from pysynth.spec.source import FieldPath, SourceMap, format_path, load_yaml

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class LoadedSpec:
    spec: PipelineSpec
    source: SourceMap
    path: Path


def load_spec(path: str | Path, overrides: Iterable[str] = (), env: Mapping[str, str] | None = None) -> LoadedSpec:
    """Read, interpolate, override and validate a pipeline file (raises `SpecError`)."""
    file = Path(path)
    data, source = load_yaml(file)
    if not isinstance(data, dict):
        raise SpecError(f"{source.where(())}: the pipeline file must be a mapping with `name` and `steps`")
    data = _interpolate(data, (), source, os.environ if env is None else env)
    for override in overrides:
        _apply_override(data, override, source)
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError("\n".join(describe_errors(exc, source, (), PipelineSpec))) from None
    return LoadedSpec(spec=spec, source=source, path=file)


def describe_errors(
    exc: ValidationError, source: SourceMap, prefix: FieldPath, model: type[BaseModel] | None
) -> list[str]:
    """One `location: path: message` line per pydantic error, unknown keys with a suggestion."""
    lines: list[tuple[tuple[int, int], str]] = []
    for error in exc.errors():
        path = (*prefix, *_data_path(error["loc"]))
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(path[-1])
            allowed = _fields_at(model, path[len(prefix) : -1]) if model is not None else []
            line = (source.where(path, at_key=True) + f": {format_path(path)}: unknown field '{key}'"
                    + did_you_mean(key, allowed))
        elif kind == "missing":
            line = f"{source.where(path[:-1])}: {format_path(path)}: missing required field '{path[-1]}'"
        else:
            got = error.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            line = f"{source.where(path)}: {format_path(path)}: {error['msg']} (got {shown})"
        lines.append((_line_column(line, source.file), line))
    return [line for _, line in sorted(lines, key=lambda item: item[0])]


def _line_column(line: str, file: str) -> tuple[int, int]:
    """Sort key: errors are listed in file order."""
    numbers = line[len(file) + 1 :].split(":", 2)
    try:
        return int(numbers[0]), int(numbers[1])
    except (ValueError, IndexError):
        return (1 << 30, 0)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _data_path(loc: tuple[int | str, ...]) -> FieldPath:
    return tuple(loc)


def _fields_at(model: type[BaseModel] | None, path: FieldPath) -> list[str]:
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return []
        current = _model_in(current.model_fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def _interpolate(node: Any, path: FieldPath, source: SourceMap, env: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _interpolate(value, (*path, str(key)), source, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate(value, (*path, index), source, env) for index, value in enumerate(node)]
    if not isinstance(node, str) or "$" not in node:
        return node

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise source.error(path, f"environment variable '{name}' is not set (write ${{{name}:-default}} for a default)")

    return _VARIABLE.sub(substitute, node)


def _apply_override(data: dict[str, Any], override: str, source: SourceMap) -> None:
    dotted, sep, text = override.partition("=")
    if not sep or not dotted.strip():
        raise SpecError(f"{source.file}: --set {override}: expected KEY.PATH=VALUE")
    try:
        value = YAML(typ="safe").load(text) if text.strip() else ""
    except YAMLError:
        value = text
    node: Any = data
    path: list[str | int] = []
    parts = dotted.strip().split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part)
            if index is None:
                names = [str(item.get("name")) for item in node if isinstance(item, dict)]
                raise SpecError(f"{source.file}: --set {override}: no item '{part}' in {format_path(tuple(path))}"
                                + did_you_mean(part, names))
            path.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            path.append(part)
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise SpecError(f"{source.file}: --set {override}: {format_path(tuple(path))} is not a mapping or list")
    source.overridden[tuple(path)] = override


def _list_index(items: list[Any], part: str) -> int | None:
    if part.lstrip("-").isdigit():
        index = int(part)
        return index if -len(items) <= index < len(items) else None
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    return None
