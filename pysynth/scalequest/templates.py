"""Pre-query templates: a chat template cut just after its user header, and the strings that end a turn.

ScaleQuest samples questions from a solver by sending it only the start of a chat, up to and
including the user header (`<|im_start|>user\\n`): the model writes the user's message, a question,
and stops at its turn-end token. A template comes from a name (`NAMED`) or from a model's
`tokenizer_config.json`, whose jinja `chat_template` is rendered on one user message holding a
unique placeholder and cut there: what comes before is the pre-query text, what comes after the
placeholder is the turn end (a stop string, with the tokenizer's `eos_token`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pysynth.errors import ConfigError

# Never a substring of a real template: where the rendered text is cut.
PLACEHOLDER = "\x00PYSYNTH-USER-CONTENT\x00"
TOKENIZER_CONFIG = "tokenizer_config.json"


@dataclass(frozen=True)
class PreQueryTemplate:
    """`text` is sent as the whole prompt; an answer ends at the first of `stop`."""

    name: str
    text: str
    stop: tuple[str, ...]
    system_turn: str | None = None
    """The pre-query text with a system message, `{system}` where it goes (None: no system role)."""

    def with_system(self, system: str) -> PreQueryTemplate:
        """This template with `system` as its system turn, replacing its default one."""
        if self.system_turn is None:
            raise ConfigError(f"system_prompt: template '{self.name}' has no system role; give the model's "
                              f"{TOKENIZER_CONFIG} as template_from instead")
        return replace(self, text=self.system_turn.replace("{system}", system))

    def cut(self, completion: str) -> str:
        """The question in `completion`: up to the first stop string (a server that ignores `stop`, or
        one that keeps it, still yields the question alone), stripped."""
        end = min((index for index in (completion.find(stop) for stop in self.stop) if index >= 0),
                  default=len(completion))
        return completion[:end].strip()


# The authors' strings for Qwen2(-Math) and DeepSeek(-Math): yyDing1/ScaleQuest
# src/data_generation/gen.py (`pre_query_template`, `stop_tokens` of `--qry_gen`).
# "\n\nAssistant:" for DeepSeek is ours: a model not tuned to end its question with the end token
# would go on to write the assistant's turn. llama3 and gemma are ours, from their chat templates, as are
# the system turns (each model's own template rendered with a system message).
NAMED: dict[str, PreQueryTemplate] = {
    "qwen": PreQueryTemplate(
        "qwen", "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n",
        ("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
        "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n"),
    "deepseek": PreQueryTemplate(
        "deepseek", "<｜begin▁of▁sentence｜>User: ",
        ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "\n\nAssistant:"),
        "<｜begin▁of▁sentence｜>{system}\n\nUser: "),
    "llama3": PreQueryTemplate(
        "llama3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n",
        ("<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>"),
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\n"),
    "gemma": PreQueryTemplate(  # Gemma's chat template has no system role
        "gemma", "<bos><start_of_turn>user\n", ("<end_of_turn>", "<eos>", "<start_of_turn>")),
}


def named_template(name: str) -> PreQueryTemplate:
    try:
        return NAMED[name]
    except KeyError:
        raise ConfigError(f"template: unknown template '{name}' (known: {', '.join(NAMED)})") from None


def template_from_model(path: str | Path, system: str | None = None) -> PreQueryTemplate:
    """The pre-query template of the model whose directory (or `tokenizer_config.json`) is `path`;
    `system` is rendered as a system turn before the user header."""
    file = Path(path)
    if file.is_dir():
        file = file / TOKENIZER_CONFIG
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file (template_from needs the model's {TOKENIZER_CONFIG})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{file}: not a readable JSON file ({error})") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{file}: expected a JSON object")
    source = _chat_template(config, file)
    special = {key: _token_text(config.get(key)) for key in ("bos_token", "eos_token", "unk_token", "pad_token")}
    messages = [*([{"role": "system", "content": system}] if system is not None else []),
                {"role": "user", "content": PLACEHOLDER}]
    rendered = _render(source, file, messages=messages, add_generation_prompt=False, **special)
    head, found, tail = rendered.partition(PLACEHOLDER)
    if not found:
        raise ConfigError(f"{file}: the chat_template has no user turn (a user message's content is not in its output)")
    if not head:
        raise ConfigError(f"{file}: the chat_template puts nothing before the user's message: no pre-query text")
    # The turn end is what the template writes right after the message ("<|im_end|>\n" -> "<|im_end|>").
    stops = [tail.strip(), special["eos_token"] or ""]
    return PreQueryTemplate(name=str(file), text=head, stop=tuple(dict.fromkeys(stop for stop in stops if stop)))


def _chat_template(config: dict[str, Any], file: Path) -> str:
    template = config.get("chat_template")
    if isinstance(template, list):  # several named templates: transformers uses "default"
        named = {item.get("name"): item.get("template") for item in template if isinstance(item, dict)}
        template = named.get("default")
    if not isinstance(template, str) or not template.strip():
        raise ConfigError(f"{file}: no chat_template (a string, or a list with a 'default' one)")
    return template


def _token_text(token: Any) -> str | None:
    """A special token as text: tokenizer configs write it as a string or an AddedToken dict."""
    if isinstance(token, dict):
        token = token.get("content")
    return token if isinstance(token, str) else None


def _render(source: str, file: Path, **context: Any) -> str:
    """Renders like transformers' `apply_chat_template`: sandboxed jinja, trimmed blocks, its helpers."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["raise_exception"] = raise_exception
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)  # local time, as transformers
    try:
        return environment.from_string(source).render(**context)
    except (TemplateError, TypeError, ValueError) as error:  # jinja raises the last two on bad operands
        raise ConfigError(f"{file}: the chat_template does not render: {error}") from None
