"""math-verify behind a deadline: finals that make sympy compute without end cost a bounded time,
from any thread, and the helper process serves the comparisons after them."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pysynth.scalequest import verifier
from pysynth.scalequest.answers import equivalent, majority
from pysynth.scalequest.verifier import MathVerifier

TOWER = "10^{10^{10^{10}}}"  # sympy evaluates it without end; math-verify's alarm stops it


def test_a_final_sympy_cannot_finish_is_not_a_match_and_costs_a_bounded_time() -> None:
    def compare_in_a_worker_thread() -> tuple[bool, bool, float]:
        started = time.monotonic()
        hung = equivalent(TOWER, "10^{10^{10^{11}}}")
        return hung, equivalent("1/2", "0.5"), time.monotonic() - started

    with ThreadPoolExecutor(1) as thread:  # the runtime compares in threads, where alarms cannot be set
        hung, fine, took = thread.submit(compare_in_a_worker_thread).result(timeout=60)
    assert (hung, fine) == (False, True)
    assert took < verifier.DEADLINE_S


def test_concurrent_threads_get_their_own_answers() -> None:
    finals = [["3", "1/2", "0.5", "3", "\\frac{1}{2}"], ["7", "8", "7.0", "8"], ["x = 3", "3", "4"]]
    expected = [("1/2", 3), ("7", 2), ("x = 3", 2)]
    with ThreadPoolExecutor(6) as threads:
        votes = list(threads.map(majority, finals * 4))
    assert [(vote.answer, vote.votes) for vote in votes if vote is not None] == expected * 4


def test_a_helper_past_the_deadline_is_killed_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backstop for a comparison stuck where math-verify's alarm cannot reach (inside C): the
    caller stops waiting at the deadline, kills the helper, and never sends those finals again."""
    monkeypatch.setattr(verifier, "DEADLINE_S", 1.0)
    checker = MathVerifier()
    assert checker.equal("2", "2.0")
    first = checker._helper
    assert first is not None
    os.kill(first.process.pid, signal.SIGSTOP)  # a helper that no longer answers
    started = time.monotonic()
    assert checker.equal("1/2", "0.5") is False
    assert 0.9 < time.monotonic() - started < 5
    assert first.process.poll() is not None, "the stuck helper was not stopped"
    assert checker.equal("1/2", "0.5") is False, "a pair that hung is not sent again"
    assert checker.equal("3", "3.0") is True and checker._helper is not first
    second = checker._helper
    checker.close()
    assert second is not None and second.process.poll() is not None
