"""Clients of LLM servers: the OpenAI-compatible HTTP client and the distilabel LLM built on it.

Imported on first use (PEP 562): `pysynth.llm.launcher` and `pysynth.llm.local` are reached through
this package too, and validating a pipeline must not pay for aiohttp or distilabel's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pysynth.llm.http_client import OpenAIHttpClient
    from pysynth.llm.openai_llm import LLMUsage, OpenAICompatibleLLM

__all__ = ["LLMUsage", "OpenAICompatibleLLM", "OpenAIHttpClient"]

_LAZY = {"LLMUsage": "pysynth.llm.openai_llm", "OpenAICompatibleLLM": "pysynth.llm.openai_llm",
         "OpenAIHttpClient": "pysynth.llm.http_client"}

if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any attribute

    def __getattr__(name: str) -> object:
        if name not in _LAZY:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
