"""Exact row percentiles of a block of draws, as np.percentile gives them row by row.

The simulation reports three percentiles of thousands of draws for every deal. Sorting each row
outright (NumPy's vectorised sort) costs less than np.partition's introselect, which spends most
of its time on mispredicted branches at several kth indices: on blocks of margins as the
recompute simulates them (4,096 draws a row), 36 µs a row against 45 µs for a sample-and-bracket
selection and about 100 µs for np.partition.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np


def row_percentiles(block: np.ndarray, qs: tuple[int, ...]) -> np.ndarray:
    """block: float64 array of shape (k, n), n >= 1. Returns float64 array (k, len(qs)):
    for each row, NumPy's default 'linear' percentile of that row at each q in qs (0..100),
    a zero always as +0.0 (which of equal zeros a sort puts first is its own affair)."""
    n = block.shape[1]
    return from_order_statistics(_order_statistics(block, percentile_ranks(n, qs)), n, qs) + 0.0


def percentile_ranks(n: int, qs: tuple[int, ...]) -> tuple[int, ...]:
    """The ranks (0-based, ascending, each once) of the order statistics of n values that the
    percentiles qs interpolate between."""
    return _interpolation(n, tuple(qs)).ranks


def from_order_statistics(stats: np.ndarray, n: int, qs: tuple[int, ...]) -> np.ndarray:
    """The percentiles qs (k, len(qs)) of k rows of n values, from each row's order statistics at
    percentile_ranks(n, qs) (k, len(ranks)): NumPy's default 'linear' interpolation, with the same
    float operations in the same order as np.percentile, so the result is bit for bit the same."""
    rule = _interpolation(n, tuple(qs))
    a, b = stats[:, rule.below], stats[:, rule.above]
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as it is for np.percentile
        return np.where(rule.near_below, a + (b - a) * rule.t, b - (b - a) * rule.rest)


class _Interpolation(NamedTuple):
    ranks: tuple[int, ...]
    below: np.ndarray  # (qs,): where in `ranks` each percentile's lower order statistic is
    above: np.ndarray  # and its upper one
    t: np.ndarray  # (qs,): how far it lies from the lower towards the upper
    rest: np.ndarray  # (qs,): 1 - t
    near_below: np.ndarray  # (qs,): interpolated from the lower one (t < 0.5), as np.percentile does


@lru_cache(maxsize=64)
def _interpolation(n: int, qs: tuple[int, ...]) -> _Interpolation:
    positions = [(n - 1) * (q / 100) for q in qs]
    below = [int(p) for p in positions]
    above = [min(b + 1, n - 1) for b in below]
    ranks = tuple(sorted(set(below + above)))
    t = [p - b for p, b in zip(positions, below, strict=True)]
    return _Interpolation(
        ranks=ranks,
        below=np.array([ranks.index(b) for b in below], dtype=np.intp),
        above=np.array([ranks.index(a) for a in above], dtype=np.intp),
        t=np.array(t),
        rest=np.array([1 - value for value in t]),
        near_below=np.array([value < 0.5 for value in t]),
    )


def _order_statistics(block: np.ndarray, ranks: tuple[int, ...]) -> np.ndarray:
    """Each row's values at `ranks` in ascending order (NaN sorting last, as np.partition has it)."""
    if block.strides[1] == 0:
        # A row broadcast along its draws is one value repeated: nothing to sort.
        return np.repeat(block[:, :1], len(ranks), axis=1)
    return np.sort(block, axis=1)[:, list(ranks)]


def true_counts(mask: np.ndarray) -> np.ndarray:
    """How many values are true along the last axis of a boolean array."""
    # Summing bytes into a narrow integer is several times faster than count_nonzero along an axis.
    return np.add.reduce(
        mask.view(np.uint8), axis=-1, dtype=np.uint16 if mask.shape[-1] < 1 << 16 else np.intp
    )
