"""Clients of LLM servers: the OpenAI-compatible HTTP client and the distilabel LLM built on it."""

from __future__ import annotations

from pysynth.llm.http_client import OpenAIHttpClient
from pysynth.llm.openai_llm import LLMUsage, OpenAICompatibleLLM

__all__ = ["LLMUsage", "OpenAICompatibleLLM", "OpenAIHttpClient"]
