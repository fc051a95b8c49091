"""Long-tail answer latency and load accounting for the test server (`openai_server.py`).

Why lognormal: an inference server's answer times have a long tail (a few answers take 10-50x the
median), and that tail is what exposes a runtime that waits for a whole batch before it sends more; a
constant delay hides it. Why drawn from the prompt: a hash of the prompt is a uniform quantile, so the
same prompt waits the same time in every run and for every contender, and two runtimes measured on the
same rows meet the same tail. `sigma=0` is a constant latency of `median`.

`InFlightMeter` integrates the number of requests in flight over time, so a benchmark reads the
concurrency a client really kept (the time-weighted mean) beside the most it ever had (the peak).
`AnsweredPrompts` remembers every prompt answered in the server's life (a stats reset does not forget
them), so a run resumed after a crash can be checked for requests it sent a second time.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

_STANDARD_NORMAL = NormalDist()
_SPEC = re.compile(r"lognormal:median=([^,]+),sigma=([^,]+)")


def prompt_digest(prompt: str) -> int:
    """A 64-bit hash of a prompt, the same in every process (unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(prompt.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True)
class LognormalLatency:
    """Answer latency exp(mu + sigma * z) with exp(mu) = `median_s`, z the prompt's standard normal quantile."""

    median_s: float
    sigma: float

    @classmethod
    def parse(cls, spec: str) -> LognormalLatency:
        """`lognormal:median=0.2,sigma=1` (seconds; sigma of the log) -> LognormalLatency(0.2, 1.0)."""
        found = _SPEC.fullmatch(spec.replace(" ", ""))
        try:
            median, sigma = (float(value) for value in found.groups()) if found else (math.nan, math.nan)
        except ValueError:
            median = sigma = math.nan
        if not (median > 0 and sigma >= 0 and math.isfinite(median) and math.isfinite(sigma)):
            raise ValueError(f"latency {spec!r}: expected lognormal:median=SECONDS,sigma=NUMBER "
                             "with median > 0 and sigma >= 0")
        return cls(median, sigma)

    @property
    def spec(self) -> str:
        return f"lognormal:median={self.median_s!r},sigma={self.sigma!r}"

    @property
    def mean_s(self) -> float:
        """The distribution's mean, exp(mu + sigma^2 / 2)."""
        return self.median_s * math.exp(self.sigma**2 / 2)

    def seconds(self, prompt: str) -> float:
        quantile = (prompt_digest(prompt) + 0.5) / 2**64  # strictly inside (0, 1), as inv_cdf needs
        return self.median_s * math.exp(self.sigma * _STANDARD_NORMAL.inv_cdf(quantile))


class InFlightMeter:
    """Requests in flight over time, on the caller's clock (seconds).

    The window runs from the first arrival to the last answer (after a reset: from the reset if requests
    were in flight then, else from the next arrival). `mean` averages over the whole window;
    `mean_while_arriving` stops at the last arrival, leaving out the drain once a client had nothing
    more to send, which a long tail stretches for any client.
    """

    def __init__(self) -> None:
        self.count = 0
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.area, self.changed, self.peak = 0.0, now, self.count
        self.start: float | None = now if self.count else None
        self.last_arrival, self.area_at_last_arrival = now, 0.0

    def begin(self, now: float) -> None:
        self._advance(now)
        if self.start is None:
            self.start = now
        self.last_arrival, self.area_at_last_arrival = now, self.area
        self.count += 1
        self.peak = max(self.peak, self.count)

    def end(self, now: float) -> None:
        self._advance(now)
        self.count -= 1

    def _advance(self, now: float) -> None:
        self.area += self.count * (now - self.changed)
        self.changed = now

    def report(self, now: float) -> dict[str, Any]:
        if self.start is None:
            return {"mean": 0.0, "mean_while_arriving": 0.0, "peak": 0, "seconds": 0.0, "now": 0}
        end = now if self.count else self.changed  # idle since the last answer: the window ended there
        area = self.area + self.count * (end - self.changed)
        window, arriving = end - self.start, self.last_arrival - self.start
        return {"mean": area / window if window > 0 else float(self.count),
                "mean_while_arriving": self.area_at_last_arrival / arriving if arriving > 0 else float(self.peak),
                "peak": self.peak, "seconds": window, "now": self.count}


class AnsweredPrompts:
    """Prompts answered during the server's life; the counts split this phase's answers (since the last
    reset) into prompts never answered before and prompts answered before (in any phase, this one too)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.reset()

    def reset(self) -> None:
        self.new, self.repeated = 0, 0

    def add(self, prompt: str) -> None:
        digest = hash(prompt)  # this process's own hash is enough here, and ~20x cheaper than blake2b
        if digest in self.seen:
            self.repeated += 1
        else:
            self.seen.add(digest)
            self.new += 1

    def report(self) -> dict[str, int]:
        return {"new": self.new, "repeated": self.repeated}
