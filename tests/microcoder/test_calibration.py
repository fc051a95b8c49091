"""Isotonic regression (pool-adjacent-violators), its interpolation, Spearman's rho and the
calibration table, against hand-computed cases; and a planted monotone relation recovered."""

from __future__ import annotations

import random

import pytest

from pysynth.microcoder.calibration import (
    IsotonicFit,
    average_ranks,
    calibration_table,
    fit_isotonic,
    pool_adjacent_violators,
    spearman_rho,
)


@pytest.mark.parametrize(("values", "expected"), [
    ([1.0, 3.0, 2.0, 4.0], [1.0, 2.5, 2.5, 4.0]),        # one violation pooled
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),                  # already monotone: unchanged
    ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),                  # all equal: unchanged
    ([5.0], [5.0]),                                      # a single point
    ([3.0, 2.0, 1.0], [2.0, 2.0, 2.0]),                  # reversed: everything pools to the mean
    ([4.0, 5.0, 1.0, 6.0], [10 / 3, 10 / 3, 10 / 3, 6.0]),  # a pool that grows backwards twice
    ([], []),
], ids=["violation", "monotone", "all-equal", "single", "reversed", "cascade", "empty"])
def test_increasing_pav_matches_hand_computed_fits(values: list[float], expected: list[float]) -> None:
    assert pool_adjacent_violators(values) == pytest.approx(expected)


def test_decreasing_pav_is_the_mirror_of_increasing() -> None:
    assert pool_adjacent_violators([3.0, 1.0, 2.0], increasing=False) == pytest.approx([3.0, 1.5, 1.5])
    assert pool_adjacent_violators([1.0, 3.0, 2.0], increasing=False) == pytest.approx([2.0, 2.0, 2.0])
    assert pool_adjacent_violators([1.0, 2.0, 3.0], increasing=False) == pytest.approx([2.0, 2.0, 2.0])


def test_weights_pull_a_pool_towards_the_heavier_value() -> None:
    assert pool_adjacent_violators([1.0, 0.0], [1.0, 3.0]) == pytest.approx([0.25, 0.25])


def test_tied_x_are_merged_into_their_weighted_mean_before_fitting() -> None:
    # x=0.1 holds y 1.0 and 0.0 -> 0.5 (weight 2); then 0.5, 0.8 violate "non-increasing" -> (2*0.5+0.8)/3 = 0.6.
    fit = fit_isotonic([0.1, 0.1, 0.5, 0.9], [1.0, 0.0, 0.8, 0.2])
    assert fit.x == (0.1, 0.5, 0.9)
    assert fit.y == pytest.approx((0.6, 0.6, 0.2))


def test_predictions_interpolate_linearly_and_clip_outside_the_fitted_range() -> None:
    fit = fit_isotonic([0.1, 0.1, 0.5, 0.9], [1.0, 0.0, 0.8, 0.2])
    assert fit(0.7) == pytest.approx(0.4)  # halfway between (0.5, 0.6) and (0.9, 0.2)
    assert fit(0.3) == pytest.approx(0.6)
    assert fit(0.0) == pytest.approx(0.6) and fit(-5.0) == pytest.approx(0.6)  # clipped to the first point
    assert fit(1.0) == pytest.approx(0.2) and fit(9.0) == pytest.approx(0.2)   # and to the last


def test_interior_points_equal_to_both_neighbours_are_dropped_as_sklearn_does() -> None:
    fit = fit_isotonic([0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 0.0])
    assert fit == IsotonicFit((0.0, 2.0, 3.0), (1.0, 1.0, 0.0))
    assert fit(1.0) == 1.0 and fit(2.5) == pytest.approx(0.5)


def test_a_single_distinct_x_gives_a_constant_map() -> None:
    fit = fit_isotonic([0.4, 0.4], [0.2, 0.6])
    assert fit.x == (0.4,) and fit(0.0) == pytest.approx(0.4) and fit(1.0) == pytest.approx(0.4)


def test_an_increasing_relation_fitted_non_increasing_is_flat_at_its_mean() -> None:
    fit = fit_isotonic([0.1, 0.2, 0.3], [0.1, 0.2, 0.6])
    assert [fit(x) for x in (0.1, 0.2, 0.3)] == pytest.approx([0.3, 0.3, 0.3])


def test_unusable_input_is_refused() -> None:
    with pytest.raises(ValueError, match="as many y as x"):
        fit_isotonic([], [])
    with pytest.raises(ValueError, match="finite"):
        fit_isotonic([0.1, float("nan")], [0.0, 1.0])


def test_average_ranks_share_the_ranks_of_ties() -> None:
    assert average_ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
    assert average_ranks([7.0, 7.0, 7.0]) == [2.0, 2.0, 2.0]


def test_spearman_with_ties_uses_average_ranks() -> None:
    # ranks x = 1, 2.5, 2.5, 4 and y = 1, 3, 2, 4: r = 4.5 / sqrt(4.5 * 5) = sqrt(0.9).
    assert spearman_rho([1.0, 2.0, 2.0, 3.0], [1.0, 3.0, 2.0, 4.0]) == pytest.approx(0.9 ** 0.5)


def test_spearman_of_a_monotone_relation_is_plus_or_minus_one() -> None:
    assert spearman_rho([0.1, 0.5, 0.9], [10.0, 20.0, 1000.0]) == pytest.approx(1.0)
    assert spearman_rho([0.1, 0.5, 0.9], [0.9, 0.4, 0.0]) == pytest.approx(-1.0)


def test_spearman_is_undefined_for_a_constant_or_a_single_point() -> None:
    assert spearman_rho([0.1, 0.5, 0.9], [0.5, 0.5, 0.5]) is None
    assert spearman_rho([0.3], [0.5]) is None


def test_the_table_bins_predictions_and_averages_measured_and_calibrated() -> None:
    table = calibration_table([0.05, 0.1, 0.6, 1.0], [1.0, None, 0.5, 0.0], [0.9, 0.8, 0.5, 0.1], bins=2)
    assert table == [
        {"low": 0.0, "high": 0.5, "rows": 2, "measured": 1, "mean_pass_rate": 1.0, "mean_calibrated": pytest.approx(0.85)},
        {"low": 0.5, "high": 1.0, "rows": 2, "measured": 2, "mean_pass_rate": 0.25, "mean_calibrated": pytest.approx(0.3)},
    ]
    empty = calibration_table([0.9], [None], [0.2], bins=3)[0]
    assert empty["rows"] == 0 and empty["mean_pass_rate"] is None and empty["mean_calibrated"] is None


def test_calibration_recovers_a_planted_monotone_relation() -> None:
    rng = random.Random(15)

    def truth(difficulty: float) -> float:
        return 1 - difficulty ** 2

    predicted = [rng.random() for _ in range(400)]
    measured = [min(1.0, max(0.0, truth(p) + rng.gauss(0, 0.05))) for p in predicted]
    fit = fit_isotonic(predicted, measured)
    grid = [step / 10 for step in range(1, 10)]
    errors = {x: abs(fit(x) - truth(x)) for x in grid}
    assert max(errors.values()) < 0.06, f"the fit strays from 1 - x^2: {errors}"
    assert all(a >= b for a, b in zip(fit.y, fit.y[1:])), "the fitted map is not non-increasing"
    rho = spearman_rho(predicted, measured)
    assert rho is not None and rho < -0.9, f"rho {rho} is not strongly negative"
