"""Row percentiles, and percentiles from order statistics found elsewhere: bit for bit what
np.percentile gives row by row, but that a zero is always +0.0, and without a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pricing.engine.quantiles import from_order_statistics, percentile_ranks, row_percentiles

DECILES = (10, 50, 90)


def reference(values: np.ndarray, qs: tuple[int, ...]) -> np.ndarray:
    """The percentiles of one row as NumPy gives them."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.percentile(values, qs)


def assert_as_reference(block: np.ndarray, qs: tuple[int, ...] = DECILES) -> None:
    """Every float the same, NaN where the reference has NaN; a zero never negative (a report
    showing -0.0000 would read as a loss); no warning. Order statistics taken from the block
    (as the simulation takes a bill's from its volume's) interpolate to the same figures."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        actual = row_percentiles(block, qs)
        expected = np.array([reference(row, qs) for row in block]).reshape(len(block), len(qs))
        assert actual.dtype == np.float64 and actual.shape == expected.shape
        assert np.array_equal(actual, expected, equal_nan=True)
        assert not np.signbit(actual[actual == 0]).any()
        if not np.isnan(block).any():  # np.partition puts NaN last, where np.percentile gives NaN
            n = block.shape[1]
            ranks = percentile_ranks(n, qs)
            stats = np.partition(block, ranks, axis=1)[:, list(ranks)]
            assert np.array_equal(from_order_statistics(stats, n, qs), expected, equal_nan=True)


def lognormal(rows: int, n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(0.0, 1.0, (rows, n))


# ---------------------------------------------------------------------------------------
# Ordinary draws


@pytest.mark.parametrize("rows", [1, 37])
@pytest.mark.parametrize("n", [1, 2, 3, 511, 512, 513, 2048, 10_000, 10_001])
def test_lognormal_rows_give_the_reference_percentiles(rows, n):
    assert_as_reference(lognormal(rows, n))


@pytest.mark.parametrize(
    "qs", [(0, 100), (25, 75), (1, 99), (50,), (90, 10, 50), (0, 1, 2, 49, 50, 51, 98, 99, 100)]
)
@pytest.mark.parametrize("n", [3, 600, 10_000])
def test_any_percentiles_give_the_reference(qs, n):
    assert_as_reference(lognormal(9, n), qs)


def test_rows_of_either_sign_give_the_reference():
    block = np.random.default_rng(3).normal(0.0, 5.0, (16, 10_000))
    assert_as_reference(block, (0, 10, 50, 90, 100))


def test_many_percentiles_apart_give_the_reference():
    assert_as_reference(lognormal(5, 10_000), tuple(range(0, 101, 5)))


def test_an_empty_block_has_no_percentiles():
    assert row_percentiles(np.empty((0, 10_000)), DECILES).shape == (0, 3)


# ---------------------------------------------------------------------------------------
# Ties


@pytest.mark.parametrize("n", [1, 700, 10_000])
def test_constant_rows_give_their_value(n):
    block = np.repeat(np.array([[3.25], [-1.5], [0.0], [-0.0], [1e300]]), n, axis=1)
    assert_as_reference(block, (0, 10, 50, 90, 100))
    assert np.array_equal(row_percentiles(block, DECILES), np.repeat(block[:, :1], 3, axis=1))


def test_margins_clipped_at_their_bounds_give_the_reference():
    # As the simulation clips margins: 40 % of a row at the -10.0 floor and some at the 1.0 cap.
    rng = np.random.default_rng(5)
    block = np.clip(rng.normal(0.2, 0.5, (24, 10_000)), -10.0, 1.0)
    block[:, :4_000] = -10.0
    block[:, 4_000:4_500] = 1.0
    block = rng.permuted(block, axis=1)
    assert_as_reference(block, (0, 10, 40, 45, 50, 90, 95, 100))


@pytest.mark.parametrize("share", [0.05, 0.1, 0.3, 0.5, 0.9, 0.95])
def test_a_mass_of_equal_values_next_to_a_percentile_gives_the_reference(share):
    rng = np.random.default_rng(int(share * 100))
    block = rng.lognormal(0.0, 1.0, (12, 10_000))
    block[:, : int(share * 10_000)] = 2.0  # e.g. a bill held at a minimum commitment
    assert_as_reference(rng.permuted(block, axis=1))


def test_few_distinct_values_give_the_reference():
    block = np.random.default_rng(2).integers(0, 4, (20, 10_000)).astype(float)
    assert_as_reference(block, (0, 10, 25, 50, 75, 90, 100))


def test_zeros_of_either_sign_give_a_positive_zero():
    rng = np.random.default_rng(4)
    mixed = rng.choice([-0.0, 0.0, 1.0, -1.0], size=(10, 10_000), p=[0.3, 0.3, 0.2, 0.2])
    negative = rng.choice([-0.0, 1.0, -1.0], size=(10, 10_000), p=[0.6, 0.2, 0.2])
    assert_as_reference(mixed, (10, 50, 90))
    assert_as_reference(negative, (10, 50, 90))


# ---------------------------------------------------------------------------------------
# Infinities and NaN


def test_rows_with_infinities_give_the_reference():
    block = lognormal(12, 10_000)
    block[:, ::97] = np.inf
    block[:, 5::101] = -np.inf
    block[3] = np.inf
    block[4, :9_500] = -np.inf
    assert_as_reference(block, (0, 1, 10, 50, 90, 99, 100))


def test_a_row_with_nan_gives_nan_at_every_percentile():
    block = lognormal(6, 10_000)
    block[1, 17] = np.nan
    block[2, ::3] = np.nan
    block[3] = np.nan
    assert_as_reference(block, (0, 10, 50, 90, 100))
    assert np.isnan(row_percentiles(block, DECILES)[1:4]).all()


def test_huge_values_of_both_signs_interpolate_without_a_warning():
    # The gap between -1e308 and 1e308 overflows to inf, as it does for np.percentile.
    block = np.tile([-1e308, 1e308], (3, 2_000))
    block[2, ::4] = -np.inf
    assert_as_reference(block, (0, 10, 25, 50, 75, 90, 100))
    assert np.isinf(row_percentiles(block, (10, 50, 90))).any()


# ---------------------------------------------------------------------------------------
# Orders and extremes


def test_sorted_rows_give_the_reference():
    block = np.sort(lognormal(8, 10_000), axis=1)
    assert_as_reference(block)
    assert_as_reference(block[:, ::-1].copy())


@pytest.mark.parametrize("every", [2, 3, 4, 8])
def test_rows_whose_every_few_values_are_huge_give_the_reference(every):
    block = lognormal(8, 10_000)
    block[:, ::every] = 1e300
    assert_as_reference(block)


def test_rows_of_two_far_apart_clusters_give_the_reference():
    rng = np.random.default_rng(9)
    block = np.where(rng.random((8, 10_000)) < 0.5, rng.normal(-100.0, 1.0, (8, 10_000)), 1e6)
    assert_as_reference(block, (10, 49, 50, 51, 90))


# ---------------------------------------------------------------------------------------
# Layouts


def test_rows_broadcast_along_their_draws_give_their_value():
    block = np.broadcast_to(np.array([[2.5], [-0.0], [7.0], [np.inf], [np.nan]]), (5, 10_000))
    assert_as_reference(block)
    assert_as_reference(block, (0, 100))


def test_one_row_broadcast_to_many_and_strided_rows_give_the_reference():
    block = lognormal(6, 20_000)
    assert_as_reference(np.broadcast_to(block[0], (4, 20_000)))
    assert_as_reference(block[:, ::2])
    assert_as_reference(block[::2])
    assert_as_reference(np.asfortranarray(block))


def test_the_block_is_left_as_it_was():
    block = lognormal(5, 10_000)
    before = block.copy()
    row_percentiles(block, DECILES)
    assert np.array_equal(block, before)


def test_a_block_that_may_be_overwritten_gives_the_same_and_keeps_its_values():
    block = lognormal(6, 4_096)
    work = block.copy()
    assert np.array_equal(row_percentiles(work, DECILES, overwrite=True), row_percentiles(block, DECILES))
    assert np.array_equal(np.sort(work, axis=1), np.sort(block, axis=1))  # only their order moved
    # One that cannot be written (a broadcast view, as the simulation's bill may be) is copied.
    shared = np.broadcast_to(block[0], (3, 4_096))
    assert np.array_equal(row_percentiles(shared, DECILES, overwrite=True), row_percentiles(shared, DECILES))
    strided = block[:, ::2]
    expected = row_percentiles(strided, DECILES)
    assert np.array_equal(row_percentiles(strided, DECILES, overwrite=True), expected)


# ---------------------------------------------------------------------------------------
# Any finite values


finite = st.floats(allow_nan=False, allow_infinity=False)
# A few values drawn again and again, so that rows are full of ties.
repeated = st.sampled_from([0.0, -0.0, 1.0, -10.0, 2.5, 1e-300, -1e300])


@st.composite
def blocks(draw) -> np.ndarray:
    rows = draw(st.integers(1, 3))
    n = draw(st.one_of(st.integers(1, 20), st.integers(500, 2_000)))
    spread = draw(st.sampled_from([finite, repeated, st.one_of(finite, repeated)]))
    return draw(
        arrays(np.float64, (rows, n), elements=spread, fill=draw(st.sampled_from([spread, repeated])))
    )


@settings(max_examples=200, deadline=None)
@given(blocks(), st.lists(st.integers(0, 100), min_size=1, max_size=5).map(tuple))
def test_any_finite_values_give_the_reference(block, qs):
    assert_as_reference(block, qs)
