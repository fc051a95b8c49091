"""The `${...}` grammar of string values (pysynth.spec.env), rule by rule."""

from __future__ import annotations

import pytest

from pysynth.spec.env import EnvSyntaxError, substitute

ENV = {"MODEL": "qwen", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no variables", "no variables"),
        ("${MODEL}", "qwen"),
        ("model ${MODEL}, again ${MODEL}", "model qwen, again qwen"),
        ("${UNSET:-tiny}", "tiny"),
        ("${MODEL:-tiny}", "qwen"),
        ("${EMPTY:-tiny}", ""),  # set, though empty: its value
        ("${UNSET:-}", ""),
        ("${UNSET:-${MODEL}}", "qwen"),
        ("${UNSET:-${ALSO_UNSET:-deep}} end", "deep end"),
        ("${MODEL:-${UNSET}}", "qwen"),  # a default is only looked up when it is used
        ("$$", "$"),
        ("$${HOME}", "${HOME}"),
        ("costs $5, $x$ and $", "costs $5, $x$ and $"),  # a `$` without `{` stays as written
        ("${UNSET:-a}}", "a}"),
    ],
)
def test_substitution(text: str, expected: str) -> None:
    assert substitute(text, ENV) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET}", "environment variable 'UNSET' is not set (write ${UNSET:-default} for a default)"),
        ("${UNSET:-${ALSO_UNSET}}", "environment variable 'ALSO_UNSET' is not set"),
        ("${MODEL", "'${MODEL' has no closing '}'"),
        ("x ${MODEL:-tiny", "'${MODEL:-tiny' has no closing '}'"),
        ("${UNSET:-${MODEL}", "'${UNSET:-${MODEL}' has no closing '}'"),
        ("${}", "'${}' names no environment variable"),
        ("${:-x}", "'${:-x}' names no environment variable"),
        ("${1PORT}", "'1PORT' in '${1PORT}' is not an environment variable name"),
        ("${ MODEL }", "' MODEL ' in '${ MODEL }' is not an environment variable name"),
        ("${MODEL-tiny}", "'${MODEL-tiny}' is not supported: write ${MODEL} or ${MODEL:-default}"),
        ("${MODEL:=tiny}", "'${MODEL:=tiny}' is not supported"),
        ("${MODEL:?needed}", "'${MODEL:?needed}' is not supported"),
        ("${MODEL.name}", "'${MODEL.name}' is not supported"),
    ],
)
def test_malformed_substitution_is_an_error(text: str, message: str) -> None:
    with pytest.raises(EnvSyntaxError) as raised:
        substitute(text, ENV)
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_long_text_is_quoted_shortened() -> None:
    with pytest.raises(EnvSyntaxError) as raised:
        substitute("${MODEL:-" + "x" * 500, ENV)
    assert str(raised.value).startswith("'${MODEL:-" + "x" * 28 + "...' has no closing '}'")
