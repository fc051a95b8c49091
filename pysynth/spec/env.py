"""`${...}` in a pipeline's string values: the environment-variable syntax, and every way to get it wrong.

The grammar, deliberately small:

    $$                  a literal `$`
    ${NAME}             the variable's value; an error when it is not set
    ${NAME:-default}    the value, or `default` when it is not set; `default` may itself hold `${...}`
                        and `$$`, and is only looked up when it is used

NAME is letters, digits and `_`, not starting with a digit. A `$` not followed by `{` or `$` stays
as written (prompts are full of `$x$`). Anything else that starts with `${` is an error naming the
text: an unclosed `${`, an empty or malformed name, or shell forms pysynth does not have
(`${NAME-x}`, `${NAME:=x}`, `${NAME:?x}`), since leaving those in the value would send a literal
`${...}` to a server or a step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOLLAR = re.compile(r"\$")
_DOLLAR_OR_CLOSE = re.compile(r"[$}]")
_SHOWN = 40  # characters of the faulty text an error quotes


class EnvSyntaxError(ValueError):
    """A `${...}` that is malformed or names a variable that is not set; the message says which."""


def substitute(text: str, env: Mapping[str, str]) -> str:
    """`text` with every `${...}` replaced and `$$` unescaped."""
    if "$" not in text:
        return text
    value, _ = _expand(text, 0, env, closing=None, evaluate=True)
    return value


def _expand(text: str, start: int, env: Mapping[str, str], closing: int | None, evaluate: bool) -> tuple[str, int]:
    """Text from `start` up to the end, or up to the `}` closing the `${` at `closing`; returns the
    expansion and the index just past what was read."""
    parts: list[str] = []
    at = start
    while True:
        found = (_DOLLAR if closing is None else _DOLLAR_OR_CLOSE).search(text, at)
        if found is None:
            if closing is not None:
                raise EnvSyntaxError(_unterminated(text, closing))
            parts.append(text[at:])
            return "".join(parts), len(text)
        index = found.start()
        parts.append(text[at:index])
        if text[index] == "}":  # only searched for inside a default
            return "".join(parts), index + 1
        if text.startswith("$$", index):
            parts.append("$")
            at = index + 2
        elif text.startswith("${", index):
            value, at = _variable(text, index, env, evaluate)
            parts.append(value)
        else:
            parts.append("$")
            at = index + 1


def _variable(text: str, at: int, env: Mapping[str, str], evaluate: bool) -> tuple[str, int]:
    """The `${...}` starting at `at`: its value and the index just past its `}`."""
    name_match = _NAME.match(text, at + 2)
    if name_match is None:
        raise EnvSyntaxError(_bad_name(text, at))
    name, after = name_match.group(), name_match.end()
    if text.startswith("}", after):
        if not evaluate:
            return "", after + 1
        if name not in env:
            raise EnvSyntaxError(f"environment variable '{name}' is not set (write ${{{name}:-default}} for a default)")
        return env[name], after + 1
    if text.startswith(":-", after):
        default, end = _expand(text, after + 2, env, closing=at, evaluate=evaluate and name not in env)
        if not evaluate:
            return "", end
        return (env[name] if name in env else default), end
    end = text.find("}", after)
    if end < 0:
        raise EnvSyntaxError(_unterminated(text, at))
    raise EnvSyntaxError(f"'{_excerpt(text, at, end + 1)}' is not supported: write ${{{name}}} or "
                         f"${{{name}:-default}} (and $$ for a literal $)")


def _bad_name(text: str, at: int) -> str:
    end = text.find("}", at)
    if end < 0:
        return _unterminated(text, at)
    word = re.match(r"[^}:\-]*", text[at + 2 : end])
    written = word.group() if word is not None else ""
    if not written.strip():
        return f"'{_excerpt(text, at, end + 1)}' names no environment variable (write ${{NAME}} or ${{NAME:-default}})"
    return (f"'{written}' in '{_excerpt(text, at, end + 1)}' is not an environment variable name (letters, digits "
            "and '_', not starting with a digit)")


def _unterminated(text: str, at: int) -> str:
    return (f"'{_excerpt(text, at, len(text))}' has no closing '}}' (write $$ for a literal $, "
            "e.g. $${HOME} for the text ${HOME})")


def _excerpt(text: str, start: int, end: int) -> str:
    shown = text[start:end].replace("\n", "\\n")
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 3] + "..."
