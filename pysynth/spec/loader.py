"""Pipeline file -> validated `PipelineSpec`, with every user error as `file:line:col: field: message`.

Order of work: parse YAML (positions kept), substitute `${VAR}` / `${VAR:-default}` in string
values, apply `--set a.b=c` overrides, then validate with pydantic and translate its errors.
"""

from __future__ import annotations

import datetime
import difflib
import os
import types
import typing
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pysynth.errors import SpecError
from pysynth.spec.env import EnvSyntaxError, substitute
from pysynth.spec.generation import GenerationSpec, ValidatedBy, unknown_field_hint
from pysynth.spec.models import STEP_NAME_PATTERN, PipelineSpec
from pysynth.spec.source import FieldPath, SourceMap, format_path, load_yaml
from pysynth.spec.yaml_limits import check_yaml_limits


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
        raise SpecError(f"{source.where(())}: the pipeline file must be a mapping with `name` and `steps` "
                        f"(got {_describe_value(data)})")
    data = _interpolate(data, (), source, os.environ if env is None else env)
    for override in overrides:
        _apply_override(data, override, source)
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError("\n".join(describe_errors(exc, source, (), PipelineSpec))) from None
    return LoadedSpec(spec=spec, source=source, path=file)


def describe_errors(
    exc: ValidationError,
    source: SourceMap,
    prefix: FieldPath,
    model: type[BaseModel] | None,
    hidden: Collection[str] = (),
) -> list[str]:
    """One `location: path: message` line per pydantic error, in file order; unknown keys get a suggestion.

    `model` is what validated the data at `prefix` (its fields are the suggestions, less `hidden`).
    A required field reported missing beside an unknown key that looks like it (`stepz` for `steps`)
    is left out: the typo is the one mistake to fix.
    """
    errors = exc.errors()
    suggested: set[FieldPath] = set()
    hints: dict[int, str] = {}
    for number, error in enumerate(errors):
        if error["type"] == "extra_forbidden":
            path = (*prefix, *error["loc"])
            parent = _model_at(model, path[len(prefix) : -1])
            allowed = [name for name in (parent.model_fields if parent else ()) if name not in hidden]
            close = _closest(str(path[-1]), allowed)
            if close is not None:
                suggested.add((*path[:-1], close))
            if parent is GenerationSpec:  # it knows where fields that are not sampling fields belong
                hints[number] = unknown_field_hint(str(path[-1]), close)
            elif close is not None:
                hints[number] = f" (did you mean '{close}'?)"
    lines: list[tuple[tuple[int, int], str]] = []
    for number, error in enumerate(errors):
        path = (*prefix, *error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            line = (source.where(path, at_key=True) + f": {format_path(path)}: unknown field '{path[-1]}'"
                    + hints.get(number, ""))
        elif kind == "missing":
            if path in suggested:
                continue
            line = f"{source.where(path[:-1])}: {format_path(path)}: missing required field '{path[-1]}'"
        elif kind == "invalid_key" or path[-1] == "[key]":  # a YAML key that is not a string, e.g. `1: x`
            path = (*path[:-2], str(path[-2])) if path[-1] == "[key]" else (*path[:-1], str(path[-1]))
            line = (f"{source.where(path, at_key=True)}: {format_path(path)}: keys must be strings "
                    f"(got {_describe_value(error['input'])})")
        else:
            line = f"{source.where(path)}: {format_path(path)}: {_message(error)}"
        lines.append((_line_column(line, source.file), line))
    return [line for _, line in sorted(lines, key=lambda item: item[0])]


# pydantic's wording, for people who write YAML rather than Python.
_EXPECTED = {
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "list_type": "a list", "string_type": "a string",
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "a whole number",
    "int_parsing_size": "a smaller whole number",
    "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false",
}
_BOUNDS = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"),
           "greater_than": ("gt", "greater than"), "less_than": ("lt", "less than")}


def _message(error: ErrorDetails) -> str:
    kind, context, message = error["type"], error.get("ctx") or {}, error["msg"]
    if kind == "value_error":  # a validator's own message says what is wrong with the value
        return str(context.get("error", message))
    if kind in ("too_short", "string_too_short"):
        least = context.get("min_length", 1)
        unit = "items" if kind == "too_short" else "characters"
        return "must not be empty" if least == 1 else f"must have at least {least} {unit}"
    if kind in _EXPECTED:
        text = f"must be {_EXPECTED[kind]}"
    elif kind in _BOUNDS:
        bound, words = _BOUNDS[kind]
        text = f"must be {words} {context[bound]}"
    elif kind == "string_pattern_mismatch" and context.get("pattern") == STEP_NAME_PATTERN:
        text = "may use only letters, digits, '_' and '-'"
    elif message.startswith("Input should"):
        text = "must" + message[len("Input should") :]
    else:
        text = message
    return f"{text} (got {_describe_value(error.get('input'))})"


def _describe_value(value: Any) -> str:
    """A YAML value as an error message shows it: scalars as written, containers by kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "no value"
    if isinstance(value, datetime.date):  # YAML reads 2024-01-01 as a date
        return f"the date {value.isoformat()}: quote it to write text"
    return repr(value)


def _line_column(line: str, file: str) -> tuple[int, int]:
    """Sort key: errors are listed in file order."""
    numbers = line[len(file) + 1 :].split(":", 2)
    try:
        return int(numbers[0]), int(numbers[1])
    except (ValueError, IndexError):
        return (1 << 30, 0)


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = _closest(word, candidates)
    return f" (did you mean '{close}'?)" if close is not None else ""


def _model_at(model: type[BaseModel] | None, path: FieldPath) -> type[BaseModel] | None:
    """The model that validates the mapping at `path` below `model`, if one does."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        field = current.model_fields[part]
        # A dict field a model checks (`generation`) names it in its annotation's metadata.
        checked = [meta.model for meta in field.metadata if isinstance(meta, ValidatedBy)]
        current = checked[0] if checked else _model_in(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


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
    if not isinstance(node, str):
        return node
    try:
        return substitute(node, env)
    except EnvSyntaxError as exc:
        raise source.error(path, str(exc)) from None


def _apply_override(data: dict[str, Any], override: str, source: SourceMap) -> None:
    dotted, sep, text = override.partition("=")
    if not sep or not dotted.strip():
        raise SpecError(f"{source.file}: --set {override}: expected KEY.PATH=VALUE, e.g. defaults.batch_size=8")
    try:
        check_yaml_limits(text, f"{source.file}: --set {override}", located=False)
        value = YAML(typ="safe").load(text) if text.strip() else ""
    except YAMLError:  # not YAML: the text itself
        value = text
    node: Any = data
    path: list[str | int] = []
    parts = dotted.strip().split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part)
            if index is None:
                raise SpecError(f"{source.file}: --set {override}: {_no_item(node, part, tuple(path))}")
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
                if part not in node:  # errors inside what this --set creates are blamed on it
                    source.overridden[tuple(path)] = override
                node = node.setdefault(part, {})
        else:
            raise SpecError(f"{source.file}: --set {override}: {format_path(tuple(path))} is not a mapping or list")
    source.overridden[tuple(path)] = override


def _no_item(items: list[Any], part: str, path: FieldPath) -> str:
    if part.lstrip("-").isdigit():
        return f"{format_path(path)} has {len(items)} item{'s' if len(items) != 1 else ''}, no item {part}"
    names = [str(item.get("name")) for item in items if isinstance(item, dict)]
    return f"no item named '{part}' in {format_path(path)}" + did_you_mean(part, names)


def _list_index(items: list[Any], part: str) -> int | None:
    if part.lstrip("-").isdigit():
        index = int(part)
        return index if -len(items) <= index < len(items) else None
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    return None
