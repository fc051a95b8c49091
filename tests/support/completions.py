"""What the test server answers: OpenAI chat/completions responses, deterministic in the request.

The reply is "reply to: " + the last message (chat) or the prompt (completions), `n` numbered choices, cut
to `max_tokens` words (one "token" per word); a JSON mode wraps it as {"reply": ...}; a script rule
(`openai_server.py`) replaces it verbatim. Kept apart from the HTTP server so each reads in one sitting.
"""

from __future__ import annotations

import json
import time
from typing import Any


class BadRequest(ValueError):
    """The request body is not one this server can answer (a 400 with an OpenAI-style error)."""


def content_text(content: Any) -> str:
    """A message's text; list content (OpenAI "parts") is joined from its text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def wants_json(request: dict[str, Any]) -> bool:
    fmt = request.get("response_format")
    return "json_schema" in request or (isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"))


def scripted(prompt: str, script: list[dict[str, Any]]) -> list[str] | None:
    for rule in script:
        wanted = [rule["match"]] if isinstance(rule["match"], str) else rule["match"]
        if all(part in prompt for part in wanted):
            return list(rule["replies"])
    return None


def token_logprobs(words: list[str], chat: bool, top: Any) -> dict[str, Any]:
    """Log probabilities in OpenAI's shapes (one "token" per word): the k-th word has logprob -(k+1)/10,
    and each of the `top` alternatives ("<word>~j") is j tenths less likely."""
    count = top if isinstance(top, int) and top > 0 else 0
    rows = [(word, -(k + 1) / 10, [(word if j == 0 else f"{word}~{j}", -(k + 1 + j) / 10) for j in range(count)])
            for k, word in enumerate(words)]
    if chat:
        return {"content": [{"token": word, "logprob": value, "bytes": None,
                             "top_logprobs": [{"token": t, "logprob": v, "bytes": None} for t, v in alts]}
                            for word, value, alts in rows]}
    return {"tokens": [word for word, _, _ in rows], "token_logprobs": [value for _, value, _ in rows],
            "top_logprobs": [dict(alts) for _, _, alts in rows] if count else None, "text_offset": []}


def answer(request: dict[str, Any], chat: bool, serial: int,
           script: list[dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """(the text faults match on, the OpenAI response) for a chat or completions request."""
    if chat:
        messages = request.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            raise BadRequest("'messages' must be a non-empty list of message objects")
        texts = [content_text(m.get("content")) for m in messages]
        prompt = texts[-1]
    else:
        if not isinstance(request.get("prompt"), str):
            raise BadRequest("'prompt' must be a string")
        prompt = request["prompt"]
        texts = [prompt]
    n = request.get("n") or 1
    max_tokens = request.get("max_tokens", request.get("max_completion_tokens"))
    bad_max_tokens = max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 0)
    if not isinstance(n, int) or n < 1 or bad_max_tokens:
        raise BadRequest("'n' must be an int >= 1 and 'max_tokens' an int >= 0")
    if request.get("stream"):
        raise BadRequest("this test server does not stream")
    as_json, choices, completion_tokens, reply = wants_json(request), [], 0, "reply to: " + prompt
    replies = scripted(prompt, script or [])
    for i in range(n):
        text = reply + f" #{i}" if i else reply
        if replies:
            text, as_json = replies[i % len(replies)], False
        words, finish = text.split(), "stop"
        if max_tokens is not None and len(words) > max_tokens:
            words, finish = words[:max_tokens], "length"
            text = " ".join(words)
        if as_json:
            text = json.dumps({"reply": text})
            words = text.split()
        completion_tokens += len(words)
        logprobs = token_logprobs(words, chat, request.get("top_logprobs")) if request.get("logprobs") else None
        if chat:
            choices.append({"index": i, "message": {"role": "assistant", "content": text}, "logprobs": logprobs,
                            "finish_reason": finish})
        else:
            choices.append({"index": i, "text": text, "logprobs": logprobs, "finish_reason": finish})
    prompt_tokens = sum(len(t.split()) for t in texts)
    return prompt, {
        "id": f"{'chatcmpl' if chat else 'cmpl'}-{serial}",
        "object": "chat.completion" if chat else "text_completion",
        "created": int(time.time()),
        "model": request.get("model", "test-model"),
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
