"""Row percentiles of a block of draws, and their interpolation from order statistics found
elsewhere, both exactly as np.percentile gives them row by row."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np


def row_percentiles(block: np.ndarray, qs: tuple[int, ...], *, overwrite: bool = False) -> np.ndarray:
    """block: float64 array of shape (k, n), n >= 1. Returns float64 array (k, len(qs)):
    for each row, np.percentile of that row at each q in qs (0..100), NaN for a row with any NaN,
    a zero always as +0.0 (which of equal zeros a partition puts first is its own affair).
    With `overwrite`, the order of each row's values may be changed in place, as np.percentile's
    overwrite_input allows (a read-only block, such as a broadcast view, is copied anyway)."""
    if block.strides[1] == 0:
        # A row broadcast along its draws is one value repeated, whose percentiles are its own: no
        # selection over a copy (18 us a row of 4,096 draws, a constant bill's).
        block = block[:, :1]
    # inf - inf is NaN and the gap between huge values of both signs overflows to inf: the figures
    # say so, a warning would add nothing.
    with np.errstate(invalid="ignore", over="ignore"):
        pct = np.percentile(block, qs, axis=1, overwrite_input=overwrite and block.flags.writeable)
    return np.asarray(pct.T + 0.0)


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
    # inf - inf is NaN and the gap between huge values of both signs overflows to inf, as they do
    # for np.percentile: the figures say so, a warning would add nothing.
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(np.where(rule.near_below, a + (b - a) * rule.t, b - (b - a) * rule.rest))


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


def true_counts(mask: np.ndarray) -> np.ndarray:
    """How many values are true along the last axis of a boolean array."""
    # Summing bytes into a narrow integer is several times faster than count_nonzero along an axis.
    return np.asarray(
        np.add.reduce(mask.view(np.uint8), axis=-1, dtype=np.uint16 if mask.shape[-1] < 1 << 16 else np.intp)
    )
