"""pysynth.quest.code: the program in the last usable fenced block, or why there is none."""

from __future__ import annotations

import pytest

from pysynth.judge import Solution
from pysynth.quest.code import NoCode, NoCodeReason, extract_code, judge_language, render_solution_prompt

CPP = "#include <cstdio>\nint main() { puts(\"1\"); }\n"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Idea first.\n```py\nprint(1)\n```", Solution("python", "print(1)\n")),
        ("```python3\nprint(2)\n```", Solution("python", "print(2)\n")),
        ("```C++\n" + CPP + "```", Solution("cpp", CPP)),
        ("```cpp\n" + CPP + "```", Solution("cpp", CPP)),
        ("```\n" + CPP + "```", Solution("cpp", CPP)),
        ("```\nn = int(input())\nprint(n)\n```", Solution("python", "n = int(input())\nprint(n)\n")),
        ("```python\nprint('draft')\n```\nBetter:\n```python\nprint('final')\n```",
         Solution("python", "print('final')\n")),
        ("```python\nprint(3)\n```\nSample run:\n```text\n3\n```", Solution("python", "print(3)\n")),
        ("<think>```python\nprint('thought')\n```</think>\n```python\nprint(4)\n```", Solution("python", "print(4)\n")),
    ],
)
def test_code_is_taken_from_the_last_usable_block(answer: str, expected: Solution) -> None:
    assert extract_code(answer) == expected


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Just print the sum of the numbers.", NoCodeReason.NO_FENCED_BLOCK),
        ("```haskell\nmain = pure ()\n```\n```kotlin\nfun main() {}\n```", NoCodeReason.UNSUPPORTED_LANGUAGE),
        ("```python\nprint(1)\n```\n```python\nfor i in range(", NoCodeReason.UNTERMINATED_BLOCK),
        ("```python\n   \n```", NoCodeReason.EMPTY_BLOCK),
        ("<think>Let me write ```python\nprint(1)\n```", NoCodeReason.UNFINISHED_REASONING),
    ],
)
def test_answers_without_usable_code_say_why(answer: str, reason: NoCodeReason) -> None:
    result = extract_code(answer)
    assert isinstance(result, NoCode) and result.reason == reason, result


def test_unsupported_languages_are_named() -> None:
    assert extract_code("```haskell\nmain = pure ()\n```\n```kotlin\nfun main() {}\n```") == NoCode(
        NoCodeReason.UNSUPPORTED_LANGUAGE, "haskell, kotlin"
    )


def test_labels_map_to_judge_languages() -> None:
    labels = ("py", "Python", "c++", "CPP", "cc", "java", "rs", "go", "js", "c", "kotlin", "")
    assert [judge_language(label) for label in labels] == [
        "python", "python", "cpp", "cpp", "cpp", "java", "rust", "go", "javascript", "c", None, None,
    ]


def test_solution_prompt_names_the_language_and_asks_for_one_block() -> None:
    prompt = render_solution_prompt("Add two numbers.\n", "cpp")
    assert "C++17 program" in prompt and "exactly one fenced code block" in prompt and "nothing after it" in prompt
    assert prompt.endswith("\n\nAdd two numbers.")
