"""The native module and the Python result classes share one field order."""

from __future__ import annotations

from dataclasses import fields

from pysynth import _native
from pysynth import judge as J


def test_result_classes_mirror_the_native_field_lists() -> None:
    for cls, native in [(J.RunResult, _native.RUN_FIELDS), (J.Vote, _native.VOTE_FIELDS),
                        (J.Difficulty, _native.DIFFICULTY_FIELDS), (J.JudgeResult, _native.RESULT_FIELDS)]:
        assert tuple(f.name for f in fields(cls)) == tuple(native), cls.__name__
