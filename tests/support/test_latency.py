"""The long-tail latency and the load accounting of the test server, as plain functions (no server)."""

from __future__ import annotations

import math
import statistics

import pytest

from tests.support.latency import AnsweredPrompts, InFlightMeter, LognormalLatency

PROMPTS = [f"Write a hard problem about topic {i}." for i in range(20_000)]


def test_spec_parses_median_and_sigma() -> None:
    assert LognormalLatency.parse("lognormal:median=0.2,sigma=1") == LognormalLatency(0.2, 1.0)
    assert LognormalLatency.parse("lognormal: median=0.05, sigma=0") == LognormalLatency(0.05, 0.0)
    assert LognormalLatency.parse(LognormalLatency(0.2, 1.5).spec) == LognormalLatency(0.2, 1.5)


@pytest.mark.parametrize("spec", ["lognormal:median=0,sigma=1", "lognormal:median=0.2,sigma=-1", "normal:0.2",
                                  "lognormal:median=0.2", "lognormal:median=x,sigma=1", "lognormal:median=inf,sigma=1"])
def test_spec_with_a_wrong_shape_or_value_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="expected lognormal:median=SECONDS,sigma=NUMBER"):
        LognormalLatency.parse(spec)


def test_latency_is_the_same_for_the_same_prompt() -> None:
    latency = LognormalLatency(0.2, 1.0)
    assert [latency.seconds(p) for p in PROMPTS[:100]] == [latency.seconds(p) for p in PROMPTS[:100]]
    assert len({latency.seconds(p) for p in PROMPTS[:100]}) == 100


def test_latencies_of_many_prompts_follow_the_lognormal() -> None:
    latency = LognormalLatency(0.2, 1.0)
    drawn = [latency.seconds(p) for p in PROMPTS]
    assert statistics.median(drawn) == pytest.approx(0.2, rel=0.05)
    above_one_sigma = sum(d > 0.2 * math.e for d in drawn) / len(drawn)
    assert above_one_sigma == pytest.approx(0.1587, abs=0.02), "the tail above median * e^sigma is wrong"
    assert statistics.fmean(drawn) == pytest.approx(latency.mean_s, rel=0.05)


def test_sigma_zero_is_a_constant_latency() -> None:
    assert {LognormalLatency(0.3, 0.0).seconds(p) for p in PROMPTS[:50]} == {0.3}


def test_in_flight_mean_weighs_by_time_and_stops_at_the_last_answer() -> None:
    meter = InFlightMeter()
    for event, at in [("begin", 10.0), ("begin", 10.0), ("end", 11.0), ("end", 11.0),  # 2 for 1 s
                      ("begin", 11.0), ("end", 12.0)]:  # then 1 for 1 s
        getattr(meter, event)(at)
    assert meter.report(now=99.0) == {"mean": 1.5, "mean_while_arriving": 2.0, "peak": 2, "seconds": 2.0, "now": 0}


def test_in_flight_after_a_reset_counts_from_the_reset() -> None:
    meter = InFlightMeter()
    meter.begin(0.0)
    meter.begin(0.0)
    meter.reset(1.0)
    meter.end(2.0)
    report = meter.report(now=3.0)  # one still in flight: the window runs to now
    assert (report["mean"], report["peak"], report["seconds"], report["now"]) == (1.5, 2, 2.0, 1), report


def test_answered_prompts_are_remembered_across_resets() -> None:
    prompts = AnsweredPrompts()
    for prompt in ("a", "a"):
        prompts.add(prompt)
    assert prompts.report() == {"new": 1, "repeated": 1}
    prompts.reset()
    for prompt in ("a", "b"):
        prompts.add(prompt)
    assert prompts.report() == {"new": 1, "repeated": 1}
