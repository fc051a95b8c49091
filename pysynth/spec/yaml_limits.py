"""Limits on what a YAML document may make the loader build, checked before anything is built.

One pass over the parser's events (the parser is iterative, so no input makes it recurse) measures
what constructing the document would cost, and stops at the first event past a limit:

- nesting deeper than `MAX_DEPTH` (the composer, the constructor and validation all recurse; and
  the scanner's work per `[` or `{` grows with the flow depth, so it is stopped at the bracket);
- aliases that expand to more than `MAX_ALIAS_VALUES` values, or `MAX_ALIAS_CHARS` characters of
  text, beyond those written in the file (each alias stands for a copy of its anchor: ten levels of
  nine aliases, the "billion laughs", are 9^10 values written in a few hundred bytes);
- an alias inside the node its anchor names (a recursive document, which has no plain-data form);
- an explicit tag other than YAML's core ones (`!custom`, `!!python/object`, `!!set`, ...).

So memory stays proportional to the file, and the error points at the event that crossed the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import StreamMark
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, Event, NodeEvent, ScalarEvent
from ruamel.yaml.scanner import RoundTripScanner

from pysynth.errors import SpecError

MAX_DEPTH = 64
MAX_ALIAS_VALUES = 100_000
MAX_ALIAS_CHARS = 4 * 1024 * 1024
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))


class _TooDeep(Exception):
    def __init__(self, mark: StreamMark) -> None:
        self.mark = mark


class _DepthLimitedScanner(RoundTripScanner):
    """ruamel's scanner, refusing a `[` or `{` nested deeper than `MAX_DEPTH` before it scans on."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:  # noqa: N803 (ruamel's name)
        if len(self.flow_context) >= MAX_DEPTH:
            raise _TooDeep(self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


@dataclass
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    anchor: str | None
    values: int = 1  # itself, plus everything inside it once aliases are expanded
    chars: int = 0  # of the scalars inside it, aliases expanded


def check_yaml_limits(text: str, where: str, *, located: bool = True) -> None:
    """Raises `SpecError` (`where:line:col: ...`, no line and column unless `located`) for a document
    past a limit; YAML syntax errors propagate as ruamel raises them."""
    yaml = YAML(typ="rt")
    yaml.Scanner = _DepthLimitedScanner
    try:
        _measure(yaml.parse(text), lambda mark: _located(where, mark, located))
    except _TooDeep as exc:
        raise SpecError(f"{_located(where, exc.mark, located)}: the document nests more than {MAX_DEPTH} levels "
                        "deep") from None


def _measure(events: Iterable[Event], at: Callable[[StreamMark | None], str]) -> None:
    open_nodes: list[_Open] = []
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> values and characters it expands to
    expanded_values = expanded_chars = 0
    for event in events:
        tag = getattr(event, "tag", None)  # alias events have none
        if isinstance(event, NodeEvent) and tag is not None and str(tag) not in CORE_TAGS:
            raise SpecError(f"{at(event.start_mark)}: YAML tag '{_short(str(tag))}' is not supported "
                            "(pipeline files are plain mappings, lists, strings and numbers)")
        if isinstance(event, CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                raise SpecError(f"{at(event.start_mark)}: the document nests more than {MAX_DEPTH} levels deep")
            open_nodes.append(_Open(event.anchor))
        elif isinstance(event, CollectionEndEvent):
            done = open_nodes.pop()
            _finish(done.anchor, (done.values, done.chars), open_nodes, sizes)
        elif isinstance(event, ScalarEvent):
            _finish(event.anchor, (1, len(event.value)), open_nodes, sizes)
        elif isinstance(event, AliasEvent):
            anchor = str(event.anchor)
            if any(node.anchor == anchor for node in open_nodes):
                raise SpecError(f"{at(event.start_mark)}: alias *{anchor} is inside the node &{anchor} names "
                                "(a recursive document cannot be loaded)")
            values, chars = sizes.get(anchor, (0, 0))  # an undefined alias is the composer's error to report
            expanded_values += values
            expanded_chars += chars
            if expanded_values > MAX_ALIAS_VALUES:
                raise SpecError(f"{at(event.start_mark)}: aliases expand to more than {MAX_ALIAS_VALUES} values "
                                f"(*{anchor} alone stands for {values}); write the values out or use fewer aliases")
            if expanded_chars > MAX_ALIAS_CHARS:
                raise SpecError(f"{at(event.start_mark)}: aliases expand to more than {MAX_ALIAS_CHARS} characters "
                                f"of text (*{anchor} alone stands for {chars}); write the text once")
            _finish(None, (values, chars), open_nodes, sizes)


def _finish(
    anchor: str | None, size: tuple[int, int], open_nodes: list[_Open], sizes: dict[str, tuple[int, int]]
) -> None:
    if anchor is not None:
        sizes[anchor] = size
    if open_nodes:
        open_nodes[-1].values += size[0]
        open_nodes[-1].chars += size[1]


def _located(where: str, mark: StreamMark | None, located: bool) -> str:
    return f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None and located else where


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
