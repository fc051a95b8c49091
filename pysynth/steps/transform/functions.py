"""Resolve a user function named by import path ('package.module:function' or 'package.module.function')."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def import_function(path: str) -> Callable[..., Any]:
    module_name, sep, attribute = path.partition(":")
    if not sep:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"'{path}' is not an import path like 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import '{path}': {exc}") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"'{path}' is not a callable")
    return function  # type: ignore[no-any-return]
