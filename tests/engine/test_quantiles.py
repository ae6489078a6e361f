"""Row percentiles: bit for bit what np.partition row by row gives, but that a zero is always +0.0."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pricing.engine.quantiles import from_order_statistics, percentile_ranks, row_percentiles

DECILES = (10, 50, 90)


def reference(values: np.ndarray, qs: tuple[int, ...]) -> list[float]:
    """The percentiles of one row as the simulation computed them before: np.partition."""
    n = values.shape[0]
    positions = [(n - 1) * (q / 100) for q in qs]
    below = [int(p) for p in positions]
    above = [min(b + 1, n - 1) for b in below]
    ordered = np.partition(values, sorted(set(below + above)))
    out = []
    for p, lo, hi in zip(positions, below, above, strict=True):
        a, b, t = float(ordered[lo]), float(ordered[hi]), p - lo
        out.append(a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t))
    return out


def assert_as_reference(block: np.ndarray, qs: tuple[int, ...] = DECILES) -> None:
    """Every float the same, NaN where the reference has NaN; a zero never negative (a report
    showing -0.0000 would read as a loss)."""
    actual = row_percentiles(block, qs)
    expected = np.array([reference(row, qs) for row in block]).reshape(len(block), len(qs))
    assert actual.dtype == np.float64 and actual.shape == expected.shape
    assert np.array_equal(actual, expected, equal_nan=True)
    assert not np.signbit(actual[actual == 0]).any()


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


def test_a_row_with_nan_gives_whatever_the_reference_gives():
    block = lognormal(6, 10_000)
    block[1, 17] = np.nan
    block[2, ::3] = np.nan
    block[3] = np.nan
    assert_as_reference(block, (0, 10, 50, 90, 100))


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
    block = np.broadcast_to(np.array([[2.5], [-0.0], [7.0]]), (3, 10_000))
    assert_as_reference(block)


def test_one_row_broadcast_to_many_and_strided_rows_give_the_reference():
    block = lognormal(6, 20_000)
    assert_as_reference(np.broadcast_to(block[0], (4, 20_000)))
    assert_as_reference(block[:, ::2])
    assert_as_reference(block[::2])
    assert_as_reference(np.asfortranarray(block))


def test_a_block_gives_the_same_whatever_was_computed_before():
    small, large = lognormal(3, 9_000, seed=1), lognormal(40, 12_000, seed=2)
    first = row_percentiles(small, DECILES)
    row_percentiles(large, (5, 95))
    assert np.array_equal(row_percentiles(small, DECILES), first)
    assert_as_reference(small)


def test_blocks_in_several_threads_give_the_reference():
    blocks = [lognormal(8, 10_000, seed=seed) for seed in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda block: row_percentiles(block, DECILES), blocks))
    for block, result in zip(blocks, results, strict=True):
        assert np.array_equal(result, [reference(row, DECILES) for row in block])


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
    # One that cannot be written in place (a broadcast view, a column slice) is copied instead.
    shared = np.broadcast_to(block[0], (3, 4_096))
    assert np.array_equal(row_percentiles(shared, DECILES, overwrite=True), row_percentiles(shared, DECILES))
    strided = block[:, ::2]
    assert np.array_equal(
        row_percentiles(strided, DECILES, overwrite=True), row_percentiles(strided, DECILES)
    )


def test_order_statistics_found_elsewhere_give_the_same_percentiles():
    # The simulation also knows some order statistics without selecting them (a bill that grows
    # with one volume): they interpolate exactly as a row's would.
    block = lognormal(4, 10_000)
    for qs in (DECILES, (0, 100), (33,)):
        ranks = percentile_ranks(10_000, qs)
        stats = np.partition(block, ranks, axis=1)[:, list(ranks)]
        assert np.array_equal(from_order_statistics(stats, 10_000, qs), row_percentiles(block, qs))


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
