"""Question fine-tuning rows (ScaleQuest's QFT): each question alone, as the user turn of the chat template.

A question becomes the text the model's chat template renders for one user message with no generation
prompt, cut right after the turn's end token, and the loss is on every token of it, the template's
header included: the model learns to write a question when it is handed the bare pre-query template.
This follows the authors' `src/train_question_generator/qft_train/train.py` (github yyDing1/ScaleQuest):
Qwen2-Math gets `<|im_start|>system\\n...<|im_end|>\\n<|im_start|>user\\n{question}<|im_end|>`, and
DeepSeek-Math, whose template ends a user turn with no token, `User: {question}\\n\\n<eos>`; here the end
token is the template's own when it ends in a special token, and the tokenizer's eos otherwise.
Rows are handed to trl already tokenized with `labels` equal to `input_ids`, so nothing is masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pysynth.errors import ConfigError
from pysynth.train.data import SFTFormat

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class QuestionData:
    path: Path
    questions: list[str]  # stripped, non-empty
    format: ClassVar[SFTFormat] = SFTFormat.QUESTIONS

    def __len__(self) -> int:
        return len(self.questions)


def load_question_data(path: str | Path) -> QuestionData:
    """The `question` (or MATH-style `problem`) column of a .jsonl/.parquet file; `InputError` names a bad row."""
    # Imported here: the readers use `pysynth.train.data`, and this module is imported with `pysynth.train`.
    from pysynth.scalequest.readers import read_questions

    return QuestionData(path=Path(path), questions=read_questions(path))


def render_question(tokenizer: PreTrainedTokenizerBase, question: str) -> str:
    """The chat template's text for `question` as the one user turn, ending with the turn-end token."""
    from jinja2 import TemplateError

    try:
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                                 add_generation_prompt=False)
    except (TemplateError, ValueError) as error:  # a template may `raise_exception` on a lone user turn
        raise ConfigError(f"the chat template cannot render a user message: {error}") from None
    if not isinstance(rendered, str):
        raise ConfigError(f"the chat template rendered {type(rendered).__name__}, not text")
    trimmed = rendered.rstrip()
    if any(trimmed.endswith(token) for token in _special_tokens(tokenizer)):
        return trimmed  # the template closes the turn itself (`<|im_end|>`, `<|eot_id|>`...)
    if not tokenizer.eos_token:
        raise ConfigError("the chat template ends a user turn with no special token and the tokenizer has no "
                          "eos token to end the question with")
    return rendered + str(tokenizer.eos_token)


def question_rows(tokenizer: PreTrainedTokenizerBase, questions: list[str]) -> list[dict[str, list[int]]]:
    """trl-ready rows: `input_ids` of each rendered question and `labels` equal to them (loss on every token)."""
    rows = []
    for question in questions:
        # No special tokens added: the template writes its own (a BOS, if the model has one), as trl does
        # for conversations.
        ids = list(tokenizer(render_question(tokenizer, question), add_special_tokens=False)["input_ids"])
        rows.append({"input_ids": ids, "labels": list(ids)})
    return rows


def _special_tokens(tokenizer: PreTrainedTokenizerBase) -> set[str]:
    added = {token.content for token in tokenizer.added_tokens_decoder.values() if token.special}
    return added | {str(token) for token in tokenizer.all_special_tokens}
