"""Checks of single values the schema's types cannot express: URLs, variable names, regexes, JSON Schemas.

Each function returns the value (normalized where it says so) or raises `ValueError` with the
message a user reads after `file:line:col: field.path:`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GPU_LIST = re.compile(r"\d+(,\d+)*")
# `package.module:Name` or `package.module.Name`, as `import_function` reads them.
IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*[.:][A-Za-z_]\w*")
JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_SCHEMA_KEYWORDS = frozenset({"type", "properties", "items", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"})


def http_url(value: str) -> str:
    """An OpenAI API root: http(s)://host[:port][/path], not one of its endpoints."""
    example = "such as http://127.0.0.1:30000/v1"
    if value != value.strip() or any(character.isspace() for character in value):
        raise ValueError(f"must be a URL without spaces (got {value!r})")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http:// or https:// URL {example} (got {value!r})")
    try:
        port = parts.port  # raises for one that is not a number from 0 to 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"must have a port from 1 to 65535 (got {value!r})")
    if not parts.hostname:
        raise ValueError(f"must name a host (got {value!r})")
    if parts.query or parts.fragment:
        raise ValueError(f"must not have a query or fragment (got {value!r})")
    if parts.path.rstrip("/").endswith("/completions"):
        raise ValueError(f"must be the API root, ending in /v1, not an endpoint below it (got {value!r})")
    return value


def distinct(values: list[str]) -> list[str]:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise ValueError(f"{value!r} is listed twice (items {values.index(value)} and {index})")
    return values


def env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        # Never echoed: a value that is not a name may be the key itself.
        raise ValueError("must be the name of an environment variable (letters, digits and '_'), not the key itself")
    return value


def regex(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"must be a valid regular expression: {exc.msg} at position {exc.pos} "
                         f"(got {value!r})") from None
    return value


def gpu_list(value: Any) -> Any:
    """`gpus: 0` is read by YAML as a number: the list of one GPU."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not GPU_LIST.fullmatch(value.replace(" ", "")):
        raise ValueError(f"must be GPU indices separated by commas, e.g. '0,1,2,3' (got {value!r})")
    return value.replace(" ", "") if isinstance(value, str) else value


def json_schema(value: Any) -> Any:
    """A pydantic model's import path, or a JSON Schema (its `type` keywords checked throughout)."""
    if isinstance(value, str):
        if not IMPORT_PATH.fullmatch(value):
            raise ValueError(f"must be a pydantic model's import path such as mypackage.schemas:Answer "
                             f"(got {value!r})")
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a pydantic model's import path or a JSON Schema (a mapping)")
    if not _SCHEMA_KEYWORDS & set(value):
        raise ValueError(f"must be a JSON Schema, with one of {', '.join(sorted(_SCHEMA_KEYWORDS))}")
    problem = _schema_problem(value, "")
    if problem is not None:
        raise ValueError(problem)
    return value


def _schema_problem(schema: Any, where: str) -> str | None:
    if not isinstance(schema, dict):
        return None if isinstance(schema, bool) else f"{where or 'the schema'} must be a mapping"
    kinds = schema.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if kind is not None and kind not in JSON_TYPES:
            field = f"{where}.type" if where else "type"
            return f"{field}: {kind!r} is not a JSON type (one of {', '.join(sorted(JSON_TYPES))})"
    children: list[tuple[str, Any]] = []
    for keyword in ("properties", "$defs", "definitions", "patternProperties"):
        if isinstance(schema.get(keyword), dict):
            children += [(f"{where}.{keyword}.{name}".lstrip("."), child) for name, child in schema[keyword].items()]
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(keyword), dict):
            children.append((f"{where}.{keyword}".lstrip("."), schema[keyword]))
    for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(schema.get(keyword), list):
            children += [(f"{where}.{keyword}[{index}]".lstrip("."), child)
                         for index, child in enumerate(schema[keyword])]
    for child_where, child in children:
        problem = _schema_problem(child, child_where)
        if problem is not None:
            return problem
    return None
