"""Shared base for pysynth's configuration models: frozen, strict about unknown keys, and
raising `ConfigError` with one readable line per problem instead of pydantic's report."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from pysynth.errors import ConfigError


class FrozenConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def build(cls, base: Self | None = None, **options: Any) -> Self:
        """`base` (or the defaults) with `options` applied, validated; raises `ConfigError`."""
        values = {**(base.model_dump() if base is not None else {}), **options}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "value"
        if item["type"] == "extra_forbidden":
            problems.append(f"{field}: unknown option")
        else:
            problems.append(f"{field}: {item['msg']} (got {item.get('input')!r})")
    return "; ".join(problems)
