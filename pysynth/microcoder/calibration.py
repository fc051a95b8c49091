"""Calibrating predicted difficulty against measured pass rates: isotonic regression, Spearman's
rho and a calibration table, in plain Python (scikit-learn and scipy are not dependencies).

`fit_isotonic(x, y, increasing=False)` is the equivalent of scikit-learn's
`IsotonicRegression(increasing=False, out_of_bounds="clip").fit(x, y)`:
- points sharing an x are merged first into one, their weighted mean y with their summed weight
  (sklearn's `_make_unique`);
- pool-adjacent-violators then finds the non-increasing (or non-decreasing) sequence closest to
  those y in weighted least squares;
- interior points equal to both neighbours are dropped (sklearn's `_build_y`), which changes no
  prediction;
- a prediction interpolates linearly between the fitted points and clips x to their range
  (`out_of_bounds="clip"`); one distinct x gives a constant.
`spearman_rho` is `scipy.stats.spearmanr`'s statistic: Pearson's r of the ranks, ties given their
average rank; None where scipy gives nan (fewer than two points, or a constant variable).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IsotonicFit:
    """The fitted points, x ascending and distinct; calling the fit predicts y for any x."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, value: float) -> float:
        if value <= self.x[0]:
            return self.y[0]
        if value >= self.x[-1]:
            return self.y[-1]
        right = bisect_right(self.x, value)
        x0, x1, y0, y1 = self.x[right - 1], self.x[right], self.y[right - 1], self.y[right]
        return y0 + (value - x0) * (y1 - y0) / (x1 - x0)


def pool_adjacent_violators(y: Sequence[float], weights: Sequence[float] | None = None, *,
                            increasing: bool = True) -> list[float]:
    """The monotone sequence minimising sum(w * (fit - y)^2), y taken in the given order: adjacent
    values that break the order are pooled into their weighted mean until none does."""
    if weights is None:
        weights = [1.0] * len(y)
    if len(weights) != len(y):
        raise ValueError(f"{len(y)} values but {len(weights)} weights")
    if not increasing:  # a non-increasing fit of y is the non-decreasing fit of y reversed, reversed
        return pool_adjacent_violators(y[::-1], weights[::-1], increasing=True)[::-1]
    blocks: list[list[float]] = []  # [weighted mean, total weight, number of values]
    for value, weight in zip(y, weights, strict=True):
        if weight <= 0:
            raise ValueError(f"weight {weight!r} is not positive")
        blocks.append([float(value), float(weight), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight_sum, count = blocks.pop()
            before = blocks[-1]
            total = before[1] + weight_sum
            before[0] = (before[0] * before[1] + mean * weight_sum) / total
            before[1], before[2] = total, before[2] + count
    return [mean for mean, _, count in blocks for _ in range(int(count))]


def fit_isotonic(x: Sequence[float], y: Sequence[float], weights: Sequence[float] | None = None, *,
                 increasing: bool = False) -> IsotonicFit:
    """The monotone map from x to y (non-increasing by default), as sklearn fits it (module doc)."""
    if not x or len(x) != len(y):
        raise ValueError(f"need as many y as x, at least one (got {len(x)} x, {len(y)} y)")
    if not all(math.isfinite(value) for value in (*x, *y)):
        raise ValueError("x and y must be finite numbers")
    weights = [1.0] * len(x) if weights is None else list(weights)
    merged: dict[float, list[float]] = {}  # x -> [sum of w*y, sum of w]
    for xi, yi, wi in zip(x, y, weights, strict=True):
        sums = merged.setdefault(float(xi), [0.0, 0.0])
        sums[0] += wi * yi
        sums[1] += wi
    xs = sorted(merged)
    means = [merged[xi][0] / merged[xi][1] for xi in xs]
    fitted = pool_adjacent_violators(means, [merged[xi][1] for xi in xs], increasing=increasing)
    keep = [index for index in range(len(xs))
            if index in (0, len(xs) - 1) or fitted[index] != fitted[index - 1] or fitted[index] != fitted[index + 1]]
    return IsotonicFit(tuple(xs[i] for i in keep), tuple(fitted[i] for i in keep))


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, tied values sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman_rho(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation with average ranks for ties; None when it is undefined."""
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x but {len(y)} y")
    if len(x) < 2:
        return None
    return _pearson(average_ranks(x), average_ranks(y))


def _pearson(a: Sequence[float], b: Sequence[float]) -> float | None:
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    covariance = sum((p - mean_a) * (q - mean_b) for p, q in zip(a, b, strict=True))
    spread = math.sqrt(sum((p - mean_a) ** 2 for p in a) * sum((q - mean_b) ** 2 for q in b))
    return None if spread == 0 else max(-1.0, min(1.0, covariance / spread))


def calibration_table(predicted: Sequence[float], measured: Sequence[float | None],
                      calibrated: Sequence[float], bins: int) -> list[dict[str, Any]]:
    """`bins` equal-width bins of predicted difficulty over [0, 1] (values outside fall in the end
    bins; 1.0 in the last): per bin its rows, how many were measured, their mean measured pass rate
    and the mean calibrated pass rate of all its rows (None where the bin has none)."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1 (got {bins})")
    members: list[list[int]] = [[] for _ in range(bins)]
    for index, value in enumerate(predicted):
        members[min(bins - 1, max(0, int(value * bins)))].append(index)
    table = []
    for number, indices in enumerate(members):
        rates = [rate for rate in (measured[i] for i in indices) if rate is not None]
        table.append({"low": number / bins, "high": (number + 1) / bins, "rows": len(indices), "measured": len(rates),
                      "mean_pass_rate": _mean(rates), "mean_calibrated": _mean([calibrated[i] for i in indices])})
    return table


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
